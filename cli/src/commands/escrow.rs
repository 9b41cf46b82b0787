//! `vakt escrow keygen | enrol | status | pending | open | disable`: escrow of
//! the unblock code to an organisation. The organisation runs `keygen` and
//! `open` (its support desk); the user's vault runs the rest.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde_json::json;
use vakt_core::escrow::{OrgIdentity, OrgPublicKey};
use vakt_core::rng::SystemRandom;
use vakt_core::vault::UnblockCode;

use crate::context::Context;
use crate::error::CliError;
use crate::files;
use crate::output::{print_line, print_unblock_code};

/// The largest escrow record or organisation key file read.
const MAX_FILE: usize = 64 * 1024;

/// `vakt escrow ...`
#[derive(Subcommand)]
pub enum EscrowCommand {
    /// Make an organisation key pair: writes the secret key to KEYFILE (a new
    /// file, owner-only) and prints the public key to hand out.
    Keygen {
        /// Where to write the organisation's secret key.
        #[arg(long, value_name = "KEYFILE")]
        out: PathBuf,
    },
    /// Turn escrow on (needs VAKT_PIN): every new unblock code is sealed to
    /// the organisation's key. Makes a new unblock code now and prints it.
    Enrol {
        /// The organisation's public key (vakt-org-…).
        #[arg(long, value_name = "PUBLIC_KEY")]
        org: String,
        /// The organisation's name for this user (e.g. an e-mail address).
        #[arg(long, value_name = "TEXT", default_value = "")]
        hint: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show whether escrow is on, to which organisation, and the last delivery (no PIN).
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write every escrow record not yet delivered into DIR and mark them
    /// delivered (no PIN; works on a blocked vault).
    Pending {
        /// The folder to write the records into (made if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Open an escrow record with the organisation's secret key (support's side).
    Open {
        /// The escrow record.
        file: PathBuf,
        /// The organisation's secret key file.
        #[arg(long, value_name = "KEYFILE")]
        identity: PathBuf,
        /// Refuse the record unless it belongs to this vault (its id, hex).
        #[arg(long, value_name = "VAULT_ID")]
        vault_id: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Turn escrow off (needs VAKT_PIN); records not yet delivered are dropped.
    Disable,
}

/// Runs `vakt escrow ...`; `ctx` is built only by the commands on a vault.
pub fn run(
    ctx: impl Fn() -> Result<Context, CliError>,
    command: &EscrowCommand,
) -> Result<(), CliError> {
    match command {
        EscrowCommand::Keygen { out } => keygen(out),
        EscrowCommand::Enrol { org, hint, json } => enrol(&ctx()?, org, hint, *json),
        EscrowCommand::Status { json } => status(&ctx()?, *json),
        EscrowCommand::Pending { out, json } => pending(&ctx()?, out, *json),
        EscrowCommand::Open {
            file,
            identity,
            vault_id,
            json,
        } => open(file, identity, vault_id.as_deref(), *json),
        EscrowCommand::Disable => disable(&ctx()?),
    }
}

fn keygen(out: &Path) -> Result<(), CliError> {
    let identity = OrgIdentity::generate(&SystemRandom::new())
        .map_err(|_| CliError::internal("the random number generator failed"))?;
    let text = identity.to_file_text();
    // EXPOSE: the secret key goes into the new, owner-only key file.
    let bytes = vakt_core::SecretBytes::from_slice(text.expose().as_bytes());
    files::write_new(out, &bytes)?;
    print_line(&identity.public_key().encoded())
}

fn enrol(ctx: &Context, org: &str, hint: &str, json: bool) -> Result<(), CliError> {
    let org = OrgPublicKey::parse(org).map_err(|e| CliError::escrow(&e))?;
    let session = ctx.unlock()?;
    let code = session
        .enrol_escrow(&org, hint)
        .map_err(|e| CliError::vault(&e))?;
    if json {
        let shown = code.to_display();
        // EXPOSE: the new unblock code is shown once, on purpose.
        return print_line(
            &json!({
                "unblock_code": shown.expose(),
                "fingerprint": org.fingerprint(),
            })
            .to_string(),
        );
    }
    print_unblock_code(
        &code,
        false,
        &format!(
            "Escrow is on: every new unblock code is sealed to the organisation key {}.\n\
             Compare this fingerprint with the one your organisation publishes. \
             Hand the records over with `vakt escrow pending`.\n\
             This new unblock code replaces the old one.\n",
            org.fingerprint()
        ),
    )
}

fn status(ctx: &Context, json: bool) -> Result<(), CliError> {
    let s = ctx
        .open_vault()?
        .escrow_status()
        .map_err(|e| CliError::vault(&e))?;
    if json {
        return print_line(
            &json!({
                "enabled": s.org.is_some(),
                "org_public_key": s.org.as_ref().map(OrgPublicKey::encoded),
                "fingerprint": s.org.as_ref().map(OrgPublicKey::fingerprint),
                "vault_id": s.vault_id_hex(),
                "last_delivered_at": s.last_delivered_at,
                "pending": s.pending,
            })
            .to_string(),
        );
    }
    let delivered = s
        .last_delivered_at
        .map_or("never".to_owned(), |at| format!("at {at} (Unix seconds)"));
    match &s.org {
        Some(org) => print_line(&format!(
            "escrow: on, to the organisation key {}\nvault id: {}\nlast delivery: {delivered}; \
             records waiting: {}",
            org.fingerprint(),
            s.vault_id_hex(),
            s.pending
        )),
        None => print_line(&format!(
            "escrow: off\nvault id: {}\nlast delivery: {delivered}",
            s.vault_id_hex()
        )),
    }
}

fn pending(ctx: &Context, out: &Path, json: bool) -> Result<(), CliError> {
    let vault = ctx.open_vault()?;
    let records = vault.escrow_pending().map_err(|e| CliError::vault(&e))?;
    files::create_private_dir(out)?;
    let mut written = Vec::with_capacity(records.len());
    for record in &records {
        let path = out.join(&record.file_name);
        files::write_private(&path, &record.record)?;
        written.push((path, record.generation));
    }
    // Only once every file is on disk: a failure above leaves them pending.
    let ids: Vec<u64> = records.iter().map(|r| r.id).collect();
    vault
        .escrow_delivered(&ids)
        .map_err(|e| CliError::vault(&e))?;
    if json {
        let files: Vec<_> = written
            .iter()
            .map(|(path, generation)| {
                json!({ "file": path.display().to_string(), "generation": generation })
            })
            .collect();
        return print_line(&json!({ "records": files }).to_string());
    }
    if written.is_empty() {
        return print_line("no escrow records waiting");
    }
    for (path, _) in &written {
        print_line(&path.display().to_string())?;
    }
    Ok(())
}

fn open(file: &Path, identity: &Path, vault_id: Option<&str>, json: bool) -> Result<(), CliError> {
    let key_text = files::read_limited(identity, MAX_FILE)?;
    let key_text = std::str::from_utf8(&key_text)
        .map_err(|_| CliError::escrow(&vakt_core::escrow::EscrowError::InvalidIdentity))?;
    let identity = OrgIdentity::parse(key_text).map_err(|e| CliError::escrow(&e))?;
    let record = files::read_limited(file, MAX_FILE)?;
    let payload = vakt_core::escrow::open(&record, &identity).map_err(|e| CliError::escrow(&e))?;
    if let Some(expected) = vault_id {
        payload
            .check_vault(expected)
            .map_err(|e| CliError::escrow(&e))?;
    }
    // A record whose code is not a well-formed unblock code is refused.
    let code = UnblockCode::parse(payload.unblock_code.expose())
        .map_err(|_| CliError::escrow(&vakt_core::escrow::EscrowError::Malformed))?;
    let shown = code.to_display();
    if json {
        // EXPOSE: support reads the code out to the verified user.
        return print_line(
            &json!({
                "unblock_code": shown.expose(),
                "generation": payload.generation,
                "vault_id": payload.vault_id_hex(),
                "hint": payload.hint,
                "created_at": payload.created_at,
            })
            .to_string(),
        );
    }
    // EXPOSE: as above.
    print_line(&format!(
        "unblock_code: {}\ngeneration: {}\nvault_id: {}\nhint: {}\ncreated_at: {}\n\
         (a record of a higher generation for the same vault supersedes this one)",
        shown.expose(),
        payload.generation,
        payload.vault_id_hex(),
        payload.hint,
        payload.created_at
    ))
}

fn disable(ctx: &Context) -> Result<(), CliError> {
    let was_on = ctx
        .unlock()?
        .disable_escrow()
        .map_err(|e| CliError::vault(&e))?;
    if was_on {
        print_line(
            "Escrow is off: new unblock codes are no longer sealed to the organisation. \
             It may still hold the current code: make a new one (vakt new-unblock-code).",
        )
    } else {
        print_line("escrow was already off")
    }
}
