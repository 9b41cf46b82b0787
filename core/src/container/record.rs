//! A container as the vault keeps it: one record per container, sealed under
//! the vault key (JSON inside the seal; nothing of it is readable without the
//! PIN), and the read/write helpers every container operation uses.

use serde::{Deserialize, Serialize};

use crate::store::Tx;
use crate::vault::{Session, Unreadable, VaultError};

/// The purpose label of container records sealed under the vault key.
const CONTAINER_RECORD: &[u8] = b"vakt/container/v1/";

/// Where a container stands with this vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContainerState {
    /// Registration was started and not confirmed (interrupted): scan a new
    /// registration code.
    Pending,
    /// Registered with the server: it synchronises.
    Registered,
    /// The server no longer accepts this vault for it: moved to another
    /// phone by a rollover, or unregistered on the server. Its tokens stay.
    NotRegisteredHere,
    /// Restored from a backup: register again (a rollover code) to have its
    /// tokens back in sync.
    NeedsRegistration,
}

impl ContainerState {
    /// A short lower-case name (`registered`, …) for lists and JSON.
    pub fn name(self) -> &'static str {
        match self {
            ContainerState::Pending => "pending",
            ContainerState::Registered => "registered",
            ContainerState::NotRegisteredHere => "not-registered-here",
            ContainerState::NeedsRegistration => "needs-registration",
        }
    }
}

/// The server's policies for the phone, from the last answer that carried
/// them (docs/containers.md, "Policies the server sends").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerPolicies {
    /// The phone may ask for a rollover code.
    pub client_rollover: bool,
    /// On the first sync, tokens the phone holds move into the container.
    pub initially_add_tokens: bool,
    /// The user must not delete the container's tokens on the phone.
    pub disable_token_deletion: bool,
    /// The user must not unregister the container on the phone.
    pub disable_unregister: bool,
}

/// What kind of vault entry a container token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemberKind {
    /// A TOTP/HOTP account.
    Account,
    /// A push token.
    Push,
}

/// One token of the container, as this vault holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The token's serial at the server.
    pub serial: String,
    /// privacyIDEA's token type (`totp`, `hotp`, `push`, …).
    pub tokentype: String,
    /// Account or push token.
    pub kind: MemberKind,
    /// The vault entry's id (account or push token).
    pub entry_id: u64,
    /// The server no longer lists it in the container (it stays in the vault).
    pub removed: bool,
}

/// A container record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerRecord {
    /// The container's serial (`SMPH…`).
    pub serial: String,
    /// Who issued it.
    pub issuer: String,
    /// The server's base URL from the registration code, verbatim.
    pub url: String,
    /// Whether the server asked for its TLS certificate to be verified.
    pub ssl_verify: bool,
    /// The alias of the container's P-384 key in the device keystore.
    pub key_alias: String,
    /// Where it stands.
    pub state: ContainerState,
    /// The server's policies.
    pub policies: ContainerPolicies,
    /// When it was registered here (Unix seconds; 0 if never).
    pub registered_at: u64,
    /// When it last synchronised (Unix seconds).
    pub last_sync: Option<u64>,
    /// Its tokens in this vault.
    pub members: Vec<Member>,
}

fn damaged() -> VaultError {
    VaultError::Unreadable(Unreadable::Damaged)
}

impl Session {
    fn open_container(&self, id: u64, sealed: &[u8]) -> Result<ContainerRecord, VaultError> {
        let plain = self.open(CONTAINER_RECORD, &[&id.to_be_bytes()], sealed)?;
        serde_json::from_slice(&plain).map_err(|_| damaged())
    }

    /// Every container record, by id (inside `tx`).
    pub(super) fn containers_in(
        &self,
        tx: &Tx<'_>,
    ) -> Result<Vec<(u64, ContainerRecord)>, VaultError> {
        tx.containers()?
            .into_iter()
            .map(|(id, sealed)| Ok((id, self.open_container(id, &sealed)?)))
            .collect()
    }

    /// Container `id` (inside `tx`).
    pub(super) fn container_in(
        &self,
        tx: &Tx<'_>,
        id: u64,
    ) -> Result<Option<ContainerRecord>, VaultError> {
        Ok(self
            .containers_in(tx)?
            .into_iter()
            .find(|(i, _)| *i == id)
            .map(|(_, r)| r))
    }

    /// Stores `record` as container `id` (inside `tx`).
    pub(super) fn put_container(
        &self,
        tx: &Tx<'_>,
        id: u64,
        record: &ContainerRecord,
    ) -> Result<(), VaultError> {
        let plain = zeroize::Zeroizing::new(
            serde_json::to_vec(record).map_err(|e| VaultError::InvalidInput(e.to_string()))?,
        );
        let sealed = self.seal(CONTAINER_RECORD, &[&id.to_be_bytes()], &plain)?;
        Ok(tx.put_container(id, &sealed)?)
    }

    /// Stores `record` as container `id` (a restore, inside its transaction).
    pub(crate) fn put_container_record(
        &self,
        tx: &Tx<'_>,
        id: u64,
        record: &ContainerRecord,
    ) -> Result<(), VaultError> {
        self.put_container(tx, id, record)
    }

    /// Every container's record for a backup (JSON), its tokens' entry ids
    /// replaced by the ids a restore gives them: `restored_ids[i]` is the
    /// entry a restore numbers `i + 1`. Tokens whose entries are gone are
    /// left out. The device key's alias is left out (the key stays here).
    pub(crate) fn container_backup_records(
        &self,
        restored_ids: &[u64],
    ) -> Result<Vec<zeroize::Zeroizing<Vec<u8>>>, VaultError> {
        let containers = self.read(|tx| self.containers_in(tx))?;
        let mut out = Vec::with_capacity(containers.len());
        for (_, mut record) in containers {
            record.key_alias = String::new();
            record.members = record
                .members
                .into_iter()
                .filter_map(|mut m| {
                    let index = restored_ids.iter().position(|id| *id == m.entry_id)?;
                    m.entry_id = u64::try_from(index).ok()?.checked_add(1)?;
                    Some(m)
                })
                .collect();
            out.push(zeroize::Zeroizing::new(
                serde_json::to_vec(&record).map_err(|e| VaultError::InvalidInput(e.to_string()))?,
            ));
        }
        Ok(out)
    }

    /// The container whose tokens include vault entry `entry_id`, if any.
    pub(crate) fn container_of_entry(
        &self,
        entry_id: u64,
    ) -> Result<Option<(u64, ContainerRecord)>, VaultError> {
        Ok(self
            .read(|tx| self.containers_in(tx))?
            .into_iter()
            .find(|(_, r)| {
                r.members
                    .iter()
                    .any(|m| m.entry_id == entry_id && !m.removed)
            }))
    }
}
