//! HOTP (RFC 4226): HMAC over the counter, dynamic truncation, decimal digits.

use ring::hmac;

use crate::secret::SecretBytes;

use super::code::Code;
use super::params::{Algorithm, Digits};

/// RFC 4226 dynamic truncation of HMAC(key, counter): a 31-bit value.
pub fn truncated_value(algorithm: Algorithm, key: &SecretBytes, counter: u64) -> u32 {
    // EXPOSE: the OTP key is fed to HMAC, the one place it is used.
    let key = hmac::Key::new(algorithm.hmac_algorithm(), key.expose());
    truncate(hmac::sign(&key, &counter.to_be_bytes()).as_ref())
}

/// Dynamic truncation (RFC 4226 §5.3) of an HMAC output.
fn truncate(mac: &[u8]) -> u32 {
    // Every supported HMAC output is ≥ 20 bytes; the last nibble picks an offset
    // in 0..=15, so offset + 3 ≤ 18 is always in bounds. `get` keeps it total.
    let offset = mac.last().map_or(0, |b| usize::from(b & 0x0f));
    match mac.get(offset..offset + 4) {
        Some(&[a, b, c, d]) => u32::from_be_bytes([a & 0x7f, b, c, d]),
        _ => 0,
    }
}

/// Formats a 31-bit value as `digits` decimal digits (left-padded with zeros).
fn decimal(value: u32, digits: Digits) -> Code {
    let modulus = 10u64.pow(u32::from(digits.get()));
    let n = u64::from(value) % modulus;
    Code(format!("{n:0width$}", width = usize::from(digits.get())))
}

/// The HOTP code for `counter` (RFC 4226).
pub fn hotp(algorithm: Algorithm, key: &SecretBytes, counter: u64, digits: Digits) -> Code {
    decimal(truncated_value(algorithm, key, counter), digits)
}
