//! Cryptographic building blocks, below every layer that stores or sends
//! anything: AES-256-GCM envelopes ([`aead`], crate-private), Argon2id for
//! PINs and codes ([`kdf`]), RSA signatures and keys for push ([`rsa`]), and
//! the device keystore that platforms implement ([`keystore`]), and the
//! user-authenticated platform key of biometric unlock ([`user_auth`]).

pub(crate) mod aead;
pub mod kdf;
pub mod keystore;
pub mod rsa;
pub mod user_auth;
