//! Synchronisation, the network side: a challenge, the vault's token list
//! signed with the container's key and a fresh X25519 key, and the server's
//! answer decrypted with it. A server that no longer accepts this vault
//! (rollover elsewhere, unregistered there) marks the container so; nothing
//! is deleted.

use crate::crypto::sync_cipher::SyncKeyPair;
use crate::push::PushContext;
use crate::push::info::EnrolOptions;
use crate::vault::{Session, VaultError};

use super::error::ContainerError;
use super::info::SyncReport;
use super::protocol::{self, SYNCHRONIZE, ServerDict, b64, client_dict, server_dict};
use super::record::{ContainerPolicies, ContainerRecord, ContainerState, MemberKind};
use super::request::{INVALID_CHALLENGE, NOT_REGISTERED, code_of};

impl Session {
    /// Synchronises container `id` with its server: tokens the server added
    /// arrive (accounts, and push tokens enrolled through the push code with
    /// `enrol`), tokens it no longer lists are reported removed (they stay),
    /// and its policies are kept — the vault's changes in one transaction.
    /// [`ContainerError::NotRegisteredHere`] if the server no longer accepts
    /// this vault for it (the container is then marked so).
    pub fn sync_container(
        &self,
        id: u64,
        ctx: &PushContext<'_>,
        enrol: &EnrolOptions,
    ) -> Result<SyncReport, ContainerError> {
        let record = self
            .read(|tx| self.container_in(tx, id))?
            .ok_or(ContainerError::NoSuchContainer { id })?;
        if !matches!(
            record.state,
            ContainerState::Registered | ContainerState::NotRegisteredHere
        ) {
            return Err(ContainerError::NotRegisteredHere { id });
        }
        match self.sync_exchange(id, &record, ctx) {
            Ok((dict, policies)) => self.apply_sync(id, dict, policies, ctx, enrol),
            Err(e @ ContainerError::NotRegisteredHere { .. }) => {
                self.set_container_state(id, ContainerState::NotRegisteredHere)?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// The tokens of `record` still in the vault, as (serial, token type).
    fn listed_members(
        &self,
        record: &ContainerRecord,
    ) -> Result<Vec<(String, String)>, VaultError> {
        let (accounts, pushes) = self.read(|tx| {
            let accounts: Vec<u64> = tx.accounts()?.iter().map(|r| r.id).collect();
            let pushes: Vec<u64> = tx.push_tokens()?.iter().map(|(id, _)| *id).collect();
            Ok::<_, VaultError>((accounts, pushes))
        })?;
        Ok(record
            .members
            .iter()
            .filter(|m| !m.removed)
            .filter(|m| match m.kind {
                MemberKind::Account => accounts.contains(&m.entry_id),
                MemberKind::Push => pushes.contains(&m.entry_id),
            })
            .map(|m| (m.serial.clone(), m.tokentype.clone()))
            .collect())
    }

    fn sync_exchange(
        &self,
        id: u64,
        record: &ContainerRecord,
        ctx: &PushContext<'_>,
    ) -> Result<(ServerDict, Option<ContainerPolicies>), ContainerError> {
        let listed = self.listed_members(record)?;
        let keys = SyncKeyPair::generate(self.services().rng.as_ref()).map_err(VaultError::from)?;
        let public = b64(&keys.public_key());
        let dict = client_dict(
            &record.serial,
            listed.iter().map(|(s, t)| (s.as_str(), t.as_str())),
        );
        let response = self.signed_request(
            id,
            record,
            SYNCHRONIZE,
            &[&public, &dict],
            &[
                ("public_enc_key_client", &public),
                ("container_dict_client", &dict),
            ],
            ctx,
        )?;
        let answer = protocol::sync_reply(&response).map_err(|e| match code_of(&e) {
            // The challenge was fresh and ours: a refused signature means the
            // server holds another phone's key now (privacyIDEA says nothing
            // more specific).
            Some(NOT_REGISTERED | INVALID_CHALLENGE) => ContainerError::NotRegisteredHere { id },
            _ => e.into(),
        })?;
        let plain = keys
            .open(
                &answer.server_public,
                &answer.iv,
                &answer.ciphertext,
                &answer.tag,
            )
            .map_err(|_| ContainerError::UnexpectedReply("not encrypted to this sync's key"))?;
        let dict =
            server_dict(plain.expose(), &record.serial).map_err(ContainerError::UnexpectedReply)?;
        Ok((dict, answer.policies))
    }

    /// Sets container `id`'s state.
    pub(super) fn set_container_state(
        &self,
        id: u64,
        state: ContainerState,
    ) -> Result<(), VaultError> {
        self.write(|tx| {
            if let Some(mut record) = self.container_in(tx, id)? {
                record.state = state;
                self.put_container(tx, id, &record)?;
            }
            Ok(())
        })
    }
}
