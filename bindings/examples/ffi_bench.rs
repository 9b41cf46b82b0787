//! The Rust side of the FFI cost measurement (`scripts/bench-ffi`): the codes
//! of a vault of 100 accounts computed by vakt-core directly — the call the
//! Kotlin bench makes through vakt-ffi's `Session::codes_at`, uniffi and JNA —
//! on the same accounts. See docs/bindings.md.
//!
//! It calls vakt-core, not vakt-ffi: vakt-ffi is built only as a C library
//! (`cdylib`), which is what lets cargo apply LTO to it; so everything
//! vakt-ffi adds (the lock, converting 100 records to strings, the
//! serialization) counts as the cost of the FFI here.
//!
//! `cargo run --release -p vakt-ffi --example ffi_bench [RUNS] [CALLS_PER_RUN]`

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use vakt_core::rng::SystemRandom;
use vakt_core::vault::{
    KdfParams, Pin, PinPolicy, Services, SoftwareKeystore, ThreadSleep, Vault, VaultConfig,
};

/// Accounts in the bench vault.
const ACCOUNTS: usize = 100;
/// The time all codes are computed for.
const AT: u64 = 1_700_000_000;

/// The base32 symbol of the low five bits of `v`.
fn symbol(alphabet: &[u8; 32], v: u32) -> u8 {
    alphabet.get((v & 31) as usize).copied().unwrap_or(b'A')
}

/// Base32 (RFC 4648, no padding) of `bytes`.
fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(symbol(ALPHABET, buffer >> bits)));
        }
    }
    if bits > 0 {
        out.push(char::from(symbol(ALPHABET, buffer << (5 - bits))));
    }
    out
}

/// The i-th account's URI; the Kotlin bench builds the same list.
fn uri(i: usize) -> String {
    let (algorithm, key_len) = match i % 3 {
        0 => ("SHA1", 20),
        1 => ("SHA256", 32),
        _ => ("SHA512", 64),
    };
    let key: Vec<u8> = (0..key_len)
        .map(|j| ((i * 31 + j * 7) % 251) as u8)
        .collect();
    let secret = base32(&key);
    let digits = if i.is_multiple_of(2) { 6 } else { 8 };
    if i % 4 == 3 {
        format!(
            "otpauth://hotp/Bench:hotp{i}?secret={secret}&algorithm={algorithm}&digits={digits}&counter={i}"
        )
    } else {
        let period = if i.is_multiple_of(5) { 60 } else { 30 };
        format!(
            "otpauth://totp/Bench:totp{i}?secret={secret}&algorithm={algorithm}&digits={digits}&period={period}"
        )
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Median over `runs` of the mean time of `calls` calls, in nanoseconds.
fn measure(runs: usize, calls: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..calls * 5 {
        f();
    }
    let per_run: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..calls {
                f();
            }
            start.elapsed().as_nanos() as f64 / calls as f64
        })
        .collect();
    median(per_run)
}

/// A vault at `path` with a software keystore at `key`.
fn create(path: &Path, key: &Path, fast: bool) -> Result<Vault, Box<dyn std::error::Error>> {
    let services = Services {
        keystore: Arc::new(SoftwareKeystore::open_or_create(
            key,
            Box::new(SystemRandom::new()),
        )?),
        rng: Arc::new(SystemRandom::new()),
        pause: Arc::new(ThreadSleep),
        clock: Arc::new(vakt_core::clock::SystemClock),
    };
    let mut config = VaultConfig {
        pin_policy: PinPolicy { min_len: 4 },
        ..VaultConfig::default()
    };
    if fast {
        config.pin_kdf = KdfParams::INSECURE_FOR_TESTS;
        config.unblock_kdf = KdfParams::INSECURE_FOR_TESTS;
    }
    let pin = Pin::new_checked("4829", &config.pin_policy)?;
    Ok(Vault::create(path, services, config, &pin)?.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().map_or(Ok(41), |a| a.parse())?;
    let calls: usize = args.next().map_or(Ok(50), |a| a.parse())?;

    let dir = std::env::temp_dir().join(format!("vakt-ffi-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let pin = Pin::new_checked("4829", &PinPolicy { min_len: 4 })?;
    let vault = create(&dir.join("vault.sqlite3"), &dir.join("device.key"), true)?;
    let session = vault.unlock(&pin)?;
    for i in 0..ACCOUNTS {
        session.add(&vakt_core::provision::uri::parse(&uri(i))?)?;
    }
    let rows = session.codes(AT)?;
    assert_eq!(rows.len(), ACCOUNTS);
    // A checksum of the codes, so both benches can be seen to compute the same.
    let digest: u64 = rows
        .iter()
        .filter_map(|r| r.view.as_ref().map(|v| v.code.to_string()))
        .flat_map(String::into_bytes)
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));

    let codes_ns = measure(runs, calls, || {
        std::hint::black_box(session.codes(std::hint::black_box(AT)).ok());
    });
    // One unlock with the default (phone) key-derivation cost: what an
    // opt-level for size costs where it matters most.
    let kdf = create(&dir.join("kdf.sqlite3"), &dir.join("device.key"), false)?;
    let unlock_ms = median(
        (0..3)
            .map(|_| {
                let start = Instant::now();
                let unlocked = kdf.unlock(&pin);
                let ms = start.elapsed().as_secs_f64() * 1000.0;
                unlocked.map(|_| ms)
            })
            .collect::<Result<Vec<f64>, _>>()?,
    );
    println!("rust codes_at({ACCOUNTS} accounts): {codes_ns:.0} ns/call");
    println!("rust codes digest: {digest}");
    println!("rust unlock with the default KDF: {unlock_ms:.0} ms");
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
