//! The numbers that bound push: device key size, how long a challenge is
//! answerable, how long nonces are remembered.

/// RSA key size of new device keys. privacyIDEA accepts 2048 and 4096; 3072
/// bits give ≈128-bit security (NIST SP 800-57: good beyond 2030) and are
/// generated in a fraction of 4096's time on a phone. Measured by
/// `cargo bench -p vakt-core --bench push_keygen` (docs/performance.md).
pub const DEVICE_KEY_BITS: u32 = 3072;

/// Seconds a challenge stays answerable after it was first received. privacyIDEA
/// keeps challenges open for 120 s by default and sends no timestamp, so this
/// bound counts from first sight.
pub const CHALLENGE_LIFETIME: u64 = 120;

/// Days a challenge's nonce is remembered (to recognise replays) after it was
/// received.
pub const REMEMBER_NONCES_DAYS: u64 = 90;
