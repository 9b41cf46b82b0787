//! privacyIDEA smartphone containers at the FFI: the scanned registration
//! code's details, register (with the passphrase the code asks for), sync,
//! list, unregister. Thin: convert, call the core, map errors.

use std::sync::Arc;
use std::time::SystemTime;

use vakt_core::container as core;
use vakt_core::provision::Provisioning;
use vakt_core::push::EnrolOptions;
use vakt_core::secret::SecretString;

use crate::VaktError;
use crate::args::container_id;
use crate::convert::{id_out, time_out};
use crate::platform::{ForeignTransport, HttpTransport};
use crate::push::push_context;
use crate::scan::ScannedCode;
use crate::vault::Session;

/// Where a container stands with this vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ContainerState {
    /// Registration was interrupted: scan a new registration code.
    Pending,
    /// Registered: it synchronises.
    Registered,
    /// The server no longer accepts this vault for it (moved to another phone
    /// by a rollover, or unregistered on the server). Its tokens stay.
    NotRegisteredHere,
    /// Restored from a backup: scan a rollover code to register again.
    NeedsRegistration,
}

impl From<core::ContainerState> for ContainerState {
    fn from(s: core::ContainerState) -> Self {
        match s {
            core::ContainerState::Pending => Self::Pending,
            core::ContainerState::Registered => Self::Registered,
            core::ContainerState::NotRegisteredHere => Self::NotRegisteredHere,
            core::ContainerState::NeedsRegistration => Self::NeedsRegistration,
        }
    }
}

/// The server's policies for the phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ContainerPolicies {
    /// The phone may ask for a rollover code.
    pub client_rollover: bool,
    /// On the first sync, tokens the phone holds move into the container.
    pub initially_add_tokens: bool,
    /// Deleting the container's tokens on the phone is not allowed (the
    /// vault refuses it: `DeletionNotAllowed`).
    pub disable_token_deletion: bool,
    /// Unregistering on the phone is not allowed.
    pub disable_unregister: bool,
}

impl From<core::ContainerPolicies> for ContainerPolicies {
    fn from(p: core::ContainerPolicies) -> Self {
        Self {
            client_rollover: p.client_rollover,
            initially_add_tokens: p.initially_add_tokens,
            disable_token_deletion: p.disable_token_deletion,
            disable_unregister: p.disable_unregister,
        }
    }
}

/// What kind of vault entry a container token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ContainerTokenKind {
    /// A TOTP/HOTP account (an id of `accounts()`).
    Account,
    /// A push token (an id of `push_tokens()`).
    Push,
}

/// One token of a container, as this vault holds it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ContainerToken {
    /// The token's serial at the server.
    pub serial: String,
    /// privacyIDEA's token type (`totp`, `hotp`, `push`).
    pub token_type: String,
    /// Account or push token.
    pub kind: ContainerTokenKind,
    /// The account's or push token's id.
    pub entry_id: i64,
    /// The server no longer lists it in the container (it stays here).
    pub removed: bool,
}

impl From<&core::Member> for ContainerToken {
    fn from(m: &core::Member) -> Self {
        Self {
            serial: m.serial.clone(),
            token_type: m.tokentype.clone(),
            kind: match m.kind {
                core::MemberKind::Account => ContainerTokenKind::Account,
                core::MemberKind::Push => ContainerTokenKind::Push,
            },
            entry_id: id_out(m.entry_id),
            removed: m.removed,
        }
    }
}

/// A container as listed.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Container {
    /// Id within the vault (its own id space).
    pub id: i64,
    /// The container's serial.
    pub serial: String,
    /// Who issued it.
    pub issuer: String,
    /// The server.
    pub server_url: String,
    /// Where it stands.
    pub state: ContainerState,
    /// The server's policies for the phone.
    pub policies: ContainerPolicies,
    /// When it was registered here.
    pub registered_at: Option<SystemTime>,
    /// When it last synchronised.
    pub last_sync: Option<SystemTime>,
    /// Its tokens.
    pub tokens: Vec<ContainerToken>,
}

impl From<&core::ContainerInfo> for Container {
    fn from(c: &core::ContainerInfo) -> Self {
        Self {
            id: id_out(c.id),
            serial: c.serial.clone(),
            issuer: c.issuer.clone(),
            server_url: c.url.clone(),
            state: c.state.into(),
            policies: c.policies.into(),
            registered_at: (c.registered_at > 0).then(|| time_out(c.registered_at)),
            last_sync: c.last_sync.map(time_out),
            tokens: c.tokens.iter().map(ContainerToken::from).collect(),
        }
    }
}

/// One token a synchronisation reported.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SyncedToken {
    /// Its serial at the server.
    pub serial: String,
    /// privacyIDEA's token type.
    pub token_type: String,
    /// The account's or push token's id.
    pub entry_id: i64,
}

impl From<&core::SyncedToken> for SyncedToken {
    fn from(t: &core::SyncedToken) -> Self {
        Self {
            serial: t.serial.clone(),
            token_type: t.tokentype.clone(),
            entry_id: id_out(t.entry_id),
        }
    }
}

/// A token the server sent that could not be added (tried again next sync).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct FailedToken {
    /// Its serial, if it could be read.
    pub serial: String,
    /// Why.
    pub reason: String,
}

/// What one synchronisation changed.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ContainerSyncReport {
    /// The container.
    pub container_id: i64,
    /// Tokens added or given a fresh secret.
    pub added: Vec<SyncedToken>,
    /// Tokens the server still lists.
    pub updated: Vec<SyncedToken>,
    /// Tokens the server no longer lists (kept in the vault).
    pub removed: Vec<SyncedToken>,
    /// Tokens that could not be added.
    pub failed: Vec<FailedToken>,
}

impl From<&core::SyncReport> for ContainerSyncReport {
    fn from(r: &core::SyncReport) -> Self {
        let list = |v: &[core::SyncedToken]| v.iter().map(SyncedToken::from).collect();
        Self {
            container_id: id_out(r.container_id),
            added: list(&r.added),
            updated: list(&r.updated),
            removed: list(&r.removed),
            failed: r
                .failed
                .iter()
                .map(|f| FailedToken {
                    serial: f.serial.clone(),
                    reason: f.reason.clone(),
                })
                .collect(),
        }
    }
}

#[uniffi::export]
impl Session {
    /// Registers this vault with the container of a scanned
    /// `pia://container/` code (a registration or a rollover code): makes a
    /// P-384 key in the device keystore (`create_ecdsa_key`), signs the code's
    /// challenge and finalizes with the server through `transport`. Then call
    /// `sync_container` for its tokens. `passphrase` answers the code's
    /// prompt (`PassphraseRequired` without one); `device_model` is shown to
    /// the server's admin. Throws `InvalidInput` for a code that is not a
    /// container registration.
    pub fn register_container(
        &self,
        code: Arc<ScannedCode>,
        passphrase: Option<String>,
        device_brand: Option<String>,
        device_model: Option<String>,
        transport: Arc<dyn HttpTransport>,
        allow_insecure: bool,
    ) -> Result<Container, VaktError> {
        let Provisioning::Container(container) = code.provisioning()? else {
            return Err(VaktError::InvalidInput {
                message: "not a container registration code".into(),
            });
        };
        let transport = ForeignTransport(transport);
        let ctx = push_context(&transport, allow_insecure, self.now());
        let options = core::RegisterOptions {
            passphrase: passphrase.map(SecretString::new),
            device_brand,
            device_model,
        };
        self.with(|s| s.register_container(container, &ctx, &options))
            .map(|c| Container::from(&c))
    }

    /// Synchronises container `id` with its server: tokens it added arrive
    /// (accounts; push tokens enrolled with `notification_token`), tokens it
    /// no longer lists are reported removed and kept. Throws
    /// `ContainerNotRegisteredHere` when the server no longer accepts this
    /// vault for it (then marked so).
    pub fn sync_container(
        &self,
        id: i64,
        transport: Arc<dyn HttpTransport>,
        allow_insecure: bool,
        notification_token: Option<String>,
    ) -> Result<ContainerSyncReport, VaktError> {
        let id = container_id(id)?;
        let transport = ForeignTransport(transport);
        let ctx = push_context(&transport, allow_insecure, self.now());
        let options = EnrolOptions {
            notification_token: notification_token.unwrap_or_default(),
            ..EnrolOptions::default()
        };
        self.with(|s| s.sync_container(id, &ctx, &options))
            .map(|r| ContainerSyncReport::from(&r))
    }

    /// Every container of the vault, by id.
    pub fn containers(&self) -> Result<Vec<Container>, VaktError> {
        let list = self.with(|s| s.containers())?;
        Ok(list.iter().map(Container::from).collect())
    }

    /// Unregisters container `id` from its server and forgets it here; its
    /// tokens stay. Throws `NotAllowedByServer` when the server's policy
    /// forbids it.
    pub fn unregister_container(
        &self,
        id: i64,
        transport: Arc<dyn HttpTransport>,
        allow_insecure: bool,
    ) -> Result<(), VaktError> {
        let id = container_id(id)?;
        let transport = ForeignTransport(transport);
        let ctx = push_context(&transport, allow_insecure, self.now());
        self.with(|s| s.unregister_container(id, &ctx))
    }
}
