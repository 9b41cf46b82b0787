//! Where this machine keeps a vault's device key: in the OS keyring (the
//! Secret Service on Linux — GNOME Keyring, KWallet, KeePassXC —, the macOS
//! Keychain, the Windows Credential Manager), so that a copy of the vault
//! folder alone cannot be opened, or in a file beside the vault
//! (`device.key`) on machines without one. A folder using the keyring holds
//! `device.keyring`, naming the keyring entry (no secret).
//!
//! Crash safety of a move into the keyring ([`migrate`]): the key is stored
//! in the keyring and read back first, then the marker is written
//! atomically, then the file removed — at every point the key is in the file,
//! the keyring, or both; with both, the keyring's is used and `migrate`
//! finishes the move.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use vakt_core::Key256;
use vakt_core::rng::{RandomSource, SystemRandom, random_array};
use vakt_core::vault::{KeystoreError, SoftwareKeystore};

use crate::error::CliError;

/// The keyring service every entry is filed under.
pub const SERVICE: &str = "vakt";

/// The marker of a folder whose device key is in the keyring.
pub const MARKER_FILE: &str = "device.keyring";

/// Where the device key is kept (`--keystore`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Choice {
    /// The keyring where one is running, else a file (with a warning); an
    /// existing vault keeps where its key is.
    Auto,
    /// The OS keyring; an error if none is running.
    Keyring,
    /// A file beside the vault (headless machines, tests).
    File,
}

/// Where a folder's device key is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// In the keyring, under this account name.
    Keyring(String),
    /// In `device.key`.
    File,
}

impl Location {
    /// `keyring` or `file` (for `vakt status`).
    pub fn name(&self) -> &'static str {
        match self {
            Location::Keyring(_) => "keyring",
            Location::File => "file",
        }
    }
}

/// The marker's content.
#[derive(Serialize, Deserialize)]
struct Marker {
    service: String,
    account: String,
}

fn marker_path(dir: &Path) -> PathBuf {
    dir.join(MARKER_FILE)
}

/// Where the key of the vault folder `dir` is; `None` when there is none
/// (no vault made here yet, or its key is gone).
pub fn locate(dir: &Path) -> Result<Option<Location>, CliError> {
    let marker = marker_path(dir);
    match std::fs::read(&marker) {
        Ok(bytes) => {
            let m: Marker = serde_json::from_slice(&bytes).map_err(|_| {
                CliError::internal(format!("{} is not a keyring marker", marker.display()))
            })?;
            Ok(Some(Location::Keyring(m.account)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SoftwareKeystore::path_in(dir)
            .exists()
            .then_some(Location::File)),
        Err(e) => Err(CliError::io("read", &marker, &e)),
    }
}

/// Whether an OS keyring answers; the reason when not.
pub fn keyring_available() -> Result<(), String> {
    let entry = keyring::Entry::new(SERVICE, "availability-probe")
        .map_err(|e| format!("no OS keyring: {e}"))?;
    match entry.get_secret() {
        Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(format!("the OS keyring does not answer: {e}")),
    }
}

fn entry(account: &str) -> Result<keyring::Entry, KeystoreError> {
    keyring::Entry::new(SERVICE, account).map_err(|e| KeystoreError::Failed(e.to_string()))
}

/// The key kept in the keyring under `account`.
fn keyring_key(account: &str) -> Result<Key256, KeystoreError> {
    let found = keyring::Entry::new(SERVICE, account).and_then(|entry| entry.get_secret());
    let secret = zeroize::Zeroizing::new(match found {
        Ok(secret) => secret,
        // Not in this keyring (another machine, another login, deleted), or
        // no keyring answers here: the vault cannot be opened here, as with a
        // missing key file (its lockout state stays readable).
        Err(
            keyring::Error::NoEntry
            | keyring::Error::NoDefaultStore
            | keyring::Error::NoStorageAccess(_)
            | keyring::Error::PlatformFailure(_),
        ) => return Err(KeystoreError::Missing),
        Err(e) => return Err(KeystoreError::Failed(e.to_string())),
    });
    Key256::from_slice(&secret).ok_or(KeystoreError::Rejected)
}

/// Opens the device key of the vault folder `dir`, wherever it is.
pub fn open(dir: &Path) -> Result<(SoftwareKeystore, Location), KeystoreError> {
    let location = locate(dir)
        .map_err(|e| KeystoreError::Failed(e.message().to_owned()))?
        .ok_or(KeystoreError::Missing)?;
    let keystore = match &location {
        Location::Keyring(account) => {
            SoftwareKeystore::with_key_in(keyring_key(account)?, dir, Box::new(SystemRandom::new()))
        }
        Location::File => SoftwareKeystore::open(
            &SoftwareKeystore::path_in(dir),
            Box::new(SystemRandom::new()),
        )?,
    };
    Ok((keystore, location))
}

/// Makes a new device key for the vault folder `dir` where `choice` says;
/// the warning to print when `Auto` fell back to a file.
pub fn create(
    dir: &Path,
    choice: Choice,
) -> Result<(SoftwareKeystore, Location, Option<String>), CliError> {
    let use_keyring = match choice {
        Choice::File => Err(None),
        Choice::Keyring => match keyring_available() {
            Ok(()) => Ok(()),
            Err(why) => return Err(CliError::bad_input(format!("--keystore keyring: {why}"))),
        },
        Choice::Auto => keyring_available().map_err(Some),
    };
    match use_keyring {
        Ok(()) => {
            let rng = SystemRandom::new();
            let key =
                Key256::new(random_array(&rng).map_err(|e| CliError::internal(e.to_string()))?);
            let account = new_account(&rng)?;
            store(dir, &account, &key)?;
            Ok((
                SoftwareKeystore::with_key_in(key, dir, Box::new(SystemRandom::new())),
                Location::Keyring(account),
                None,
            ))
        }
        Err(why) => {
            let keystore = SoftwareKeystore::open_or_create(
                &SoftwareKeystore::path_in(dir),
                Box::new(SystemRandom::new()),
            )
            .map_err(|e| CliError::internal(format!("the device key file: {e}")))?;
            let warning = why.map(|why| {
                format!(
                    "{why}: the device key is kept in a file beside the vault, so a copy of the \
                     folder needs only the PIN (choose it with --keystore file to silence this)"
                )
            });
            Ok((keystore, Location::File, warning))
        }
    }
}

fn new_account(rng: &dyn RandomSource) -> Result<String, CliError> {
    let id: [u8; 16] = random_array(rng).map_err(|e| CliError::internal(e.to_string()))?;
    Ok(format!(
        "device-key-{}",
        id.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

/// Stores `key` in the keyring under `account`, reads it back, then writes
/// the folder's marker.
fn store(dir: &Path, account: &str, key: &Key256) -> Result<(), CliError> {
    let failed = |e: String| CliError::internal(format!("the OS keyring: {e}"));
    let entry = entry(account).map_err(|e| failed(e.to_string()))?;
    entry
        .set_secret(key.expose())
        .map_err(|e| failed(e.to_string()))?;
    let back = keyring_key(account).map_err(|e| failed(e.to_string()))?;
    if !back.ct_eq(key) {
        return Err(failed(
            "the key read back differs from the one stored".into(),
        ));
    }
    let marker = serde_json::to_vec(&Marker {
        service: SERVICE.into(),
        account: account.into(),
    })
    .map_err(|e| CliError::internal(e.to_string()))?;
    crate::files::write_private(&marker_path(dir), &marker)
}

/// What [`migrate`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Migrated {
    /// The key moved from the file into the keyring.
    Moved,
    /// An interrupted move was finished (the file removed).
    Finished,
    /// The key was in the keyring already.
    AlreadyThere,
}

/// Moves the device key of the vault folder `dir` from its file into the
/// keyring (crash-safe: see the module documentation).
pub fn migrate(dir: &Path) -> Result<Migrated, CliError> {
    keyring_available().map_err(CliError::bad_input)?;
    let file = SoftwareKeystore::path_in(dir);
    let vault_key = |e: KeystoreError| CliError::internal(format!("the device key: {e}"));
    match locate(dir)? {
        None => Err(CliError::bad_input(format!(
            "no device key in {} (vakt init makes one)",
            dir.display()
        ))),
        Some(Location::Keyring(account)) => {
            if !file.exists() {
                return Ok(Migrated::AlreadyThere);
            }
            // Interrupted after the marker: the file goes only if it holds
            // the same key as the keyring.
            let in_file = SoftwareKeystore::read_key_file(&file).map_err(vault_key)?;
            let in_keyring = keyring_key(&account).map_err(vault_key)?;
            if !in_file.ct_eq(&in_keyring) {
                return Err(CliError::internal(format!(
                    "{} holds another key than the keyring: left as it is",
                    file.display()
                )));
            }
            remove(&file)?;
            Ok(Migrated::Finished)
        }
        Some(Location::File) => {
            let key = SoftwareKeystore::read_key_file(&file).map_err(vault_key)?;
            let account = new_account(&SystemRandom::new())?;
            store(dir, &account, &key)?;
            remove(&file)?;
            Ok(Migrated::Moved)
        }
    }
}

fn remove(file: &Path) -> Result<(), CliError> {
    std::fs::remove_file(file).map_err(|e| CliError::io("remove", file, &e))
}
