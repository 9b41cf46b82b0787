//! The vault commands: init, add, list, rename, delete, reorder, codes, next,
//! status, unblock, pin change, new-unblock-code.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use vakt_core::account::{Account, OtpKind, OtpParams};
use vakt_core::clock::{Clock, SystemClock};
use vakt_core::otp::{Algorithm, Digits, Period};
use vakt_core::provision::keytext::parse_base32_key;
use vakt_core::provision::uri;
use vakt_core::rng::SystemRandom;
use vakt_core::secret::SecretBytes;
use vakt_core::vault::{
    AccountInfo, DeviceKeystore, KdfParams, KeystoreError, Pin, Services, Session,
    SoftwareKeystore, ThreadSleep, UnblockCode, VAULT_FILE, Vault, VaultConfig, VaultError,
};

use crate::error::CliError;
use crate::output::{account_info_json, print_line, print_unblock_code, print_warning};
use crate::secrets;

/// Set (to anything) at `vakt init` to use very cheap key-derivation costs.
/// For tests only: a vault made this way protects its PIN far less, and keeps
/// these costs when its PIN or unblock code is set again.
pub const INSECURE_TEST_KDF: &str = "VAKT_INSECURE_TEST_KDF";

/// The configuration of a vault made with [`INSECURE_TEST_KDF`].
fn insecure_test_config() -> VaultConfig {
    VaultConfig {
        pin_kdf: KdfParams::INSECURE_FOR_TESTS,
        unblock_kdf: KdfParams::INSECURE_FOR_TESTS,
        ..VaultConfig::default()
    }
}

/// Arguments of `vakt add`.
#[derive(Args)]
pub struct AddArgs {
    /// An otpauth:// URI (as in a QR code).
    #[arg(long, conflicts_with_all = ["issuer", "account", "hotp", "steam"])]
    uri: Option<String>,
    /// An image of a QR code (otpauth or Google Authenticator export); adds
    /// every account in it. May be given more than once.
    #[arg(long, value_name = "IMAGE", conflicts_with_all = ["uri", "issuer", "account", "hotp", "steam"])]
    qr: Vec<PathBuf>,
    /// The service's name, for a key typed by hand (read from VAKT_SECRET or a prompt).
    #[arg(long)]
    issuer: Option<String>,
    /// Your name at the service.
    #[arg(long)]
    account: Option<String>,
    /// Counter-based (HOTP) instead of time-based.
    #[arg(long, conflicts_with = "steam")]
    hotp: bool,
    /// A Steam Guard account.
    #[arg(long)]
    steam: bool,
    /// The HOTP counter to start from.
    #[arg(long, requires = "hotp", default_value_t = 0)]
    counter: u64,
    /// SHA1 (default), SHA256 or SHA512.
    #[arg(long, default_value = "SHA1")]
    algorithm: String,
    /// Digits per code, 1–10.
    #[arg(long, default_value_t = 6)]
    digits: u8,
    /// Seconds per code (TOTP).
    #[arg(long, default_value_t = 30)]
    period: u64,
}

/// `vakt pin ...`
#[derive(Subcommand)]
pub enum PinCommand {
    /// Change the PIN (VAKT_PIN, VAKT_NEW_PIN); the current PIN counts as an attempt.
    Change,
}

pub(crate) fn vault_file(dir: &Path) -> PathBuf {
    dir.join(VAULT_FILE)
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

pub(crate) fn services(keystore: Arc<dyn DeviceKeystore>) -> Services {
    Services {
        keystore,
        rng: Arc::new(SystemRandom::new()),
        pause: Arc::new(ThreadSleep),
    }
}

pub(crate) fn keystore_error(e: KeystoreError) -> CliError {
    CliError::vault(&VaultError::Keystore(e))
}

pub(crate) fn open_vault(dir: &Path) -> Result<Vault, CliError> {
    let key_path = SoftwareKeystore::path_in(dir);
    let keystore: Arc<dyn DeviceKeystore> =
        match SoftwareKeystore::open(&key_path, Box::new(SystemRandom::new())) {
            Ok(k) => Arc::new(k),
            // A key file that is not a key (damaged, truncated) makes the vault
            // unreadable like a missing one; the lockout state stays readable.
            Err(KeystoreError::Missing | KeystoreError::Rejected) => Arc::new(NoDeviceKey),
            Err(e) => return Err(keystore_error(e)),
        };
    let file = vault_file(dir);
    let services = services(keystore);
    let vault = Vault::open(&file, services.clone(), VaultConfig::default())
        .map_err(|e| CliError::vault(&e))?;
    // A vault made with the test costs keeps them: a new PIN or unblock code
    // would otherwise get the default costs.
    if vault.pin_kdf().ok() == Some(KdfParams::INSECURE_FOR_TESTS) {
        return Vault::open(&file, services, insecure_test_config())
            .map_err(|e| CliError::vault(&e));
    }
    Ok(vault)
}

fn read_pin(var: &str, prompt: &str) -> Result<Pin, CliError> {
    let text = secrets::read(var, prompt)?;
    Pin::parse(&text).map_err(|e| CliError::bad_input(format!("{var}: {e}")))
}

pub(crate) fn read_new_pin(var: &str, config: &VaultConfig) -> Result<Pin, CliError> {
    let text = secrets::read(var, "New PIN: ")?;
    Pin::new_checked(&text, &config.pin_policy)
        .map_err(|e| CliError::bad_input(format!("{var}: {e}")))
}

/// Opens the vault in `dir` and unlocks it with the PIN.
pub(crate) fn unlock(dir: &Path) -> Result<Session, CliError> {
    let vault = open_vault(dir)?;
    let pin = read_pin(secrets::PIN, "PIN: ")?;
    vault.unlock(&pin).map_err(|e| CliError::vault(&e))
}

/// The costs of a new vault: the defaults, or trivial ones under
/// [`INSECURE_TEST_KDF`].
pub(crate) fn new_vault_config() -> VaultConfig {
    if std::env::var_os(INSECURE_TEST_KDF).is_some() {
        insecure_test_config()
    } else {
        VaultConfig::default()
    }
}

/// Tells whether `dir` holds a vault with slots (refused), none or an empty one
/// (fine); an unreadable file is reported and left alone.
pub(crate) fn ensure_no_vault(dir: &Path) -> Result<(), CliError> {
    if vault_file(dir).exists() {
        match open_vault(dir) {
            Ok(_) => return Err(CliError::vault(&VaultError::AlreadyInitialized)),
            Err(e) if !e.is_not_initialized() => return Err(e),
            Err(_) => {}
        }
    }
    Ok(())
}

/// The services of a vault about to be made in `dir` (the callers have made
/// sure no vault is there): the folder is created and the software device key
/// with it (or the existing key is reused). A key file that is not a key
/// (damaged, truncated) protects no vault here, so it is moved aside — never
/// deleted — and a new key made, with a warning naming where it went.
pub(crate) fn new_device_services(dir: &Path) -> Result<Services, CliError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::internal(format!("cannot create {}: {e}", dir.display())))?;
    let key_path = SoftwareKeystore::path_in(dir);
    let open = || SoftwareKeystore::open_or_create(&key_path, Box::new(SystemRandom::new()));
    let keystore = match open() {
        Err(KeystoreError::Rejected) => {
            let aside = move_aside(&key_path)?;
            print_warning(&format!(
                "the device key file {} was damaged and no vault used it; moved it to {} \
                 and made a new key",
                key_path.display(),
                aside.display()
            ));
            open()
        }
        other => other,
    }
    .map_err(keystore_error)?;
    Ok(services(Arc::new(keystore)))
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

/// Said whenever a new unblock code replaces one.
const BACKUP_NOTE: &str = "Backups made before now still need the previous unblock code; \
make a new backup now (vakt backup export) so that this code opens it.\n";

/// `vakt init [--json]`.
pub fn init(dir: &Path, json: bool) -> Result<(), CliError> {
    let config = new_vault_config();
    let file = vault_file(dir);
    // Opening tells "already initialised" from "unreadable"; either way the
    // file is left alone.
    ensure_no_vault(dir)?;
    let pin = read_new_pin(secrets::PIN, &config)?;
    let (_, code) = Vault::create(&file, new_device_services(dir)?, config, &pin)
        .map_err(|e| CliError::vault(&e))?;
    print_unblock_code(
        &code,
        json,
        &format!("Created a vault in {}.\n", dir.display()),
    )
}

fn manual_account(args: &AddArgs) -> Result<Account, CliError> {
    let key = secrets::read(secrets::SECRET, "Key (as the service shows it): ")?;
    let secret = parse_base32_key(&key).map_err(|e| CliError::bad_input(format!("key: {e}")))?;
    let algorithm = Algorithm::from_name(&args.algorithm).ok_or_else(|| {
        CliError::bad_input(format!(
            "algorithm: '{}' is not SHA1, SHA256 or SHA512",
            args.algorithm
        ))
    })?;
    let digits = Digits::new(args.digits).ok_or_else(|| {
        CliError::bad_input(format!("digits: {} is not from 1 to 10", args.digits))
    })?;
    let kind = if args.steam {
        OtpKind::Steam
    } else if args.hotp {
        OtpKind::Hotp {
            counter: args.counter,
        }
    } else {
        OtpKind::Totp {
            period: Period::new(args.period)
                .ok_or_else(|| CliError::bad_input("period: must be at least 1 second"))?,
        }
    };
    let (algorithm, digits) = if args.steam {
        (Algorithm::Sha1, Digits::new(5).unwrap_or_default())
    } else {
        (algorithm, digits)
    };
    Ok(Account::new(
        args.issuer.as_deref().unwrap_or_default(),
        args.account.as_deref().unwrap_or_default(),
        OtpParams {
            kind,
            algorithm,
            digits,
            secret,
        },
    ))
}

/// `vakt add --uri URI`, `vakt add --qr IMAGE` or `vakt add --issuer I --account A [...]`.
pub fn add(dir: &Path, args: &AddArgs) -> Result<(), CliError> {
    if !args.qr.is_empty() {
        return crate::commands::scan::add_from_images(dir, &args.qr);
    }
    if let Some(text) = args
        .uri
        .as_deref()
        .filter(|t| vakt_core::provision::push_enrolment::is_push_uri(t))
    {
        let push = vakt_core::provision::push_enrolment::parse(text)
            .map_err(|e| CliError::bad_input(e.to_string()))?;
        let session = unlock(dir)?;
        let lines = crate::commands::push::enrol(&session, &[push])?;
        return print_line(&lines.join("\n"));
    }
    let account = match &args.uri {
        Some(text) => uri::parse(text).map_err(|e| CliError::bad_input(e.to_string()))?,
        None if args.issuer.is_none() && args.account.is_none() => {
            return Err(CliError::bad_input(
                "give --uri, --qr, or --issuer and/or --account for a key typed by hand",
            ));
        }
        None => manual_account(args)?,
    };
    let session = unlock(dir)?;
    let id = session.add(&account).map_err(|e| CliError::vault(&e))?;
    print_line(&format!("added #{id}"))
}

fn label(info: &AccountInfo) -> String {
    match (info.issuer.is_empty(), info.name.is_empty()) {
        (false, false) => format!("{} ({})", info.issuer, info.name),
        (false, true) => info.issuer.clone(),
        (true, _) => info.name.clone(),
    }
}

/// `vakt list [--json]`.
pub fn list(dir: &Path, json: bool) -> Result<(), CliError> {
    let accounts = unlock(dir)?.accounts().map_err(|e| CliError::vault(&e))?;
    if json {
        let items: Vec<Value> = accounts
            .iter()
            .map(|a| Value::Object(account_info_json(a)))
            .collect();
        return print_line(&Value::Array(items).to_string());
    }
    if accounts.is_empty() {
        return print_line("no accounts yet (vakt add)");
    }
    let lines: Vec<String> = accounts
        .iter()
        .map(|a| format!("{:>4}  {:<5}  {}", a.id, a.kind.name(), label(a)))
        .collect();
    print_line(&lines.join("\n"))
}

/// `vakt rename ID NAME [--issuer I]`.
pub fn rename(dir: &Path, id: u64, name: &str, issuer: Option<&str>) -> Result<(), CliError> {
    unlock(dir)?
        .rename(id, issuer, name)
        .map_err(|e| CliError::vault(&e))?;
    print_line(&format!("renamed #{id}"))
}

/// `vakt delete ID`.
pub fn delete(dir: &Path, id: u64) -> Result<(), CliError> {
    unlock(dir)?.delete(id).map_err(|e| CliError::vault(&e))?;
    print_line(&format!("deleted #{id}"))
}

/// `vakt reorder ID...`.
pub fn reorder(dir: &Path, ids: &[u64]) -> Result<(), CliError> {
    unlock(dir)?.reorder(ids).map_err(|e| CliError::vault(&e))?;
    print_line("reordered")
}

/// `vakt codes [--json] [--at T]`.
pub fn codes(dir: &Path, json: bool, at: Option<u64>) -> Result<(), CliError> {
    let now = at.unwrap_or_else(|| SystemClock.now_unix());
    let entries = unlock(dir)?.codes(now).map_err(|e| CliError::vault(&e))?;
    if json {
        let items: Vec<Value> = entries
            .iter()
            .map(|e| {
                let mut m = account_info_json(&e.info);
                match &e.view {
                    Some(view) => {
                        m.insert("code".into(), json!(view.code.as_str()));
                        m.insert("seconds_left".into(), json!(view.seconds_left));
                        m.insert(
                            "next_code".into(),
                            json!(view.next_code.as_ref().map(|c| c.as_str())),
                        );
                    }
                    None => {
                        m.insert("code".into(), Value::Null);
                    }
                }
                Value::Object(m)
            })
            .collect();
        return print_line(&Value::Array(items).to_string());
    }
    if entries.is_empty() {
        return print_line("no accounts yet (vakt add)");
    }
    let lines: Vec<String> = entries
        .iter()
        .map(|e| match &e.view {
            Some(view) => format!(
                "{:>4}  {:<10}  {:>3}s  next {:<10}  {}",
                e.info.id,
                view.code.as_str(),
                view.seconds_left,
                view.next_code.as_ref().map_or("", |c| c.as_str()),
                label(&e.info)
            ),
            None => format!(
                "{:>4}  {:<10}  {:>4}  {:<15}  {}",
                e.info.id,
                "(hotp)",
                "",
                format!("vakt next {}", e.info.id),
                label(&e.info)
            ),
        })
        .collect();
    print_line(&lines.join("\n"))
}

/// `vakt next ID`: advances an HOTP counter (committed first) and prints the code.
pub fn next(dir: &Path, id: u64) -> Result<(), CliError> {
    let code = unlock(dir)?
        .next_code(id)
        .map_err(|e| CliError::vault(&e))?;
    print_line(code.as_str())
}

/// `vakt status [--json]`: the lockout state; needs no PIN.
pub fn status(dir: &Path, json: bool) -> Result<(), CliError> {
    let s = open_vault(dir)?.status().map_err(|e| CliError::vault(&e))?;
    if json {
        return print_line(
            &json!({
                "blocked": s.blocked,
                "attempts_left": s.attempts_left,
                "failed_pin_attempts": s.failed_pin_attempts,
                "failed_unblock_attempts": s.failed_unblock_attempts,
                "next_unblock_delay_seconds": s.next_unblock_delay.as_secs(),
            })
            .to_string(),
        );
    }
    if s.blocked {
        print_line("blocked: unblock it with the unblock code (vakt unblock)")
    } else {
        print_line(&format!("ok: {} PIN attempt(s) left", s.attempts_left))
    }
}

/// `vakt unblock [--json]` with VAKT_UNBLOCK_CODE and VAKT_NEW_PIN.
pub fn unblock(dir: &Path, json: bool) -> Result<(), CliError> {
    let vault = open_vault(dir)?;
    let config = VaultConfig::default();
    let text = secrets::read(secrets::UNBLOCK_CODE, "Unblock code: ")?;
    let code = UnblockCode::parse(&text)
        .map_err(|e| CliError::vault(&VaultError::MistypedUnblockCode(e)))?;
    let new_pin = read_new_pin(secrets::NEW_PIN, &config)?;
    let (_, new_code) = vault
        .unblock(&code, &new_pin)
        .map_err(|e| CliError::vault(&e))?;
    print_unblock_code(
        &new_code,
        json,
        &format!(
            "Unblocked; the new PIN is set. The old unblock code no longer works.\n{BACKUP_NOTE}"
        ),
    )
}

/// `vakt pin change` with VAKT_PIN and VAKT_NEW_PIN.
pub fn pin(dir: &Path, command: &PinCommand) -> Result<(), CliError> {
    let PinCommand::Change = command;
    let vault = open_vault(dir)?;
    let current = read_pin(secrets::PIN, "Current PIN: ")?;
    let new = read_new_pin(secrets::NEW_PIN, &VaultConfig::default())?;
    vault
        .change_pin(&current, &new)
        .map_err(|e| CliError::vault(&e))?;
    print_line("PIN changed")
}

/// `vakt new-unblock-code [--json]`: replaces the unblock code (needs the PIN).
pub fn new_unblock_code(dir: &Path, json: bool) -> Result<(), CliError> {
    let code = unlock(dir)?
        .reissue_unblock_code()
        .map_err(|e| CliError::vault(&e))?;
    print_unblock_code(
        &code,
        json,
        &format!("The old unblock code no longer works.\n{BACKUP_NOTE}"),
    )
}
