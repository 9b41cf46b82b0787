//! The Rust side of the FFI cost measurement (`scripts/bench-ffi`): the same
//! `Session::codes_at` the Kotlin bench calls through uniffi and JNA, called
//! directly, on the same vault of 100 accounts. See docs/bindings.md.
//!
//! `cargo run --release -p vakt-ffi --example ffi_bench [RUNS] [CALLS_PER_RUN]`

use std::time::Instant;

use vakt_ffi::{VaultOptions, create_vault, fixed_clock, software_keystore};

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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().map_or(Ok(41), |a| a.parse())?;
    let calls: usize = args.next().map_or(Ok(50), |a| a.parse())?;

    let dir = std::env::temp_dir().join(format!("vakt-ffi-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let options = VaultOptions {
        min_pin_length: 4,
        insecure_fast_kdf_for_tests: true,
    };
    let created = create_vault(
        path("vault.sqlite3"),
        software_keystore(path("device.key"))?,
        fixed_clock(AT),
        "4829".into(),
        options,
    )?;
    let session = created.vault.unlock("4829".into())?;
    for i in 0..ACCOUNTS {
        session.add_uri(uri(i))?;
    }
    let rows = session.codes_at(AT)?;
    assert_eq!(rows.len(), ACCOUNTS);
    // A checksum of the codes, so both benches can be seen to compute the same.
    let digest: u64 = rows
        .iter()
        .filter_map(|r| r.code.as_deref())
        .flat_map(str::bytes)
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));

    let codes_ns = measure(runs, calls, || {
        std::hint::black_box(session.codes_at(std::hint::black_box(AT)).ok());
    });
    let trivial_ns = measure(runs, calls * 100, || {
        std::hint::black_box(session.is_locked());
    });
    // One unlock with the default (phone) key-derivation cost: what an
    // opt-level for size costs where it matters most.
    let kdf = create_vault(
        path("kdf.sqlite3"),
        software_keystore(path("device.key"))?,
        fixed_clock(AT),
        "4829".into(),
        VaultOptions {
            min_pin_length: 4,
            insecure_fast_kdf_for_tests: false,
        },
    )?;
    let unlock_ms = median(
        (0..3)
            .map(|_| {
                let start = Instant::now();
                let unlocked = kdf.vault.unlock("4829".into());
                let ms = start.elapsed().as_secs_f64() * 1000.0;
                unlocked.map(|_| ms)
            })
            .collect::<Result<Vec<f64>, _>>()?,
    );
    println!("rust codes_at({ACCOUNTS} accounts): {codes_ns:.0} ns/call");
    println!("rust is_locked: {trivial_ns:.1} ns/call");
    println!("rust codes digest: {digest}");
    println!("rust unlock with the default KDF: {unlock_ms:.0} ms");
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
