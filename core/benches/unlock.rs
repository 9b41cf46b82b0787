//! Unlocking a vault of 1,000 accounts, split into key derivation and
//! everything else (device unwrap, lockout writes, AEAD, decrypting and
//! listing every account).
//!
//! Run: `cargo bench -p vakt-core --bench unlock`
//!
//! Prints medians of several runs. The same 1,000 accounts are stored in two
//! vaults that differ only in their PIN slot's KDF cost: the default one gives
//! the real unlock time; the other (a KDF of a few microseconds, timed and
//! subtracted) gives everything else without the KDF's run-to-run noise.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use vakt_core::rng::SystemRandom;
use vakt_core::secret::Key256;
use vakt_core::vault::{
    KdfParams, Pin, PinPolicy, Services, SoftwareKeystore, ThreadSleep, VAULT_FILE, Vault,
    VaultConfig,
};

const ACCOUNTS: usize = 1000;
const RUNS: usize = 9;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn build(dir: &std::path::Path, name: &str, pin_kdf: KdfParams, services: &Services) -> Vault {
    let config = VaultConfig {
        pin_kdf,
        unblock_kdf: KdfParams::UNBLOCK_DEFAULT,
        pin_policy: PinPolicy::default(),
    };
    let pin = Pin::parse("4829").unwrap();
    let path = dir.join(name);
    let (vault, _) = Vault::create(&path, services.clone(), config, &pin).unwrap();
    let session = vault.unlock(&pin).unwrap();
    let algorithms = ["SHA1", "SHA256", "SHA512"];
    for i in 0..ACCOUNTS {
        let secret = base32::encode(
            base32::Alphabet::Rfc4648 { padding: false },
            &(i as u64).to_be_bytes().repeat(3),
        );
        let uri = format!(
            "otpauth://totp/Service%20{i}:user{i}@example.com?secret={secret}&algorithm={}",
            algorithms[i % 3]
        );
        session
            .add(&vakt_core::provision::uri::parse(&uri).unwrap())
            .unwrap();
    }
    drop(session);
    drop(vault);
    Vault::open(&path, services.clone(), config).unwrap()
}

/// Median time of `unlock` + listing every account.
fn time_unlock(vault: &Vault) -> Duration {
    let pin = Pin::parse("4829").unwrap();
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let session = vault.unlock(&pin).unwrap();
        let list = session.accounts().unwrap();
        times.push(start.elapsed());
        assert_eq!(list.len(), ACCOUNTS);
    }
    median(times)
}

fn time_kdf(params: KdfParams) -> Duration {
    median(
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                let _ = params.derive(b"4829", &[0u8; 16]).unwrap();
                start.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let services = Services {
        keystore: Arc::new(SoftwareKeystore::from_key(
            Key256::new([7; 32]),
            Box::new(SystemRandom::new()),
        )),
        rng: Arc::new(SystemRandom::new()),
        pause: Arc::new(ThreadSleep),
        clock: Arc::new(vakt_core::clock::SystemClock),
    };
    let real = build(dir.path(), VAULT_FILE, KdfParams::PIN_DEFAULT, &services);
    let cheap = build(
        dir.path(),
        "cheap.sqlite3",
        KdfParams::INSECURE_FOR_TESTS,
        &services,
    );

    let total = time_unlock(&real);
    let kdf = time_kdf(KdfParams::PIN_DEFAULT);
    let rest = time_unlock(&cheap).saturating_sub(time_kdf(KdfParams::INSECURE_FOR_TESTS));
    let session = cheap.unlock(&Pin::parse("4829").unwrap()).unwrap();
    let list_only = median(
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                let _ = session.accounts().unwrap();
                start.elapsed()
            })
            .collect(),
    );
    let p = KdfParams::PIN_DEFAULT;
    let u = KdfParams::UNBLOCK_DEFAULT;
    println!("unlock + list of a vault with {ACCOUNTS} accounts (medians of {RUNS} runs)");
    println!(
        "  total, default KDF:                    {:8.2} ms",
        ms(total)
    );
    println!(
        "  PIN KDF alone (Argon2id {} MiB, t={}, p={}): {:8.2} ms",
        p.memory_kib / 1024,
        p.iterations,
        p.parallelism,
        ms(kdf)
    );
    println!(
        "  everything else:                       {:8.2} ms   (goal <= 10 ms)",
        ms(rest)
    );
    println!(
        "    of which decrypting + listing:       {:8.2} ms",
        ms(list_only)
    );
    println!(
        "  unblock KDF (Argon2id {} MiB, t={}):     {:8.2} ms",
        u.memory_kib / 1024,
        u.iterations,
        ms(time_kdf(u))
    );
}
