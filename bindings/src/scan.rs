//! QR codes in: decoding images and camera frames, what a scanned code holds,
//! and adding its accounts to a session.
//!
//! A scanned code crosses as an opaque [`ScannedCode`]: its key (or enrolment
//! credential) stays in Rust; the app sees only [`ScannedContent`] and passes
//! the object back to [`Session::add_scanned`].

use std::sync::{Arc, Mutex};

use vakt_core::SecretString;
use vakt_core::entries::Added;
use vakt_core::provision::container_code::ContainerCode;
use vakt_core::provision::google_export::{
    BatchError, BatchInfo, Fed, MigrationBatches, MigrationPayload, UnusableEntry,
};
use vakt_core::provision::push_enrolment::{FirebaseConfig, PushEnrolment};
use vakt_core::provision::{self, ProvisionError, Provisioning};
use vakt_core::qr::{self, Effort, LumaFrame};
use vakt_core::vault::AddOutcome as CoreAddOutcome;
use zeroize::Zeroizing;

use crate::VaktError;
use crate::convert::{id_out, seconds};
use crate::otp::UriInfo;
use crate::vault::Session;

/// The text of one QR code, classified. Holds the key (or enrolment
/// credential) in Rust; its `Debug` shows nothing of it.
#[derive(uniffi::Object)]
pub struct ScannedCode {
    provisioning: Result<Provisioning, ProvisionError>,
}

impl std::fmt::Debug for ScannedCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScannedCode(<redacted>)")
    }
}

impl ScannedCode {
    fn classify(text: &SecretString) -> Arc<Self> {
        // EXPOSE: the decoded text is classified; only its parts stay.
        Arc::new(Self {
            provisioning: provision::classify(text.expose()),
        })
    }

    pub(crate) fn provisioning(&self) -> Result<&Provisioning, VaktError> {
        self.provisioning.as_ref().map_err(|e| e.clone().into())
    }
}

/// Where a Google Authenticator export code sits in its export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct MigrationBatch {
    /// This code's 0-based index, as the code says.
    pub index: i32,
    /// Number of codes in the export (1 when the code does not say).
    pub size: u32,
    /// The same for every code of one export.
    pub id: i32,
}

impl From<BatchInfo> for MigrationBatch {
    fn from(b: BatchInfo) -> Self {
        Self {
            index: b.index,
            size: b.codes(),
            id: b.id,
        }
    }
}

/// An entry of an export code that cannot be used (shown by its names).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct UnusableExportEntry {
    /// "Issuer (name)", or "entry N" when it has no names.
    pub label: String,
    /// The field at fault (`algorithm`, `digits`, `type`, `secret`, `counter`).
    pub field: String,
    /// Why, for the user (never the key).
    pub reason: String,
}

impl From<&UnusableEntry> for UnusableExportEntry {
    fn from(u: &UnusableEntry) -> Self {
        Self {
            label: u.label(),
            field: u.error.field().to_owned(),
            reason: u.error.to_string(),
        }
    }
}

/// Firebase settings of a push enrolment (identifiers, not secrets).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PushFirebase {
    /// `projectid`.
    pub project_id: Option<String>,
    /// `projectnumber`.
    pub project_number: Option<String>,
    /// `appid` (Android).
    pub app_id: Option<String>,
    /// `apikey` (Android).
    pub api_key: Option<String>,
    /// `appidios`.
    pub app_id_ios: Option<String>,
    /// `apikeyios`.
    pub api_key_ios: Option<String>,
}

impl From<&FirebaseConfig> for PushFirebase {
    fn from(f: &FirebaseConfig) -> Self {
        Self {
            project_id: f.project_id.clone(),
            project_number: f.project_number.clone(),
            app_id: f.app_id.clone(),
            api_key: f.api_key.clone(),
            app_id_ios: f.app_id_ios.clone(),
            api_key_ios: f.api_key_ios.clone(),
        }
    }
}

/// A container registration (or rollover) code, without its nonce.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ContainerRegistrationDetails {
    /// The container's serial.
    pub serial: String,
    /// Who issued it.
    pub issuer: String,
    /// The server the phone registers with.
    pub server_url: String,
    /// How long the code is valid from when it was made.
    pub ttl: std::time::Duration,
    /// Whether the server's TLS certificate must be verified.
    pub ssl_verify: bool,
    /// The question to ask before registering (pass the answer to
    /// `register_container`), if any.
    pub passphrase_prompt: Option<String>,
    /// Whether the answer is the user's password at the server (it is sent
    /// to the server).
    pub sends_passphrase: bool,
}

impl From<&ContainerCode> for ContainerRegistrationDetails {
    fn from(c: &ContainerCode) -> Self {
        Self {
            serial: c.serial.clone(),
            issuer: c.issuer.clone(),
            server_url: c.url.clone(),
            ttl: std::time::Duration::from_secs(u64::from(c.ttl_minutes).saturating_mul(60)),
            ssl_verify: c.ssl_verify,
            passphrase_prompt: c.passphrase_prompt.clone(),
            sends_passphrase: c.send_passphrase,
        }
    }
}

/// A privacyIDEA push token to enrol, without its enrolment credential.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PushEnrolmentDetails {
    /// The token's serial.
    pub serial: String,
    /// The label shown for it.
    pub label: String,
    /// The issuer (may be empty).
    pub issuer: String,
    /// Where the enrolment is completed.
    pub url: String,
    /// How long the server allows for completing the enrolment.
    pub ttl: std::time::Duration,
    /// Whether the server's TLS certificate must be verified.
    pub sslverify: bool,
    /// Protocol version.
    pub version: u32,
    /// The server sends no push notifications; the app polls.
    pub poll_only: bool,
    /// The app must be unlocked before answering.
    pub require_app_pin: bool,
    /// An image URL for the token.
    pub image_url: Option<String>,
    /// Firebase settings, when the server sends any.
    pub firebase: Option<PushFirebase>,
}

impl From<&PushEnrolment> for PushEnrolmentDetails {
    fn from(p: &PushEnrolment) -> Self {
        Self {
            serial: p.serial.clone(),
            label: p.label.clone(),
            issuer: p.issuer.clone(),
            url: p.url.clone(),
            ttl: seconds(u64::from(p.ttl_minutes).saturating_mul(60)),
            sslverify: p.sslverify,
            version: p.version,
            poll_only: p.poll_only,
            require_app_pin: p.require_app_pin,
            image_url: p.image.clone(),
            firebase: p.firebase.as_ref().map(PushFirebase::from),
        }
    }
}

/// What a scanned code holds (never a key or credential).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ScannedContent {
    /// One account (`otpauth://`).
    Account {
        /// The account.
        details: UriInfo,
    },
    /// One code of a Google Authenticator export (`otpauth-migration://`).
    Migration {
        /// Its place in the export.
        batch: MigrationBatch,
        /// The usable accounts, in the code's order.
        accounts: Vec<UriInfo>,
        /// Entries that cannot be used (not added).
        unusable: Vec<UnusableExportEntry>,
    },
    /// A privacyIDEA push token to enrol (`otpauth://pipush/`): pass the code
    /// to `Session.enrol_push`.
    PushEnrolment {
        /// The token.
        details: PushEnrolmentDetails,
    },
    /// A privacyIDEA container to register with (or take over from another
    /// phone): pass the code to `Session.register_container`.
    ContainerRegistration {
        /// The container.
        details: ContainerRegistrationDetails,
    },
}

fn content_of(p: &Provisioning) -> ScannedContent {
    match p {
        Provisioning::Account(a) => ScannedContent::Account {
            details: UriInfo::from(a),
        },
        Provisioning::Migration(MigrationPayload {
            batch,
            accounts,
            unusable,
        }) => ScannedContent::Migration {
            batch: MigrationBatch::from(*batch),
            accounts: accounts.iter().map(UriInfo::from).collect(),
            unusable: unusable.iter().map(UnusableExportEntry::from).collect(),
        },
        Provisioning::Push(p) => ScannedContent::PushEnrolment {
            details: PushEnrolmentDetails::from(p.as_ref()),
        },
        Provisioning::Container(c) => ScannedContent::ContainerRegistration {
            details: ContainerRegistrationDetails::from(c.as_ref()),
        },
    }
}

#[uniffi::export]
impl ScannedCode {
    /// Classifies text read by the platform's own scanner (ML Kit, AVFoundation).
    #[uniffi::constructor]
    pub fn from_text(text: String) -> Arc<Self> {
        Self::classify(&SecretString::new(text))
    }

    /// What the code holds. Throws `NotAnAuthenticatorQr` (naming only the
    /// scheme) or `InvalidUri` (naming the field at fault).
    pub fn content(&self) -> Result<ScannedContent, VaktError> {
        Ok(content_of(self.provisioning()?))
    }
}

/// The most pixels (width × height) an image or frame may have: a platform
/// checks it before it allocates the luma buffer, so its limit is this one.
#[uniffi::export]
pub fn max_image_pixels() -> u64 {
    vakt_core::qr::MAX_PIXELS
}

/// Every QR code in a photo or screenshot the platform decoded to 8-bit luma
/// (Android `BitmapFactory` / `ImageDecoder`, iOS `CGImageSource`; the platform
/// reads every format the phone makes, HEIC included, and can downsample while
/// decoding), `row_stride` bytes per row. Looks thoroughly, however long it
/// takes, unlike `scan_camera_frame`. Throws `NoQrCode` when there is none,
/// `InvalidInput` for a geometry that does not fit the buffer (or more than
/// 40 megapixels).
#[uniffi::export]
pub fn scan_still_image(
    luma: Vec<u8>,
    width: u32,
    height: u32,
    row_stride: u32,
) -> Result<Vec<Arc<ScannedCode>>, VaktError> {
    let texts = scan(luma, width, height, row_stride, Effort::Thorough)?;
    if texts.is_empty() {
        return Err(VaktError::NoQrCode);
    }
    Ok(texts)
}

/// Every QR code in a live camera frame: its 8-bit luma (Y) plane as the camera
/// hands it over (Android `ImageProxy` plane 0, iOS `CVPixelBuffer` plane 0),
/// `row_stride` bytes per row. Looks within the live-camera time budget; an
/// empty list means none in this frame (try the next one).
#[uniffi::export]
pub fn scan_camera_frame(
    luma: Vec<u8>,
    width: u32,
    height: u32,
    row_stride: u32,
) -> Result<Vec<Arc<ScannedCode>>, VaktError> {
    scan(luma, width, height, row_stride, Effort::Camera)
}

fn scan(
    luma: Vec<u8>,
    width: u32,
    height: u32,
    stride: u32,
    effort: Effort,
) -> Result<Vec<Arc<ScannedCode>>, VaktError> {
    let luma = Zeroizing::new(luma);
    let frame = LumaFrame {
        data: &luma,
        width,
        height,
        stride,
    };
    let texts = qr::decode_frame_with(&frame, effort)?;
    Ok(texts.iter().map(ScannedCode::classify).collect())
}

/// What adding one account did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum AddOutcome {
    /// Added with this id.
    Added {
        /// The new account's id.
        id: i64,
    },
    /// Added with this id, but it gives the same codes as the account
    /// `like_id`, which has other names: show both; the user may delete one.
    AddedLike {
        /// The new account's id.
        id: i64,
        /// The account that gives the same codes.
        like_id: i64,
    },
    /// Not added: the vault already holds this account (same codes, same
    /// names).
    Duplicate {
        /// The account that has it.
        existing_id: i64,
    },
}

impl From<CoreAddOutcome> for AddOutcome {
    fn from(o: CoreAddOutcome) -> Self {
        match o {
            CoreAddOutcome::Added(id) => AddOutcome::Added { id: id_out(id) },
            CoreAddOutcome::AddedLike { id, like } => AddOutcome::AddedLike {
                id: id_out(id),
                like_id: id_out(like),
            },
            CoreAddOutcome::Duplicate(existing) => AddOutcome::Duplicate {
                existing_id: id_out(existing),
            },
        }
    }
}

/// One account of a scanned code and what adding it did.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ScannedAccountAdded {
    /// The service.
    pub issuer: String,
    /// The user's name at the service.
    pub account_name: String,
    /// The account that has this key now: the new one, or (when `outcome`
    /// is `Duplicate`) the one already there.
    pub id: i64,
    /// Added, or already there.
    pub outcome: AddOutcome,
}

#[uniffi::export]
impl Session {
    /// Adds the account(s) of a scanned code in one transaction: one account, or
    /// every usable account of an export code. A key already in the vault (same
    /// kind) is not added again; its outcome names the account that has it.
    /// Throws the code's own error if it holds nothing usable, and
    /// `InvalidInput` for a push enrolment (enrol it with `enrol_push`).
    pub fn add_scanned(
        &self,
        code: Arc<ScannedCode>,
    ) -> Result<Vec<ScannedAccountAdded>, VaktError> {
        match code.provisioning()? {
            Provisioning::Push(_) => {
                return Err(VaktError::InvalidInput {
                    message: "a push token enrolment code: enrol it with enrol_push".into(),
                });
            }
            Provisioning::Container(_) => {
                return Err(VaktError::InvalidInput {
                    message: "a container registration code: register it with register_container"
                        .into(),
                });
            }
            _ => {}
        }
        match self.with(|s| {
            s.provision(code.provisioning()?, None)
                .map_err(VaktError::from)
        })? {
            Added::Accounts(added) => Ok(added
                .into_iter()
                .map(|a| {
                    let outcome = AddOutcome::from(a.outcome);
                    let id = match outcome {
                        AddOutcome::Added { id } | AddOutcome::AddedLike { id, .. } => id,
                        AddOutcome::Duplicate { existing_id } => existing_id,
                    };
                    ScannedAccountAdded {
                        issuer: a.issuer,
                        account_name: a.name,
                        id,
                        outcome,
                    }
                })
                .collect()),
            Added::PushToken(_) => Err(VaktError::Internal {
                message: "a push token was enrolled without a transport".into(),
            }),
        }
    }
}

/// The codes of one export still to be scanned.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct MissingExportCodes {
    /// The export's batch id.
    pub batch_id: i32,
    /// Codes in the export.
    pub batch_size: u32,
    /// 0-based indices not scanned yet, in order.
    pub missing: Vec<u32>,
}

/// Which codes of a multi-code Google Authenticator export have been scanned:
/// feed it every export code scanned, then ask which are missing.
#[derive(Debug, Default, uniffi::Object)]
pub struct MigrationProgress {
    inner: Mutex<MigrationBatches>,
}

impl MigrationProgress {
    fn batches(&self) -> Result<std::sync::MutexGuard<'_, MigrationBatches>, VaktError> {
        self.inner.lock().map_err(|_| VaktError::Internal {
            message: "migration progress lock poisoned".into(),
        })
    }
}

fn batch_error(e: BatchError) -> VaktError {
    VaktError::InvalidUri {
        field: e.field().to_owned(),
        message: e.to_string(),
    }
}

#[uniffi::export]
impl MigrationProgress {
    /// Nothing scanned yet.
    #[uniffi::constructor]
    pub fn empty() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Records a scanned export code: `true` if it was not seen before, `false`
    /// if scanned again. A code that contradicts its export throws `InvalidUri`
    /// (`batch_index`, `batch_size`) and changes nothing; a code that is not an
    /// export code throws `InvalidInput` (or its own error).
    pub fn feed(&self, code: Arc<ScannedCode>) -> Result<bool, VaktError> {
        let Provisioning::Migration(payload) = code.provisioning()? else {
            return Err(VaktError::InvalidInput {
                message: "not a Google Authenticator export code".into(),
            });
        };
        let fed = self.batches()?.feed(&payload.batch).map_err(batch_error)?;
        Ok(fed == Fed::New)
    }

    /// Every export with codes still missing.
    pub fn missing(&self) -> Result<Vec<MissingExportCodes>, VaktError> {
        Ok(self
            .batches()?
            .missing()
            .into_iter()
            .map(|m| MissingExportCodes {
                batch_id: m.batch_id,
                batch_size: m.batch_size,
                missing: m.missing,
            })
            .collect())
    }

    /// Whether every code of every export fed so far has been scanned.
    pub fn is_complete(&self) -> Result<bool, VaktError> {
        Ok(self.batches()?.is_complete())
    }
}
