//! Accounts to and from other apps: imports of their export files, and exports
//! as an Aegis file or as QR codes.
//!
//! Everything an export returns carries keys (in the clear, except an Aegis
//! file with a password): the app should show it, or hand it to the user's
//! chosen destination, and not keep it.

use vakt_core::SecretString;
use vakt_core::provision::uri;
use vakt_core::qr::render as qr_render;
use vakt_core::rng::SystemRandom;
use vakt_core::transfer::export::aegis::{self, AegisEncryption};
use vakt_core::transfer::export::google_authenticator;
use vakt_core::transfer::import::{self, Format};
use vakt_core::vault::Pin;
use zeroize::Zeroizing;

use crate::VaktError;
use crate::args::account_id;
use crate::convert::id_out;
use crate::vault::Session;

/// The apps whose export files can be imported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ImportFormat {
    /// Aegis Authenticator JSON, plain or encrypted.
    Aegis,
    /// 2FAS Authenticator (`.2fas` / JSON), plain or encrypted.
    TwoFas,
    /// andOTP JSON, plain or encrypted.
    AndOtp,
    /// FreeOTP's backup (`externalBackup.xml`, encrypted) or old XML, and
    /// FreeOTP+'s JSON export.
    FreeOtp,
    /// Bitwarden's unencrypted export, JSON or CSV.
    Bitwarden,
    /// Authy's shared-preferences XML (plain, or with the backup password).
    Authy,
    /// Ente Auth's plain-text export.
    Ente,
    /// A text file of otpauth URIs, one per line; also Google Authenticator
    /// export codes as text (`otpauth-migration://` lines).
    UriList,
}

impl From<ImportFormat> for Format {
    fn from(f: ImportFormat) -> Self {
        match f {
            ImportFormat::Aegis => Format::Aegis,
            ImportFormat::TwoFas => Format::TwoFas,
            ImportFormat::AndOtp => Format::AndOtp,
            ImportFormat::FreeOtp => Format::FreeOtp,
            ImportFormat::Bitwarden => Format::Bitwarden,
            ImportFormat::Authy => Format::Authy,
            ImportFormat::Ente => Format::Ente,
            ImportFormat::UriList => Format::UriList,
        }
    }
}

/// An account of an import, by id and label ("Issuer (name)").
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ImportedAccount {
    /// Added: the new id. Duplicate: the id of the account that has the key.
    pub id: i64,
    /// "Issuer (name)" as the file has them.
    pub label: String,
}

/// An entry of the file that was not imported.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SkippedEntry {
    /// Issuer and name as the file has them (or the line number).
    pub label: String,
    /// Why (never a key).
    pub reason: String,
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ImportReport {
    /// Added, in the file's order.
    pub added: Vec<ImportedAccount>,
    /// Not added: the vault already holds the same account — same codes,
    /// same names — (or an earlier entry of the file did); `id` is that
    /// account's.
    pub duplicates: Vec<ImportedAccount>,
    /// Added (and in `added`) but giving the same codes as an account with
    /// other names: show them, the user may delete one.
    pub look_alikes: Vec<LookAlike>,
    /// Entries that cannot be used.
    pub skipped: Vec<SkippedEntry>,
    /// Caveats about the file (fields it does not record, values assumed).
    pub notes: Vec<String>,
}

/// An imported account that gives the same codes as another one.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct LookAlike {
    /// The new account's id.
    pub id: i64,
    /// The account already there that gives the same codes.
    pub like_id: i64,
    /// Issuer and name as the file has them.
    pub label: String,
}

fn listed(pairs: Vec<(u64, String)>) -> Vec<ImportedAccount> {
    pairs
        .into_iter()
        .map(|(id, label)| ImportedAccount {
            id: id_out(id),
            label,
        })
        .collect()
}

/// A QR code as its modules, for the app to draw: `side` × `side` bytes, one
/// per module, 0 dark and 255 light, rows packed, with the quiet zone of four
/// light modules included. Scale it up with nearest-neighbour (no smoothing,
/// whole pixels per module) so it stays crisp at any size. **It carries keys**:
/// show it, do not store or share it.
#[derive(Clone, uniffi::Record)]
pub struct QrImage {
    /// Modules per side, quiet zone included.
    pub side: u32,
    /// `side × side` modules, row by row: 0 dark, 255 light.
    pub luma: Vec<u8>,
}

impl std::fmt::Debug for QrImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QrImage")
            .field("side", &self.side)
            .finish_non_exhaustive()
    }
}

/// One Google Authenticator export code, drawn.
#[derive(Clone, uniffi::Record)]
pub struct MigrationQrCode {
    /// The code's modules. **It carries the keys of its accounts.**
    pub image: QrImage,
    /// 0-based position in the export.
    pub batch_index: u32,
    /// Number of codes in the export.
    pub batch_size: u32,
    /// Ids of the accounts it carries.
    pub account_ids: Vec<i64>,
}

impl std::fmt::Debug for MigrationQrCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MigrationQrCode")
            .field("batch_index", &self.batch_index)
            .field("batch_size", &self.batch_size)
            .field("account_ids", &self.account_ids)
            .finish_non_exhaustive()
    }
}

/// An account the Google Authenticator format cannot carry.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct NotExportableAccount {
    /// The account's id (offer its own QR: `account_qr`).
    pub id: i64,
    /// The field at fault (`type`, `period`, `digits`, `counter`, `names`).
    pub field: String,
    /// Why, for the user.
    pub reason: String,
}

/// Accounts as Google Authenticator export codes.
#[derive(Clone, Debug, uniffi::Record)]
pub struct MigrationExport {
    /// The codes, in order (scan them all).
    pub codes: Vec<MigrationQrCode>,
    /// Accounts left out, in the order asked.
    pub not_exportable: Vec<NotExportableAccount>,
}

fn modules(text: &SecretString) -> Result<QrImage, VaktError> {
    let image = qr_render::luma(text, 1)?;
    Ok(QrImage {
        side: image.width,
        // EXPOSE: the modules are handed to the app to show, as asked.
        luma: image.data.expose().to_vec(),
    })
}

#[uniffi::export]
impl Session {
    /// Imports another app's export file (`password` only if it is encrypted)
    /// in one transaction. Keys already in the vault (same kind) are skipped and
    /// reported. Throws `ImportPasswordNeeded`, `WrongImportPassword` or
    /// `ImportFailed`; nothing is added then.
    pub fn import_accounts(
        &self,
        format: ImportFormat,
        file: Vec<u8>,
        password: Option<String>,
    ) -> Result<ImportReport, VaktError> {
        let file = Zeroizing::new(file);
        let password = password.map(SecretString::new);
        // Read (and derive keys) before taking the session.
        let imported = import::read(format.into(), &file, password.as_ref())?;
        let report = self.with(|s| import::apply(s, imported))?;
        Ok(ImportReport {
            added: listed(report.added),
            duplicates: listed(report.duplicates),
            look_alikes: report
                .look_alikes
                .into_iter()
                .map(|(id, like_id, label)| LookAlike {
                    id: id_out(id),
                    like_id: id_out(like_id),
                    label,
                })
                .collect(),
            skipped: report
                .unsupported
                .into_iter()
                .map(|s| SkippedEntry {
                    label: s.label,
                    reason: s.reason,
                })
                .collect(),
            notes: report.notes,
        })
    }

    /// Every account as an Aegis Authenticator export file (JSON), which Aegis
    /// and Vakt import. Without `password` every key is in the clear; with one
    /// (not empty) it is encrypted as Aegis does. Keys leave the vault, so
    /// `pin` is asked again, even in an open session (a wrong one counts
    /// towards the lockout: `WrongPin`, `Blocked`).
    pub fn export_aegis(
        &self,
        pin: String,
        password: Option<String>,
    ) -> Result<Vec<u8>, VaktError> {
        let password = password.map(SecretString::new);
        let encryption = match &password {
            // EXPOSE: only checked for being empty.
            Some(p) if p.expose().is_empty() => {
                return Err(VaktError::InvalidInput {
                    message: "the export password is empty".into(),
                });
            }
            Some(p) => AegisEncryption::Password(p),
            None => AegisEncryption::None,
        };
        let pin = Pin::parse(&pin)?;
        let accounts = self.with(|s| s.export_accounts(s.confirm_pin(&pin)?))?;
        let file = aegis::aegis(&accounts, encryption, &SystemRandom::new())?;
        // EXPOSE: the file is handed to the app to save where the user chose.
        Ok(file.expose().to_vec())
    }

    /// The accounts `ids` (in this order; empty: every account) as Google
    /// Authenticator export codes, as modules for the app to draw ([`QrImage`]).
    /// **The images carry the keys**: show them, do not store or share them.
    /// `pin` is asked again, even in an open session (as for
    /// [`Session::export_aegis`]).
    pub fn export_migration_qr_codes(
        &self,
        pin: String,
        ids: Vec<i64>,
    ) -> Result<MigrationExport, VaktError> {
        let pin = Pin::parse(&pin)?;
        let ids = ids
            .into_iter()
            .map(account_id)
            .collect::<Result<Vec<_>, _>>()?;
        let (ids, accounts) = self.with(|s| {
            let confirmed = s.confirm_pin(&pin)?;
            let ids: Vec<u64> = match ids.is_empty() {
                true => s.accounts()?.iter().map(|a| a.id).collect(),
                false => ids,
            };
            let accounts = s.export_some(&ids, confirmed)?;
            Ok::<_, vakt_core::vault::VaultError>((ids, accounts))
        })?;
        let plan = google_authenticator::export(
            &accounts,
            google_authenticator::new_batch_id(&SystemRandom::new())?,
        );
        let id_of = |index: &usize| id_out(ids.get(*index).copied().unwrap_or_default());
        let codes = plan
            .codes
            .iter()
            .map(|code| {
                Ok(MigrationQrCode {
                    image: modules(&code.uri)?,
                    batch_index: u32::try_from(code.batch.index).unwrap_or_default(),
                    batch_size: code.batch.codes(),
                    account_ids: code.accounts.iter().map(id_of).collect(),
                })
            })
            .collect::<Result<Vec<_>, VaktError>>()?;
        Ok(MigrationExport {
            codes,
            not_exportable: plan
                .not_exportable
                .iter()
                .map(|n| NotExportableAccount {
                    id: id_of(&n.index),
                    field: n.reason.field().to_owned(),
                    reason: n.reason.to_string(),
                })
                .collect(),
        })
    }

    /// One account's `otpauth://` QR code, as modules for the app to draw
    /// ([`QrImage`]). **It carries the account's key**: show it, do not store
    /// or share it. `pin` is asked again, even in an open session (as for
    /// [`Session::export_aegis`]).
    pub fn account_qr(&self, pin: String, id: i64) -> Result<QrImage, VaktError> {
        let pin = Pin::parse(&pin)?;
        let id = account_id(id)?;
        let account = self.with(|s| {
            let confirmed = s.confirm_pin(&pin)?;
            s.export_some(&[id], confirmed)?
                .pop()
                .ok_or(vakt_core::vault::VaultError::NoSuchAccount { id })
        })?;
        modules(&uri::format(&account))
    }
}
