//! Device-key generation for push tokens: RSA 2048, 3072 and 4096 bits with the
//! software keystore's generator (the `rsa` crate), plus one signature (ring),
//! reported as medians and as ratios to 2048 bits in the same run.
//!
//! RSA key generation time varies widely from key to key (it searches for
//! primes), so each size is sampled several times and the median and the
//! slowest are printed.
//!
//! Run: `cargo bench -p vakt-core --bench push_keygen [-- SAMPLES]`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::print_stderr
)]

use std::time::{Duration, Instant};

use vakt_core::crypto::rsa::{generate_rsa, sign_pkcs8};
use vakt_core::rng::SystemRandom;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let samples: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(9);
    let rng = SystemRandom::new();
    let mut rows = Vec::new();
    for bits in [2048usize, 3072, 4096] {
        let mut times = Vec::new();
        let mut sign_times = Vec::new();
        for _ in 0..samples {
            let start = Instant::now();
            let (pkcs8, _) = generate_rsa(bits, &rng).unwrap();
            times.push(start.elapsed());
            let start = Instant::now();
            sign_pkcs8(&pkcs8, b"PIPU0000668B|2026-11-22T01:37:14+00:00").unwrap();
            sign_times.push(start.elapsed());
        }
        let slowest = *times.iter().max().unwrap();
        rows.push((bits, median(times), slowest, median(sign_times)));
    }
    let base = rows[0].1.as_secs_f64();
    println!("RSA device keys, {samples} keys per size (rsa crate keygen, ring signing)");
    println!("bits   keygen median   slowest   ratio to 2048   sign median");
    for (bits, med, slowest, sign) in rows {
        println!(
            "{bits:<6} {:>10.0} ms  {:>7.0} ms  {:>10.1}x     {:>7.2} ms",
            med.as_secs_f64() * 1e3,
            slowest.as_secs_f64() * 1e3,
            med.as_secs_f64() / base,
            sign.as_secs_f64() * 1e3
        );
    }
}
