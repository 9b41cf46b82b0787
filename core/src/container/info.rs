//! What container operations return: containers as listed, registration
//! options and synchronisation reports.

use crate::secret::SecretString;

use super::record::{ContainerPolicies, ContainerRecord, ContainerState, Member};

/// A container as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerInfo {
    /// Id within the vault (its own id space, not shared with accounts).
    pub id: u64,
    /// The container's serial (`SMPH…`).
    pub serial: String,
    /// Who issued it.
    pub issuer: String,
    /// The server's base URL.
    pub url: String,
    /// Where it stands.
    pub state: ContainerState,
    /// The server's policies for the phone.
    pub policies: ContainerPolicies,
    /// When it was registered here (Unix seconds; 0 if never).
    pub registered_at: u64,
    /// When it last synchronised (Unix seconds).
    pub last_sync: Option<u64>,
    /// Its tokens in this vault.
    pub tokens: Vec<Member>,
}

impl ContainerInfo {
    pub(super) fn new(id: u64, record: &ContainerRecord) -> Self {
        Self {
            id,
            serial: record.serial.clone(),
            issuer: record.issuer.clone(),
            url: record.url.clone(),
            state: record.state,
            policies: record.policies,
            registered_at: record.registered_at,
            last_sync: record.last_sync,
            tokens: record.members.clone(),
        }
    }
}

/// What a registration sends besides the key: the answer to the code's
/// passphrase prompt, and the device's name (both optional).
#[derive(Clone, Debug, Default)]
pub struct RegisterOptions {
    /// The answer to the registration code's passphrase prompt.
    pub passphrase: Option<SecretString>,
    /// The device's brand (`device_brand`), shown to the server's admin.
    pub device_brand: Option<String>,
    /// The device's model (`device_model`).
    pub device_model: Option<String>,
}

/// One token a synchronisation reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncedToken {
    /// The token's serial at the server.
    pub serial: String,
    /// privacyIDEA's token type.
    pub tokentype: String,
    /// The vault entry (account or push token id).
    pub entry_id: u64,
}

/// A token the server sent that could not be added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedToken {
    /// The token's serial, if it could be read.
    pub serial: String,
    /// Why (no secret in it).
    pub reason: String,
}

/// What one synchronisation changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncReport {
    /// The container's id.
    pub container_id: u64,
    /// Tokens added or replaced with a fresh secret from the server.
    pub added: Vec<SyncedToken>,
    /// Tokens the server still lists (unchanged here).
    pub updated: Vec<SyncedToken>,
    /// Tokens the server no longer lists in the container; they stay in the
    /// vault (nothing is deleted silently).
    pub removed: Vec<SyncedToken>,
    /// Tokens the server sent that could not be added (e.g. a type Vakt does
    /// not support, or a push enrolment that failed): the next sync tries
    /// again.
    pub failed: Vec<FailedToken>,
}
