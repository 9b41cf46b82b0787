//! The session's lifecycle across the FFI: `lock()` never waits for calls in
//! progress, their results are discarded, and the auto-lock rule applies.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use vakt_core::vault::{self as core, KdfParams, PinPolicy, Services, SoftwareKeystore};

use crate::VaktError;
use crate::platform::Clock;
use crate::vault::Session;

struct TestClock(AtomicU64);

impl Clock for TestClock {
    fn now_unix(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

fn open_session(dir: &std::path::Path, clock: Arc<TestClock>) -> Arc<Session> {
    let services = Services {
        keystore: Arc::new(SoftwareKeystore::from_key(
            vakt_core::secret::Key256::new([7; 32]),
            Box::new(vakt_core::rng::DeterministicRandom::new(1)),
        )),
        rng: Arc::new(vakt_core::rng::DeterministicRandom::new(2)),
        pause: Arc::new(core::ThreadSleep),
        clock: Arc::new(vakt_core::clock::SystemClock),
    };
    let config = core::VaultConfig {
        pin_kdf: KdfParams::INSECURE_FOR_TESTS,
        unblock_kdf: KdfParams::INSECURE_FOR_TESTS,
        pin_policy: PinPolicy::default(),
    };
    let pin = core::Pin::parse("4829").unwrap();
    let (vault, _) =
        core::Vault::create(&dir.join("vault.sqlite3"), services, config, &pin).unwrap();
    Session::new(vault.unlock(&pin).unwrap(), clock)
}

#[test]
fn lock_returns_while_a_call_is_in_progress_and_its_result_is_discarded() {
    let dir = tempfile::tempdir().unwrap();
    let session = open_session(dir.path(), Arc::new(TestClock(AtomicU64::new(100))));
    let (started_tx, started) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    let call = {
        let session = session.clone();
        std::thread::spawn(move || {
            session.with(|s| {
                started_tx.send(()).unwrap();
                // In progress (as a push request waiting on the network).
                release_rx.recv().unwrap();
                s.accounts().map(|a| a.len())
            })
        })
    };
    started.recv().unwrap();
    // Returns although the call above still holds the session.
    session.lock();
    assert!(session.is_locked());
    assert!(matches!(
        session.with(|s| s.accounts()),
        Err(VaktError::Locked)
    ));
    release.send(()).unwrap();
    assert!(
        matches!(call.join().unwrap(), Err(VaktError::Locked)),
        "the late result is discarded"
    );
}

#[test]
fn idle_timeout_and_background_lock_by_the_vaults_clock() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(TestClock(AtomicU64::new(1_000)));
    let session = open_session(dir.path(), clock.clone());
    session.set_idle_timeout(Some(Duration::from_secs(60)));
    clock.0.store(1_059, Ordering::SeqCst);
    assert!(
        session.with(|s| s.accounts()).is_ok(),
        "used within the timeout"
    );
    clock.0.store(1_118, Ordering::SeqCst);
    assert!(!session.is_locked());
    clock.0.store(1_119, Ordering::SeqCst);
    assert!(session.is_locked(), "60 s without a call");
    assert!(matches!(
        session.with(|s| s.accounts()),
        Err(VaktError::Locked)
    ));

    let other = tempfile::tempdir().unwrap();
    let session = open_session(other.path(), clock.clone());
    session.entered_background(Duration::from_secs(30));
    clock.0.store(1_148, Ordering::SeqCst);
    assert!(session.entered_foreground(), "back within 30 s");
    session.entered_background(Duration::from_secs(30));
    clock.0.store(1_178, Ordering::SeqCst);
    assert!(
        matches!(session.with(|s| s.accounts()), Err(VaktError::Locked)),
        "away 30 s"
    );
    assert!(!session.entered_foreground());

    let third = tempfile::tempdir().unwrap();
    let session = open_session(third.path(), clock);
    session.entered_background(Duration::ZERO);
    assert!(session.is_locked(), "grace 0: at once");
}

#[test]
fn codes_follow_the_clock_offset() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(TestClock(AtomicU64::new(1_000_000)));
    let session = open_session(dir.path(), clock.clone());
    session
        .add_uri("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&issuer=A".into())
        .unwrap();
    let code_at = |t: u64| {
        session.codes_at(crate::convert::time_out(t)).unwrap()[0]
            .code
            .clone()
    };
    assert_eq!(session.codes().unwrap()[0].code, code_at(1_000_000));
    session.set_clock_offset(3_600).unwrap();
    assert_eq!(session.clock_offset().unwrap(), 3_600);
    assert_eq!(session.codes().unwrap()[0].code, code_at(1_003_600));
    assert!(matches!(
        session.set_clock_offset(90_000),
        Err(VaktError::InvalidInput { .. })
    ));
    assert_eq!(session.clock_offset().unwrap(), 3_600);
}
