//! What every vault command works on: the vault folder (`--vault`,
//! `VAKT_VAULT`, or the default), the global flags, and the operations on
//! them — opening the vault, unlocking it with the PIN, making a new one, and
//! talking to push servers with the user's connection rules. No global state:
//! `main` builds one [`Context`] and hands it to the command.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use vakt_core::clock::{Clock, SystemClock, corrected};
use vakt_core::push::http::UreqTransport;
use vakt_core::push::{ConnectionPolicy, PushContext};
use vakt_core::rng::SystemRandom;
use vakt_core::secret::SecretBytes;
use vakt_core::vault::{
    DeviceKeystore, KdfParams, KeystoreError, PinConfirmed, Services, Session, SoftwareKeystore,
    ThreadSleep, VAULT_FILE, Vault, VaultConfig, VaultError,
};

use crate::device_key::{self, Choice, Location};
use crate::error::CliError;
use crate::output::print_warning;
use crate::secrets;

/// Set (to anything) at `vakt init` to use very cheap key-derivation costs.
/// For tests only: a vault made this way protects its PIN far less, and keeps
/// these costs when its PIN or unblock code is set again.
pub const INSECURE_TEST_KDF: &str = "VAKT_INSECURE_TEST_KDF";

/// The vault folder and the global flags of one `vakt` run.
pub struct Context {
    /// The folder holding the vault and the software device key.
    dir: PathBuf,
    /// `--allow-insecure`: plain http to other hosts, and `sslverify=0`.
    allow_insecure: bool,
    /// How push servers are reached.
    transport: UreqTransport,
    /// The vault's clock offset (`vakt time`), read when it is unlocked.
    clock_offset: Cell<i64>,
    /// `--keystore`: where a new vault's device key goes.
    keystore: Choice,
}

impl Context {
    /// The context of a run: `vault` is `--vault` (or `VAKT_VAULT`), else
    /// the default folder ([`default_dir`]).
    pub fn new(
        vault: Option<PathBuf>,
        allow_insecure: bool,
        keystore: Choice,
    ) -> Result<Self, CliError> {
        let dir = match vault {
            Some(dir) => dir,
            None => default_dir()?,
        };
        Ok(Self {
            dir,
            allow_insecure,
            transport: UreqTransport::new(),
            clock_offset: Cell::new(0),
            keystore,
        })
    }

    /// Where the folder's device key is (`None`: no key here).
    pub fn device_key_location(&self) -> Result<Option<Location>, CliError> {
        device_key::locate(&self.dir)
    }

    /// The vault folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The vault file in the folder.
    pub fn vault_file(&self) -> PathBuf {
        self.dir.join(VAULT_FILE)
    }

    /// Opens the vault (locked) with the folder's device key. A missing or
    /// damaged key leaves the lockout state readable and the vault closed.
    pub fn open_vault(&self) -> Result<Vault, CliError> {
        let keystore: Arc<dyn DeviceKeystore> = match device_key::open(&self.dir) {
            Ok((k, _)) => Arc::new(k),
            // A key that is not a key (a damaged file), or one this machine's
            // keyring does not hold (a copied folder), makes the vault unreadable
            // like a missing one; the lockout state stays readable.
            Err(KeystoreError::Missing | KeystoreError::Rejected) => Arc::new(NoDeviceKey),
            Err(e) => return Err(keystore_error(e)),
        };
        let file = self.vault_file();
        let services = services(keystore);
        let vault = Vault::open(&file, services.clone(), VaultConfig::default())
            .map_err(|e| CliError::vault(&e))?;
        // A vault made with the test costs keeps them: a new PIN or unblock code
        // would otherwise get the default costs.
        if vault.pin_kdf().ok() == Some(KdfParams::INSECURE_FOR_TESTS) {
            // Closed before it is opened again: one connection to the file at
            // a time in this process.
            drop(vault);
            return Vault::open(&file, services, insecure_test_config())
                .map_err(|e| CliError::vault(&e));
        }
        Ok(vault)
    }

    /// Opens the vault and unlocks it with the PIN (`VAKT_PIN` or a prompt).
    pub fn unlock(&self) -> Result<Session, CliError> {
        self.unlock_vault(&self.open_vault()?)
    }

    /// Unlocks the open `vault` with the PIN (`VAKT_PIN` or a prompt).
    pub fn unlock_vault(&self, vault: &Vault) -> Result<Session, CliError> {
        let pin = secrets::read_pin(secrets::PIN, "PIN: ")?;
        let session = vault.unlock(&pin).map_err(|e| CliError::vault(&e))?;
        self.clock_offset
            .set(session.clock_offset().map_err(|e| CliError::vault(&e))?);
        // Push records from before schema 5 move into the device layer, so
        // that push works while locked from now on.
        session
            .upgrade_push_records()
            .map_err(|e| CliError::vault(&e))?;
        Ok(session)
    }

    /// Asks for the PIN and opens the vault for an export of keys: the PIN
    /// entered is the confirmation exports need.
    pub fn unlock_for_export(&self) -> Result<(Session, PinConfirmed), CliError> {
        let vault = self.open_vault()?;
        let pin = secrets::read_pin(secrets::PIN, "PIN: ")?;
        vault
            .unlock_confirmed(&pin)
            .map_err(|e| CliError::vault(&e))
    }

    /// Refuses a folder that holds a vault with slots; none or an empty one is
    /// fine. An unreadable file is reported and left alone.
    pub fn ensure_no_vault(&self) -> Result<(), CliError> {
        if self.vault_file().exists() {
            match self.open_vault() {
                Ok(_) => return Err(CliError::vault(&VaultError::AlreadyInitialized)),
                Err(e) if !e.is_not_initialized() => return Err(e),
                Err(_) => {}
            }
        }
        Ok(())
    }

    /// The services of a vault about to be made in the folder (the callers
    /// have made sure no vault is there, [`Context::ensure_no_vault`]): the
    /// folder is created and the device key with it, in the OS keyring or a
    /// file as `--keystore` says (an existing key is reused). A key file that
    /// is not a key (damaged, truncated) protects no vault here, so it is
    /// moved aside — never deleted — and a new key made, with a warning
    /// naming where it went.
    pub fn new_device_services(&self) -> Result<Services, CliError> {
        let dir = &self.dir;
        crate::files::create_private_dir(dir)?;
        if let Ok((keystore, _)) = device_key::open(dir) {
            return Ok(services(Arc::new(keystore)));
        }
        let key_path = SoftwareKeystore::path_in(dir);
        if key_path.exists() {
            let aside = move_aside(&key_path)?;
            print_warning(&format!(
                "the device key file {} was damaged and no vault used it; moved it to {} \
                 and made a new key",
                key_path.display(),
                aside.display()
            ));
        }
        let (keystore, _, warning) = device_key::create(dir, self.keystore)?;
        if let Some(warning) = warning {
            print_warning(&warning);
        }
        Ok(services(Arc::new(keystore)))
    }

    /// The costs of a new vault: the defaults, or trivial ones under
    /// [`INSECURE_TEST_KDF`].
    pub fn new_vault_config(&self) -> VaultConfig {
        if std::env::var_os(INSECURE_TEST_KDF).is_some() {
            insecure_test_config()
        } else {
            VaultConfig::default()
        }
    }

    /// The rules for reaching push servers: the defaults, loosened by
    /// `--allow-insecure`.
    pub fn connection_policy(&self) -> ConnectionPolicy {
        ConnectionPolicy {
            allow_insecure: self.allow_insecure,
            ..ConnectionPolicy::default()
        }
    }

    /// What push operations need: the transport, the connection rules, and
    /// the time now (corrected by the vault's clock offset once unlocked).
    pub fn push_context(&self) -> PushContext<'_> {
        PushContext {
            transport: &self.transport,
            policy: self.connection_policy(),
            now: corrected(SystemClock.now_unix(), self.clock_offset.get()),
        }
    }
}

/// The default vault folder: `$XDG_DATA_HOME/vakt`, else `~/.local/share/vakt`.
pub fn default_dir() -> Result<PathBuf, CliError> {
    if let Some(data) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(data).join("vakt"));
    }
    std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(|home| PathBuf::from(home).join(".local/share/vakt"))
        .ok_or_else(|| {
            CliError::bad_input("no --vault given and neither XDG_DATA_HOME nor HOME is set")
        })
}

/// The configuration of a vault made with [`INSECURE_TEST_KDF`].
fn insecure_test_config() -> VaultConfig {
    VaultConfig {
        pin_kdf: KdfParams::INSECURE_FOR_TESTS,
        unblock_kdf: KdfParams::INSECURE_FOR_TESTS,
        ..VaultConfig::default()
    }
}

/// A keystore that has no (usable) key: every vault operation reports the
/// device key as missing instead of silently making a new one.
struct NoDeviceKey;

impl DeviceKeystore for NoDeviceKey {
    fn wrap(&self, _: &[u8]) -> Result<Vec<u8>, KeystoreError> {
        Err(KeystoreError::Missing)
    }
    fn unwrap(&self, _: &[u8]) -> Result<SecretBytes, KeystoreError> {
        Err(KeystoreError::Missing)
    }
}

/// The vault's services on this machine, with `keystore`.
fn services(keystore: Arc<dyn DeviceKeystore>) -> Services {
    Services {
        keystore,
        rng: Arc::new(SystemRandom::new()),
        pause: Arc::new(ThreadSleep),
        clock: Arc::new(vakt_core::clock::SystemClock),
    }
}

/// A device key problem, reported like the vault reports it.
fn keystore_error(e: KeystoreError) -> CliError {
    CliError::vault(&VaultError::Keystore(e))
}

/// Renames `path` to `<path>.damaged-<n>` (the first `n` not taken) and
/// returns the new name.
fn move_aside(path: &Path) -> Result<PathBuf, CliError> {
    let cannot = |e: std::io::Error| {
        CliError::internal(format!("cannot move {} aside: {e}", path.display()))
    };
    for n in 1..1000 {
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".damaged-{n}"));
        let aside = PathBuf::from(name);
        if aside.exists() {
            continue;
        }
        std::fs::rename(path, &aside).map_err(cannot)?;
        return Ok(aside);
    }
    Err(cannot(std::io::Error::other("too many files moved aside")))
}
