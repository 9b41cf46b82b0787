//! The benchmark workload shared by `benches/codes.rs` and
//! `examples/bench_ratio.rs`: 1,000 deterministic accounts of mixed kinds, and
//! the two ways of computing their codes that are compared.

use std::hint::black_box;

use ring::hmac;
use vakt_core::otp::{Algorithm, Digits, Period};
use vakt_core::{OtpKind, OtpParams, OtpSecret, SecretBytes};

/// Number of accounts in the workload.
pub const ACCOUNTS: usize = 1_000;

/// The instant the codes are computed for (any fixed time will do).
pub const AT: u64 = 1_700_000_000;

/// xorshift64*: deterministic key bytes, the same on every run and machine.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

/// 1,000 accounts: SHA1/SHA256/SHA512 × 20/32/64-byte keys, 6 or 8 digits,
/// three TOTP (30 s or 60 s) for every HOTP.
pub fn accounts() -> Vec<OtpParams> {
    let mut state = 0x5EED_u64;
    (0..ACCOUNTS)
        .filter_map(|i| {
            let (algorithm, key_len) = match (i % 3, (i / 3) % 3) {
                (0, k) => (Algorithm::Sha1, k),
                (1, k) => (Algorithm::Sha256, k),
                (_, k) => (Algorithm::Sha512, k),
            };
            let key_len = match key_len {
                0 => 20,
                1 => 32,
                _ => 64,
            };
            let key: Vec<u8> = (0..key_len).map(|_| next(&mut state) as u8).collect();
            let digits = if (i / 2) % 2 == 0 {
                Digits::SIX
            } else {
                Digits::EIGHT
            };
            let kind = if i % 4 == 3 {
                OtpKind::Hotp {
                    counter: (i as u64) * 7,
                }
            } else {
                OtpKind::Totp {
                    period: Period::new(if i % 8 < 4 { 30 } else { 60 }).unwrap_or_default(),
                }
            };
            // Every key is 20 bytes or more, so none is left out.
            OtpSecret::new(SecretBytes::new(key)).map(|secret| OtpParams {
                kind,
                algorithm,
                digits,
                secret,
            })
        })
        .collect()
}

/// Every account's code through vakt-core's public API.
pub fn core_codes(accounts: &[OtpParams], at: u64) {
    for params in accounts {
        black_box(params.current_code(black_box(at)));
    }
}

/// One account's HMAC computed with ring directly: key set-up and one
/// signature over the same counter the engine uses.
#[inline]
pub fn raw_hmac(params: &OtpParams, at: u64) -> hmac::Tag {
    let counter = match params.kind {
        OtpKind::Totp { period } => at / period.get(),
        OtpKind::Hotp { counter } => counter,
        OtpKind::Steam => at / 30,
    };
    // EXPOSE: the benchmark feeds the key to HMAC, as the engine does.
    let key = hmac::Key::new(
        params.algorithm.hmac_algorithm(),
        params.secret.bytes().expose(),
    );
    hmac::sign(&key, &counter.to_be_bytes())
}

/// The same HMACs for every account (same keys and counters): the floor any
/// OTP code costs.
pub fn raw_hmacs(accounts: &[OtpParams], at: u64) {
    for params in accounts {
        black_box(raw_hmac(params, black_box(at)));
    }
}
