use super::*;
use crate::account::Account;
use crate::rng::DeterministicRandom;
use crate::secret::Key256;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Default)]
struct RecordedPause(AtomicU64);

impl Pause for RecordedPause {
    fn pause(&self, duration: Duration) {
        self.0.fetch_add(duration.as_secs(), Ordering::SeqCst);
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    services: Services,
    pause: Arc<RecordedPause>,
}

fn config() -> VaultConfig {
    VaultConfig {
        pin_kdf: KdfParams::INSECURE_FOR_TESTS,
        unblock_kdf: KdfParams::INSECURE_FOR_TESTS,
        pin_policy: PinPolicy::default(),
    }
}

fn fixture(seed: u64) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(VAULT_FILE);
    let pause = Arc::new(RecordedPause::default());
    let services = Services {
        keystore: Arc::new(SoftwareKeystore::from_key(
            Key256::new([seed as u8; 32]),
            Box::new(DeterministicRandom::new(seed + 1000)),
        )),
        rng: Arc::new(DeterministicRandom::new(seed)),
        pause: pause.clone(),
        clock: Arc::new(crate::clock::FixedClock(1_800_000_000)),
    };
    Fixture {
        _dir: dir,
        path,
        services,
        pause,
    }
}

fn pin(text: &str) -> Pin {
    Pin::parse(text).unwrap()
}

fn account(uri: &str) -> Account {
    crate::provision::uri::parse(uri).unwrap()
}

const GITHUB: &str = "otpauth://totp/GitHub:alice?secret=JBSWY3DPEHPK3PXP&issuer=GitHub";
const BANK: &str = "otpauth://hotp/Bank:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0";

#[test]
fn create_add_reopen_codes() {
    let f = fixture(1);
    let (vault, code) = Vault::create(&f.path, f.services.clone(), config(), &pin("4829")).unwrap();
    assert_eq!(code.to_display().expose().len(), 23);
    let session = vault.unlock(&pin("4829")).unwrap();
    let id = session.add(&account(GITHUB)).unwrap();
    let hotp = session.add(&account(BANK)).unwrap();
    drop(session);
    drop(vault);

    let vault = Vault::open(&f.path, f.services.clone(), config()).unwrap();
    let session = vault.unlock(&pin("4829")).unwrap();
    let list = session.accounts().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].id, id);
    assert_eq!(list[0].issuer, "GitHub");
    let codes = session.codes(59).unwrap();
    let want = account(GITHUB).params.current_code(59);
    assert_eq!(codes[0].view.as_ref().unwrap().code, want);
    assert!(codes[1].view.is_none());
    // HOTP: RFC 4226 key, counter 0 then 1.
    assert_eq!(session.next_code(hotp).unwrap().as_str(), "755224");
    assert_eq!(session.next_code(hotp).unwrap().as_str(), "287082");
    assert_eq!(
        session.next_code(id),
        Err(VaultError::NotCounterBased { id })
    );
    assert_eq!(
        session.add(&account(GITHUB)),
        Err(VaultError::Duplicate { id })
    );
}

#[test]
fn three_wrong_pins_block_until_unblocked() {
    let f = fixture(2);
    let (vault, code) = Vault::create(&f.path, f.services.clone(), config(), &pin("4829")).unwrap();
    vault
        .unlock(&pin("4829"))
        .unwrap()
        .add(&account(GITHUB))
        .unwrap();
    assert_eq!(
        vault.unlock(&pin("1111")).map(|_| ()),
        Err(VaultError::WrongPin { attempts_left: 2 })
    );
    // A correct PIN resets the count.
    vault.unlock(&pin("4829")).unwrap();
    assert_eq!(vault.status().unwrap().failed_pin_attempts, 0);
    assert_eq!(
        vault.unlock(&pin("1111")).map(|_| ()),
        Err(VaultError::WrongPin { attempts_left: 2 })
    );
    assert_eq!(
        vault.unlock(&pin("2222")).map(|_| ()),
        Err(VaultError::WrongPin { attempts_left: 1 })
    );
    assert_eq!(
        vault.unlock(&pin("3333")).map(|_| ()),
        Err(VaultError::Blocked)
    );
    // Blocked: the right PIN is refused too, also after reopening.
    assert_eq!(
        vault.unlock(&pin("4829")).map(|_| ()),
        Err(VaultError::Blocked)
    );
    drop(vault);
    let vault = Vault::open(&f.path, f.services.clone(), config()).unwrap();
    assert_eq!(
        vault.unlock(&pin("4829")).map(|_| ()),
        Err(VaultError::Blocked)
    );
    assert!(vault.status().unwrap().blocked);
    assert_eq!(
        vault.change_pin(&pin("4829"), &pin("5837")),
        Err(VaultError::Blocked)
    );

    let (session, new_code) = vault.unblock(&code, &pin("5837")).unwrap();
    assert_eq!(session.accounts().unwrap().len(), 1);
    assert_ne!(new_code.canonical(), code.canonical());
    assert!(!vault.status().unwrap().blocked);
    assert_eq!(
        vault.unlock(&pin("4829")).map(|_| ()),
        Err(VaultError::WrongPin { attempts_left: 2 })
    );
    vault.unlock(&pin("5837")).unwrap();
    // The old code stopped working; the new one works.
    assert_eq!(
        vault.unblock(&code, &pin("6048")).map(|_| ()),
        Err(VaultError::WrongUnblockCode { failed_attempts: 1 })
    );
    vault.unblock(&new_code, &pin("6048")).unwrap();
    vault.unlock(&pin("6048")).unwrap();
}

#[test]
fn wrong_unblock_codes_are_counted_and_slowed() {
    let f = fixture(3);
    let (vault, code) = Vault::create(&f.path, f.services.clone(), config(), &pin("4829")).unwrap();
    let wrong = UnblockCode::generate(&DeterministicRandom::new(99)).unwrap();
    for attempt in 1..=6u32 {
        assert_eq!(
            vault.unblock(&wrong, &pin("5837")).map(|_| ()),
            Err(VaultError::WrongUnblockCode {
                failed_attempts: attempt
            })
        );
    }
    // Attempts 4, 5, 6 waited 2 + 4 + 8 seconds.
    assert_eq!(f.pause.0.load(Ordering::SeqCst), 14);
    // Reopening does not reset the count.
    drop(vault);
    let vault = Vault::open(&f.path, f.services.clone(), config()).unwrap();
    assert_eq!(vault.status().unwrap().failed_unblock_attempts, 6);
    assert_eq!(
        vault.status().unwrap().next_unblock_delay,
        Duration::from_secs(16)
    );
    vault.unblock(&code, &pin("5837")).unwrap();
    assert_eq!(vault.status().unwrap().failed_unblock_attempts, 0);
    assert_eq!(unblock_delay(1), Duration::ZERO);
    assert_eq!(unblock_delay(3), Duration::ZERO);
    assert_eq!(unblock_delay(4), Duration::from_secs(2));
    assert_eq!(unblock_delay(100), MAX_UNBLOCK_DELAY);
}

#[test]
fn change_pin_counts_the_current_pin() {
    let f = fixture(4);
    let (vault, _) = Vault::create(&f.path, f.services.clone(), config(), &pin("4829")).unwrap();
    assert_eq!(
        vault.change_pin(&pin("1111"), &pin("5837")),
        Err(VaultError::WrongPin { attempts_left: 2 })
    );
    vault.change_pin(&pin("4829"), &pin("5837")).unwrap();
    assert_eq!(vault.status().unwrap().failed_pin_attempts, 0);
    assert_eq!(
        vault.unlock(&pin("4829")).map(|_| ()),
        Err(VaultError::WrongPin { attempts_left: 2 })
    );
    vault.unlock(&pin("5837")).unwrap();
}

#[test]
fn exports_ask_for_the_pin_again_and_count_it() {
    let f = fixture(14);
    let (vault, _) = Vault::create(&f.path, f.services.clone(), config(), &pin("4829")).unwrap();
    let session = vault.unlock(&pin("4829")).unwrap();
    let id = session.add(&account(GITHUB)).unwrap();
    // A wrong PIN in an open session is an attempt like any other.
    assert_eq!(
        session.confirm_pin(&pin("1111")).map(|_| ()),
        Err(VaultError::WrongPin { attempts_left: 2 })
    );
    assert_eq!(vault.status().unwrap().failed_pin_attempts, 1);
    let confirmed = session.confirm_pin(&pin("4829")).unwrap();
    assert_eq!(vault.status().unwrap().failed_pin_attempts, 0);
    let all = session.export_accounts(confirmed).unwrap();
    assert_eq!(all.len(), 1);
    let confirmed = session.confirm_pin(&pin("4829")).unwrap();
    assert_eq!(session.export_some(&[id], confirmed).unwrap().len(), 1);
    // Three wrong confirmations block the vault, open session or not.
    for _ in 0..2 {
        assert!(session.confirm_pin(&pin("1111")).is_err());
    }
    assert_eq!(
        session.confirm_pin(&pin("1111")).map(|_| ()),
        Err(VaultError::Blocked)
    );
    assert_eq!(
        session.confirm_pin(&pin("4829")).map(|_| ()),
        Err(VaultError::Blocked)
    );
    assert_eq!(
        vault.unlock_confirmed(&pin("4829")).map(|_| ()),
        Err(VaultError::Blocked)
    );
    // The PIN that opens a session for an export is its confirmation.
    let f = fixture(15);
    let (vault, _) = Vault::create(&f.path, f.services.clone(), config(), &pin("4829")).unwrap();
    let (session, confirmed) = vault.unlock_confirmed(&pin("4829")).unwrap();
    assert!(session.export_accounts(confirmed).unwrap().is_empty());
}

#[test]
fn the_clock_offset_is_kept_sealed_and_bounded() {
    let f = fixture(16);
    let (vault, _) = Vault::create(&f.path, f.services.clone(), config(), &pin("4829")).unwrap();
    let session = vault.unlock(&pin("4829")).unwrap();
    assert_eq!(session.clock_offset(), Ok(0), "none set");
    session.set_clock_offset(-95).unwrap();
    assert_eq!(session.clock_offset(), Ok(-95));
    assert!(matches!(
        session.set_clock_offset(crate::vault::MAX_CLOCK_OFFSET + 1),
        Err(VaultError::InvalidInput(_))
    ));
    assert_eq!(
        session.clock_offset(),
        Ok(-95),
        "a refused offset changes nothing"
    );
    drop(session);
    // Kept with the vault, and not in the clear: a file edit cannot shift the codes.
    let reopened = Vault::open(&f.path, f.services.clone(), config()).unwrap();
    let session = reopened.unlock(&pin("4829")).unwrap();
    assert_eq!(session.clock_offset(), Ok(-95));
    let dir = f.path.parent().unwrap();
    for (name, bytes) in folder_files(dir) {
        assert!(
            !bytes.windows(8).any(|w| w == (-95i64).to_be_bytes()),
            "{name} holds the offset in the clear"
        );
    }
    session.set_clock_offset(0).unwrap();
    assert_eq!(session.clock_offset(), Ok(0));
}

#[test]
fn rename_reorder_delete() {
    let f = fixture(5);
    let (vault, _) = Vault::create(&f.path, f.services.clone(), config(), &pin("4829")).unwrap();
    let s = vault.unlock(&pin("4829")).unwrap();
    let a = s.add(&account(GITHUB)).unwrap();
    let b = s.add(&account(BANK)).unwrap();
    s.rename(a, Some("GitHub Inc"), "alice@work").unwrap();
    s.reorder(&[b, a]).unwrap();
    let list = s.accounts().unwrap();
    assert_eq!(list.iter().map(|i| i.id).collect::<Vec<_>>(), vec![b, a]);
    assert_eq!(list[1].issuer, "GitHub Inc");
    assert_eq!(list[1].name, "alice@work");
    assert!(matches!(s.reorder(&[a]), Err(VaultError::InvalidInput(_))));
    assert!(matches!(
        s.reorder(&[a, a]),
        Err(VaultError::InvalidInput(_))
    ));
    s.delete(a).unwrap();
    assert_eq!(s.delete(a), Err(VaultError::NoSuchAccount { id: a }));
    assert_eq!(
        s.rename(a, None, "x"),
        Err(VaultError::NoSuchAccount { id: a })
    );
    // Ids past i64::MAX (SQLite's integers) name no account either: not a
    // storage failure.
    for id in [u64::MAX, 1 << 63] {
        assert_eq!(s.delete(id), Err(VaultError::NoSuchAccount { id }));
        assert_eq!(
            s.rename(id, None, "x"),
            Err(VaultError::NoSuchAccount { id })
        );
    }
    // Ids are never reused.
    let c = s.add(&account(GITHUB)).unwrap();
    assert!(c > b);
    // Reissuing the unblock code replaces it.
    let code = s.reissue_unblock_code().unwrap();
    vault.unblock(&code, &pin("5837")).unwrap();
}

#[test]
fn files_that_cannot_be_read_are_left_untouched() {
    let f = fixture(6);
    // Not SQLite at all.
    std::fs::write(&f.path, b"this is not a database, it is a shopping list").unwrap();
    let before = std::fs::read(&f.path).unwrap();
    for result in [
        Vault::open(&f.path, f.services.clone(), config()).map(|_| ()),
        Vault::create(&f.path, f.services.clone(), config(), &pin("4829")).map(|_| ()),
    ] {
        assert_eq!(result, Err(VaultError::Unreadable(Unreadable::NotAVault)));
    }
    assert_eq!(std::fs::read(&f.path).unwrap(), before);

    // Someone else's SQLite database.
    let other = f.path.with_file_name("other.sqlite3");
    {
        let conn = rusqlite::Connection::open(&other).unwrap();
        conn.execute_batch("CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('x');")
            .unwrap();
    }
    let before = std::fs::read(&other).unwrap();
    assert_eq!(
        Vault::create(&other, f.services.clone(), config(), &pin("4829")).map(|_| ()),
        Err(VaultError::Unreadable(Unreadable::NotAVault))
    );
    assert_eq!(std::fs::read(&other).unwrap(), before);

    // A vault from a newer schema.
    let newer = f.path.with_file_name("newer.sqlite3");
    let (vault, _) = Vault::create(&newer, f.services.clone(), config(), &pin("4829")).unwrap();
    drop(vault);
    {
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    assert_eq!(
        Vault::open(&newer, f.services.clone(), config()).map(|_| ()),
        Err(VaultError::Unreadable(Unreadable::NewerSchema {
            found: 99,
            supported: crate::store::SCHEMA_VERSION
        }))
    );

    // Another device's key: reported, and no attempt is counted.
    let g = fixture(7);
    let (vault, _) = Vault::create(&g.path, g.services.clone(), config(), &pin("4829")).unwrap();
    drop(vault);
    let foreign = Vault::open(&g.path, f.services.clone(), config()).unwrap();
    assert_eq!(
        foreign.unlock(&pin("4829")).map(|_| ()),
        Err(VaultError::Unreadable(Unreadable::DeviceKey))
    );
    assert_eq!(foreign.status().unwrap().failed_pin_attempts, 0);

    // Creating over an existing vault is refused.
    assert_eq!(
        Vault::create(&g.path, g.services.clone(), config(), &pin("5837")).map(|_| ()),
        Err(VaultError::AlreadyInitialized)
    );
    // No vault at all.
    assert_eq!(
        Vault::open(
            &g.path.with_file_name("none.sqlite3"),
            g.services.clone(),
            config()
        )
        .map(|_| ()),
        Err(VaultError::NotInitialized)
    );
}

#[test]
fn the_file_holds_no_secret_and_no_name() {
    let f = fixture(8);
    let (vault, code) =
        Vault::create(&f.path, f.services.clone(), config(), &pin("482917")).unwrap();
    let s = vault.unlock(&pin("482917")).unwrap();
    let secret = b"\x48\x65\x6c\x6c\x6f\x21\xde\xad\xbe\xef\x01\x02";
    let b32 = base32::encode(base32::Alphabet::Rfc4648 { padding: false }, secret);
    let uri = format!("otpauth://totp/Zyxwvutsrq:qponmlkjih?secret={b32}&issuer=Zyxwvutsrq");
    let id = s.add(&account(&uri)).unwrap();
    s.rename(id, None, "Mnbvcxzlkj").unwrap();
    drop(s);
    drop(vault);
    let mut haystack = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let p = f.path.with_file_name(format!("{VAULT_FILE}{suffix}"));
        if let Ok(bytes) = std::fs::read(&p) {
            haystack.extend(bytes);
        }
    }
    let contains = |needle: &[u8]| haystack.windows(needle.len()).any(|w| w == needle);
    let lower_b32 = b32.to_lowercase();
    let display = code.to_display();
    for needle in [
        &secret[..],
        b32.as_bytes(),
        lower_b32.as_bytes(),
        b"Zyxwvutsrq",
        b"qponmlkjih",
        b"Mnbvcxzlkj",
        b"482917",
        code.canonical().as_bytes(),
        display.expose().as_bytes(),
    ] {
        assert!(
            !contains(needle),
            "found {:?}",
            String::from_utf8_lossy(needle)
        );
    }
    // UTF-16 forms of the names too.
    let utf16: Vec<u8> = "Zyxwvutsrq"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    assert!(!contains(&utf16));
}

#[test]
fn debug_of_vault_types_shows_no_secret() {
    let f = fixture(9);
    let (vault, code) = Vault::create(&f.path, f.services.clone(), config(), &pin("4829")).unwrap();
    let session = vault.unlock(&pin("4829")).unwrap();
    let canonical = code.canonical().to_owned();
    for shown in [
        format!("{vault:?}"),
        format!("{session:?}"),
        format!("{code:?}"),
        format!("{:?}", pin("4829")),
        format!("{:?}", account(GITHUB)),
        format!("{:?}", f.services.keystore.wrap(b"x").is_ok()),
    ] {
        assert!(!shown.contains("4829"), "{shown}");
        assert!(!shown.contains(&canonical[..6]), "{shown}");
        assert!(!shown.contains("JBSWY3DP"), "{shown}");
    }
    // Error messages name no account and no secret.
    let e = session
        .add(&account(GITHUB))
        .and_then(|_| session.add(&account(GITHUB)));
    let message = e.unwrap_err().to_string();
    assert!(
        !message.contains("GitHub") && !message.contains("alice"),
        "{message}"
    );
}

#[test]
fn concurrent_correct_pins_are_never_refused() {
    let f = fixture(11);
    let (vault, _) = Vault::create(&f.path, f.services.clone(), config(), &pin("4829")).unwrap();
    let second = Vault::open(&f.path, f.services.clone(), config()).unwrap();
    for _ in 0..5 {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let v = if i % 2 == 0 {
                    vault.clone()
                } else {
                    second.clone()
                };
                std::thread::spawn(move || v.unlock(&pin("4829")).map(|_| ()))
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), Ok(()));
        }
        assert_eq!(vault.status().unwrap().failed_pin_attempts, 0);
    }
}

#[cfg(unix)]
#[test]
fn a_new_vault_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let f = fixture(12);
    let folder = f.path.parent().unwrap().join("fresh");
    let path = folder.join(crate::vault::VAULT_FILE);
    let (vault, _) = Vault::create(&path, f.services.clone(), config(), &pin("4829")).unwrap();
    vault
        .unlock(&pin("4829"))
        .unwrap()
        .add(&account(GITHUB))
        .unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&folder), 0o700);
    let mut files = 0;
    for entry in std::fs::read_dir(&folder).unwrap() {
        let entry = entry.unwrap().path();
        assert_eq!(mode(&entry), 0o600, "{}", entry.display());
        files += 1;
    }
    // The database, its WAL and shared-memory files, the lock file.
    assert!(files >= 3, "{files} files");
}

/// The files of a vault folder, byte for byte (SQLite's shared-memory index
/// aside: it is rebuilt from the WAL).
fn folder_files(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| !e.file_name().to_string_lossy().ends_with("-shm"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// What opening a damaged copy may do: open it (then every account reads,
/// and a second open sees the same count), or refuse with a typed error —
/// moving a damaged vault aside byte for byte, leaving anything else in place.
/// Returns the account count when it opened.
fn open_damaged(f: &Fixture, damaged: &[u8], wal: Option<&[u8]>, what: &str) -> Option<usize> {
    let dir = f.path.parent().unwrap();
    let open = || Vault::open(&f.path, f.services.clone(), config());
    let count = |vault: &Vault| -> Result<usize, VaultError> {
        let status = vault.status()?;
        assert!(!status.blocked || status.failed_pin_attempts >= MAX_PIN_ATTEMPTS);
        let session = vault.unlock(&pin("4829"))?;
        Ok(session.accounts()?.len())
    };
    match open() {
        Ok(vault) => match count(&vault) {
            Ok(n) => {
                drop(vault);
                let again = open().and_then(|v| count(&v));
                assert_eq!(again, Ok(n), "{what}: a second open differs");
                Some(n)
            }
            Err(
                VaultError::Unreadable(_)
                | VaultError::WrongPin { .. }
                | VaultError::Blocked
                | VaultError::NotInitialized,
            ) => None,
            Err(e) => panic!("{what}: unexpected error after opening: {e:?}"),
        },
        Err(VaultError::Damaged { moved_to }) => {
            assert!(
                !f.path.exists(),
                "{what}: the damaged file is still in place"
            );
            assert_eq!(
                std::fs::read(&moved_to).unwrap(),
                damaged,
                "{what}: moved file differs"
            );
            if let Some(wal) = wal {
                let mut name = moved_to.into_os_string();
                name.push("-wal");
                assert_eq!(
                    std::fs::read(name).unwrap(),
                    wal,
                    "{what}: moved WAL differs"
                );
            }
            // The folder is free for a restore.
            assert_eq!(open().map(|_| ()), Err(VaultError::NotInitialized));
            let _ = dir;
            None
        }
        Err(VaultError::Unreadable(_) | VaultError::NotInitialized) => {
            assert_eq!(
                std::fs::read(&f.path).unwrap(),
                damaged,
                "{what}: file changed"
            );
            None
        }
        Err(e) => panic!("{what}: unexpected error: {e:?}"),
    }
}

fn other_account(n: usize) -> Account {
    account(&format!(
        "otpauth://totp/Site{n}:user{n}?secret=JBSWY3DPEHPK3PX{}&issuer=Site{n}",
        ["A", "B", "C", "D", "E", "F"][n % 6]
    ))
}

/// `bytes` damaged at `offset`: a flipped bit (`mask`), `span` bytes of
/// garbage, or cut there.
fn damage(bytes: &[u8], kind: &str, offset: usize, mask: u8, span: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match kind {
        "flip" => out[offset] ^= mask,
        "garbage" => {
            for (i, b) in out.iter_mut().skip(offset).take(span).enumerate() {
                *b = (i as u8).wrapping_mul(73).wrapping_add(0x5b);
            }
        }
        _ => out.truncate(offset),
    }
    out
}

/// Writes `wal` as the `-wal` file of the vault at `path`.
fn write_wal(path: &std::path::Path, wal: &[u8]) {
    let mut target = path.to_path_buf().into_os_string();
    target.push("-wal");
    std::fs::write(&target, wal).unwrap();
}

#[test]
fn damaged_vault_files_are_typed_errors_moved_aside_untouched() {
    // A vault of three accounts, closed cleanly (no WAL left).
    let source = fixture(41);
    {
        let (vault, _) = Vault::create(
            &source.path,
            source.services.clone(),
            config(),
            &pin("4829"),
        )
        .unwrap();
        let s = vault.unlock(&pin("4829")).unwrap();
        for n in 0..3 {
            s.add(&other_account(n)).unwrap();
        }
    }
    let pristine = std::fs::read(&source.path).unwrap();
    let len = pristine.len();
    let mut offsets: Vec<usize> = (0..len).step_by(509).collect();
    offsets.extend([0, 16, 18, 28, 60, 68, 96, 100, 4096, 4196, len - 1]);
    let (mut opened, mut refused) = (0, 0);
    for &offset in offsets.iter().filter(|&&o| o < len) {
        for kind in ["flip", "garbage", "truncate"] {
            let f = fixture(41);
            let bytes = damage(&pristine, kind, offset, 0x10, 64);
            std::fs::write(&f.path, &bytes).unwrap();
            let what = format!("{kind} at {offset}");
            match open_damaged(&f, &bytes, None, &what) {
                Some(n) => {
                    assert_eq!(n, 3, "{what}: accounts changed");
                    opened += 1;
                }
                None => refused += 1,
            }
        }
    }
    // Both outcomes happen: the sweep reaches live pages.
    assert!(
        opened > 0 && refused > 10,
        "opened {opened}, refused {refused}"
    );
}

#[test]
fn a_damaged_or_cut_wal_loses_at_most_uncheckpointed_changes() {
    // Two accounts in the vault file, two more only in the WAL (the crash
    // image of a process still running).
    let source = fixture(42);
    let (vault, _) = Vault::create(
        &source.path,
        source.services.clone(),
        config(),
        &pin("4829"),
    )
    .unwrap();
    {
        let s = vault.unlock(&pin("4829")).unwrap();
        for n in 0..2 {
            s.add(&other_account(n)).unwrap();
        }
    }
    drop(vault);
    let vault = Vault::open(&source.path, source.services.clone(), config()).unwrap();
    let s = vault.unlock(&pin("4829")).unwrap();
    for n in 2..4 {
        s.add(&other_account(n)).unwrap();
    }
    let db = std::fs::read(&source.path).unwrap();
    let mut wal_path = source.path.clone().into_os_string();
    wal_path.push("-wal");
    let wal = std::fs::read(&wal_path).unwrap();
    assert!(wal.len() > 4096, "the WAL holds the later changes");
    drop(s);
    drop(vault);
    let mut seen = std::collections::BTreeSet::new();
    // The undamaged crash image holds all four.
    {
        let f = fixture(42);
        std::fs::write(&f.path, &db).unwrap();
        write_wal(&f.path, &wal);
        assert_eq!(open_damaged(&f, &db, Some(&wal), "undamaged"), Some(4));
    }
    for offset in (0..wal.len())
        .step_by(811)
        .chain([0, 8, 24, 32, 40, 4120, wal.len() - 1])
    {
        for kind in ["flip", "garbage", "truncate"] {
            let f = fixture(42);
            let damaged = damage(&wal, kind, offset, 0x04, 100);
            std::fs::write(&f.path, &db).unwrap();
            write_wal(&f.path, &damaged);
            let before = folder_files(f.path.parent().unwrap());
            let what = format!("WAL {kind} at {offset}");
            if let Some(n) = open_damaged(&f, &db, Some(&damaged), &what) {
                // Whole commits only: the two in the file, and any of the later
                // ones whose frames are intact.
                assert!((2..=4).contains(&n), "{what}: {n} accounts");
                seen.insert(n);
            } else if f.path.exists() {
                assert_eq!(folder_files(f.path.parent().unwrap()), before, "{what}");
            }
        }
    }
    assert!(seen.contains(&2) && seen.contains(&3), "{seen:?}");
}

/// A user-authenticated key for tests: XOR with a key byte (what the platform
/// would seal), and a scripted answer for the next `open`.
struct FakeAuthKey {
    key: u8,
    next: std::sync::Mutex<Option<crate::crypto::user_auth::UserAuthError>>,
    opens: std::sync::atomic::AtomicUsize,
}

impl FakeAuthKey {
    fn new(key: u8) -> Self {
        Self {
            key,
            next: std::sync::Mutex::new(None),
            opens: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    fn fail_next(&self, e: crate::crypto::user_auth::UserAuthError) {
        *self.next.lock().unwrap() = Some(e);
    }
}

impl crate::crypto::user_auth::UserAuthKey for FakeAuthKey {
    fn seal(&self, plain: &[u8]) -> Result<Vec<u8>, crate::crypto::user_auth::UserAuthError> {
        Ok(plain.iter().map(|b| b ^ self.key).collect())
    }

    fn unseal(
        &self,
        sealed: &[u8],
    ) -> Result<crate::secret::SecretBytes, crate::crypto::user_auth::UserAuthError> {
        self.opens.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if let Some(e) = self.next.lock().unwrap().take() {
            return Err(e);
        }
        Ok(crate::secret::SecretBytes::new(
            sealed.iter().map(|b| b ^ self.key).collect(),
        ))
    }
}

#[test]
fn biometric_unlock_is_a_second_way_in_that_never_bypasses_the_lockout() {
    use crate::crypto::user_auth::UserAuthError;
    let f = fixture(21);
    let (vault, code) = Vault::create(&f.path, f.services.clone(), config(), &pin("4829")).unwrap();
    let finger = FakeAuthKey::new(0x5a);
    assert_eq!(vault.biometric_enabled(), Ok(false));
    assert_eq!(
        vault.unlock_biometric(&finger).map(|_| ()),
        Err(VaultError::BiometricNotEnabled)
    );
    let session = vault.unlock(&pin("4829")).unwrap();
    let id = session.add(&account(GITHUB)).unwrap();
    // Enabling needs the PIN again (a wrong one counts).
    assert!(session.confirm_pin(&pin("1111")).is_err());
    let confirmed = session.confirm_pin(&pin("4829")).unwrap();
    session.enable_biometric(confirmed, &finger).unwrap();
    drop(session);
    assert_eq!(vault.biometric_enabled(), Ok(true));
    // The secret is stored only as the platform sealed it.
    let opened = vault.unlock_biometric(&finger).unwrap();
    assert_eq!(
        opened.account(id).unwrap().display_label(),
        "GitHub (alice)"
    );

    // Cancelled or locked out: typed, nothing changes, the PIN count is untouched.
    vault.unlock(&pin("1111")).map(|_| ()).unwrap_err();
    for e in [UserAuthError::Cancelled, UserAuthError::LockedOut] {
        finger.fail_next(e.clone());
        assert_eq!(
            vault.unlock_biometric(&finger).map(|_| ()),
            Err(VaultError::UserAuth(e))
        );
    }
    vault.unlock_biometric(&finger).unwrap();
    assert_eq!(
        vault.status().unwrap().failed_pin_attempts,
        1,
        "biometrics neither reset nor add to the PIN count"
    );

    // Another platform key (biometrics re-enrolled): the slot is removed, the PIN opens.
    let other = FakeAuthKey::new(0x33);
    assert_eq!(
        vault.unlock_biometric(&other).map(|_| ()),
        Err(VaultError::UserAuth(UserAuthError::KeyInvalidated))
    );
    assert_eq!(vault.biometric_enabled(), Ok(false));
    let session = vault.unlock(&pin("4829")).unwrap();
    session
        .enable_biometric(session.confirm_pin(&pin("4829")).unwrap(), &finger)
        .unwrap();
    // The platform says invalidated: the same.
    finger.fail_next(UserAuthError::KeyInvalidated);
    assert_eq!(
        vault.unlock_biometric(&finger).map(|_| ()),
        Err(VaultError::UserAuth(UserAuthError::KeyInvalidated))
    );
    assert_eq!(vault.biometric_enabled(), Ok(false));

    // A blocked vault: biometrics never open it (not even asked), only the unblock code.
    session
        .enable_biometric(session.confirm_pin(&pin("4829")).unwrap(), &finger)
        .unwrap();
    for _ in 0..3 {
        let _ = vault.unlock(&pin("1111"));
    }
    let opens = finger.opens.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        vault.unlock_biometric(&finger).map(|_| ()),
        Err(VaultError::Blocked)
    );
    assert_eq!(
        finger.opens.load(std::sync::atomic::Ordering::SeqCst),
        opens
    );
    // Unblocking removes it: enable it again with the new PIN.
    vault.unblock(&code, &pin("5837")).unwrap();
    assert_eq!(vault.biometric_enabled(), Ok(false));

    // A PIN change keeps it; disabling removes it.
    let session = vault.unlock(&pin("5837")).unwrap();
    session
        .enable_biometric(session.confirm_pin(&pin("5837")).unwrap(), &finger)
        .unwrap();
    vault.change_pin(&pin("5837"), &pin("6049")).unwrap();
    vault.unlock_biometric(&finger).unwrap();
    session.disable_biometric().unwrap();
    assert_eq!(vault.biometric_enabled(), Ok(false));
}

fn org(seed: u64) -> crate::escrow::OrgIdentity {
    crate::escrow::OrgIdentity::generate(&DeterministicRandom::new(seed)).unwrap()
}

fn open_pending(
    vault: &Vault,
    org: &crate::escrow::OrgIdentity,
) -> Vec<crate::escrow::EscrowPayload> {
    vault
        .escrow_pending()
        .unwrap()
        .iter()
        .map(|p| {
            let payload = crate::escrow::open(&p.record, org).unwrap();
            assert_eq!(payload.generation, p.generation);
            assert_eq!(payload.created_at, p.created_at);
            payload
        })
        .collect()
}

#[test]
fn escrow_seals_every_new_code_and_the_newest_generation_unblocks() {
    let f = fixture(40);
    let (vault, first) =
        Vault::create(&f.path, f.services.clone(), config(), &pin("4829")).unwrap();
    let status = vault.escrow_status().unwrap();
    assert_eq!((status.org.clone(), status.pending), (None, 0));
    let org = org(1);
    let session = vault.unlock(&pin("4829")).unwrap();
    let enrolled = session
        .enrol_escrow(&org.public_key(), "alice@example.org")
        .unwrap();
    drop(session);
    // Enrolling made a new code (the first is not kept in clear) and queued it.
    assert_ne!(enrolled.canonical(), first.canonical());
    let records = open_pending(&vault, &org);
    assert_eq!(records.len(), 1);
    assert_eq!(
        records[0].unblock_code.expose(),
        enrolled.to_display().expose()
    );
    assert_eq!(records[0].generation, 2);
    assert_eq!(records[0].vault_id, status.vault_id);
    assert_eq!(records[0].hint, "alice@example.org");
    assert_eq!(records[0].created_at, 1_800_000_000);
    let status = vault.escrow_status().unwrap();
    assert_eq!(status.org, Some(org.public_key()));
    assert_eq!((status.pending, status.last_delivered_at), (1, None));

    // Blocked: the records are still handed over, without a PIN.
    for _ in 0..3 {
        let _ = vault.unlock(&pin("1111"));
    }
    assert!(vault.status().unwrap().blocked);
    let pending = vault.escrow_pending().unwrap();
    assert!(pending[0].file_name.ends_with("-2.vaktescrow"));
    vault.escrow_delivered(&[pending[0].id]).unwrap();
    assert!(vault.escrow_pending().unwrap().is_empty());
    assert_eq!(
        vault.escrow_status().unwrap().last_delivered_at,
        Some(1_800_000_000)
    );

    // Support reads out the code; unblocking makes generation 3, escrowed.
    let code = UnblockCode::parse(records[0].unblock_code.expose()).unwrap();
    let (session, third) = vault.unblock(&code, &pin("5837")).unwrap();
    let records = open_pending(&vault, &org);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].generation, 3);
    assert_eq!(
        records[0].unblock_code.expose(),
        third.to_display().expose()
    );
    // A re-issue makes generation 4; the undelivered record of 3 is dropped
    // (its code no longer works).
    let fourth = session.reissue_unblock_code().unwrap();
    let records = open_pending(&vault, &org);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].generation, 4);
    assert_eq!(
        records[0].unblock_code.expose(),
        fourth.to_display().expose()
    );
    drop(session);
    // The older generations' codes no longer unblock.
    for old in [&code, &third] {
        assert!(matches!(
            vault.unblock(old, &pin("6048")),
            Err(VaultError::WrongUnblockCode { .. })
        ));
    }
    vault.unblock(&fourth, &pin("6048")).unwrap();
}

#[test]
fn escrow_off_makes_no_records_and_needs_the_pin() {
    let f = fixture(41);
    let (vault, _) = Vault::create(&f.path, f.services.clone(), config(), &pin("4829")).unwrap();
    let org = org(2);
    let session = vault.unlock(&pin("4829")).unwrap();
    session.reissue_unblock_code().unwrap();
    assert!(vault.escrow_pending().unwrap().is_empty());
    session.enrol_escrow(&org.public_key(), "").unwrap();
    assert_eq!(vault.escrow_pending().unwrap().len(), 1);
    assert!(session.disable_escrow().unwrap());
    assert!(!session.disable_escrow().unwrap());
    assert!(vault.escrow_pending().unwrap().is_empty());
    assert_eq!(vault.escrow_status().unwrap().org, None);
    session.reissue_unblock_code().unwrap();
    assert!(vault.escrow_pending().unwrap().is_empty());
}

#[test]
fn a_bad_escrow_hint_is_refused_and_changes_nothing() {
    let f = fixture(42);
    let (vault, code) = Vault::create(&f.path, f.services.clone(), config(), &pin("4829")).unwrap();
    let session = vault.unlock(&pin("4829")).unwrap();
    for hint in ["a\nb".to_owned(), "x".repeat(MAX_ESCROW_HINT_CHARS + 1)] {
        assert!(matches!(
            session.enrol_escrow(&org(3).public_key(), &hint),
            Err(VaultError::InvalidInput(_))
        ));
    }
    drop(session);
    assert_eq!(vault.escrow_status().unwrap().org, None);
    // The code was not replaced.
    vault.unblock(&code, &pin("5837")).unwrap();
}

#[test]
fn an_escrow_enrolment_reads_back_and_bad_ones_are_damaged() {
    let enrolment = EscrowEnrolment {
        org: org(5).public_key(),
        hint: "bob@example.org".into(),
    };
    assert_eq!(
        EscrowEnrolment::decode(&enrolment.encode()).unwrap(),
        enrolment
    );
    let encoded = enrolment.encode();
    let split = encoded.iter().position(|&b| b == 0).unwrap();
    for bad in [
        Vec::new(),
        encoded[..split].to_vec(),
        [&encoded[..split - 1], &encoded[split..]].concat(),
        [&encoded[..], b"\n"].concat(),
        [&encoded[..], &[0xff]].concat(),
    ] {
        assert_eq!(
            EscrowEnrolment::decode(&bad),
            Err(VaultError::Unreadable(Unreadable::Damaged))
        );
    }
}
