//! Secret-holding types.
//!
//! Every secret in Vakt lives in one of these types, never in a bare `String` or
//! `Vec<u8>`. They share four properties, checked by tests:
//!
//! - the bytes are zeroized when the value is dropped;
//! - `Debug` prints only the type name; there is no `Display` and no `Serialize`;
//! - equality is constant-time (no `PartialEq` that could short-circuit);
//! - reading the secret out is explicit (`expose_*`), and every such place in the
//!   code carries an `// EXPOSE:` comment saying why.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

macro_rules! redacted_debug {
    ($ty:ident) => {
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($ty), "(<redacted>)"))
            }
        }
    };
}

/// Secret bytes of any length: an OTP key, a vault key, a derived key.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

redacted_debug!(SecretBytes);

impl SecretBytes {
    /// Takes ownership of `bytes`; the caller's buffer is moved, not copied.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Copies `bytes` into a new secret. The caller remains responsible for wiping
    /// its own copy.
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    /// Reads the secret. Callers mark the use with an `// EXPOSE:` comment.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Number of bytes (not secret).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Constant-time equality (time depends on the lengths only).
    pub fn ct_eq(&self, other: &Self) -> bool {
        bool::from(self.0.as_slice().ct_eq(other.0.as_slice()))
    }
}

/// A secret text: a PIN, an unblock code, a URI that carries a key, a password.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretString(String);

redacted_debug!(SecretString);

impl SecretString {
    /// Takes ownership of `text`.
    pub fn new(text: String) -> Self {
        Self(text)
    }

    /// Copies `text` into a new secret.
    pub fn from_str_copy(text: &str) -> Self {
        Self(text.to_owned())
    }

    /// Reads the secret. Callers mark the use with an `// EXPOSE:` comment.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Constant-time equality (time depends on the lengths only).
    pub fn ct_eq(&self, other: &Self) -> bool {
        bool::from(self.0.as_bytes().ct_eq(other.0.as_bytes()))
    }
}

impl From<Zeroizing<String>> for SecretString {
    fn from(mut text: Zeroizing<String>) -> Self {
        Self(std::mem::take(&mut *text))
    }
}

/// A fixed-size 256-bit key (vault key, key-encryption key).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Key256([u8; 32]);

redacted_debug!(Key256);

impl Key256 {
    /// Wraps 32 key bytes.
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Builds a key from a slice; `None` unless it is exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let array: [u8; 32] = bytes.try_into().ok()?;
        Some(Self(array))
    }

    /// Reads the key. Callers mark the use with an `// EXPOSE:` comment.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    /// Constant-time equality.
    pub fn ct_eq(&self, other: &Self) -> bool {
        bool::from(self.0.ct_eq(&other.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let bytes = SecretBytes::from_slice(b"hunter2-bytes");
        let text = SecretString::from_str_copy("hunter2-text");
        let key = Key256::new([0x41; 32]);
        for shown in [
            format!("{bytes:?}"),
            format!("{bytes:#?}"),
            format!("{text:?}"),
            format!("{text:#?}"),
            format!("{key:?}"),
        ] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(!shown.contains("AAAA"), "{shown}");
            assert!(!shown.contains("65"), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
        }
    }

    #[test]
    fn constant_time_equality_is_equality() {
        assert!(SecretBytes::from_slice(b"abc").ct_eq(&SecretBytes::from_slice(b"abc")));
        assert!(!SecretBytes::from_slice(b"abc").ct_eq(&SecretBytes::from_slice(b"abd")));
        assert!(!SecretBytes::from_slice(b"abc").ct_eq(&SecretBytes::from_slice(b"ab")));
        assert!(SecretString::from_str_copy("1234").ct_eq(&SecretString::from_str_copy("1234")));
        assert!(!SecretString::from_str_copy("1234").ct_eq(&SecretString::from_str_copy("1235")));
        assert!(Key256::new([1; 32]).ct_eq(&Key256::new([1; 32])));
        assert!(!Key256::new([1; 32]).ct_eq(&Key256::new([2; 32])));
        assert!(Key256::from_slice(&[0; 31]).is_none());
    }

    /// The bytes of `v`'s whole allocation (its capacity), also past its length.
    /// Only for vectors whose every byte up to the capacity has been written
    /// (here: zeroized, which writes them all).
    #[allow(unsafe_code)]
    fn allocation(v: &mut Vec<u8>) -> Vec<u8> {
        let len = v.len();
        // SAFETY: u8 has no invalid values, and every byte up to the capacity
        // was written (see above); the length is put back before returning.
        unsafe { v.set_len(v.capacity()) };
        let bytes = v.clone();
        // SAFETY: `len` was the length before, so at most the capacity.
        unsafe { v.set_len(len) };
        bytes
    }

    #[test]
    fn zeroize_clears_the_buffer() {
        // The wipe must overwrite the memory that held the secret, not only
        // forget it: the same allocation, every byte of it zero.
        let secret = b"secret bytes that must not stay in memory";
        let mut bytes = SecretBytes::from_slice(secret);
        assert_eq!(bytes.expose(), secret);
        let at = bytes.0.as_ptr();
        bytes.zeroize();
        assert_eq!(bytes.0.as_ptr(), at, "wiped in place, not reallocated");
        let wiped = allocation(&mut bytes.0);
        assert!(wiped.len() >= secret.len(), "the whole allocation is seen");
        assert!(wiped.iter().all(|b| *b == 0), "{wiped:?}");

        let phrase = "correct horse battery staple";
        let mut text = SecretString::from_str_copy(phrase);
        text.zeroize();
        let mut raw = std::mem::take(&mut text.0).into_bytes();
        let wiped = allocation(&mut raw);
        assert!(wiped.len() >= phrase.len(), "the whole allocation is seen");
        assert!(wiped.iter().all(|b| *b == 0), "{wiped:?}");

        let mut key = Key256::new([7; 32]);
        key.zeroize();
        assert_eq!(key.expose(), &[0; 32]);
    }

    #[test]
    fn secrets_are_wiped_when_dropped() {
        // Compile-time: each type zeroizes itself in `Drop`.
        fn zeroized_on_drop<T: ZeroizeOnDrop>() {}
        zeroized_on_drop::<SecretBytes>();
        zeroized_on_drop::<SecretString>();
        zeroized_on_drop::<Key256>();
    }
}
