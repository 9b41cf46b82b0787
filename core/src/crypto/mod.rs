//! Cryptographic building blocks, below every layer that stores or sends
//! anything: AES-256-GCM envelopes ([`aead`], crate-private), Argon2id for
//! PINs and codes ([`kdf`]), RSA signatures and keys for push ([`rsa`]), the
//! P-384 ECDSA device keys of privacyIDEA containers ([`ecdsa`]) and the cipher
//! of their synchronize answers ([`sync_cipher`]), the device keystore that
//! platforms implement ([`keystore`]), and the user-authenticated platform key
//! of biometric unlock ([`user_auth`]).

pub(crate) mod aead;
pub mod ecdsa;
pub mod kdf;
pub mod keystore;
pub mod rsa;
pub mod sync_cipher;
pub mod user_auth;
