//! Registration with a container from a `pia://container/` code — the first
//! phone, or a new phone taking the container over (a rollover code reads the
//! same): a P-384 key from the keystore, the signed finalize, the record kept
//! pending before and registered after (an interrupted registration says so
//! and is replaced by the next code).

use crate::crypto::ecdsa::spki_der_to_pem;
use crate::provision::container_code::ContainerCode;
use crate::push::PushContext;
use crate::rng::random_array;
use crate::vault::{Session, VaultError};

use super::error::ContainerError;
use super::info::{ContainerInfo, RegisterOptions};
use super::protocol::{self, FINALIZE, endpoint_url, signed_message};
use super::record::{ContainerPolicies, ContainerRecord, ContainerState};
use super::request::{INVALID_CHALLENGE, code_of, post};

impl Session {
    /// Registers this vault with the container of `code`: makes its device
    /// key, signs the code's challenge and finalizes with the server. The
    /// tokens arrive with the first [`Session::sync_container`]. A container
    /// of the same serial that is not registered here (moved away, restored
    /// from a backup, interrupted) is registered again under its id, keeping
    /// its tokens, whose secrets the next sync replaces.
    pub fn register_container(
        &self,
        code: &ContainerCode,
        ctx: &PushContext<'_>,
        options: &RegisterOptions,
    ) -> Result<ContainerInfo, ContainerError> {
        // The address rules before anything is made or stored.
        crate::push::transport::endpoint(&code.url, code.ssl_verify, &ctx.policy)?;
        let passphrase = match (&code.passphrase_prompt, &options.passphrase) {
            (Some(prompt), None) => {
                return Err(ContainerError::PassphraseRequired {
                    prompt: prompt.clone(),
                });
            }
            (Some(_), Some(answer)) => Some(answer),
            (None, _) => None,
        };
        let existing = self
            .read(|tx| self.containers_in(tx))?
            .into_iter()
            .find(|(_, r)| r.serial == code.serial);
        if let Some((id, record)) = &existing
            && record.state == ContainerState::Registered
        {
            return Err(ContainerError::AlreadyRegistered {
                id: *id,
                serial: record.serial.clone(),
            });
        }

        let rng = self.services().rng.as_ref();
        let suffix: [u8; 12] = random_array(rng).map_err(VaultError::from)?;
        let alias = format!(
            "vakt-container-{}",
            suffix
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let keystore = self.services().keystore.as_ref();
        let spki = keystore.create_ecdsa_key(&alias)?;
        let undo_key = || {
            let _ = keystore.delete_signing_key(&alias);
        };

        let scope = endpoint_url(&code.url, FINALIZE);
        let brand = options.device_brand.as_deref().unwrap_or("").trim();
        let model = options.device_model.as_deref().unwrap_or("").trim();
        let answer = passphrase.map(|p| p.expose()).unwrap_or("");
        let message = signed_message(
            &[code.nonce.expose(), &code.time, &code.serial, &scope],
            &[brand, model, answer],
            &[],
        );
        let signature = match self.container_signature(&alias, &message) {
            Ok(s) => s,
            Err(e) => {
                undo_key();
                return Err(e);
            }
        };

        // Pending first: a crash from here on leaves a record that says so.
        let mut record = match &existing {
            Some((_, previous)) => ContainerRecord {
                state: ContainerState::Pending,
                key_alias: alias.clone(),
                url: code.url.clone(),
                ssl_verify: code.ssl_verify,
                issuer: code.issuer.clone(),
                ..previous.clone()
            },
            None => ContainerRecord {
                serial: code.serial.clone(),
                issuer: code.issuer.clone(),
                url: code.url.clone(),
                ssl_verify: code.ssl_verify,
                key_alias: alias.clone(),
                state: ContainerState::Pending,
                policies: ContainerPolicies::default(),
                registered_at: 0,
                last_sync: None,
                members: Vec::new(),
            },
        };
        let id = match self.write(|tx| {
            let id = match &existing {
                Some((id, _)) => *id,
                None => tx.next_container_id()?,
            };
            self.put_container(tx, id, &record)?;
            Ok::<_, VaultError>(id)
        }) {
            Ok(id) => id,
            Err(e) => {
                undo_key();
                return Err(e.into());
            }
        };

        let pem = spki_der_to_pem(&spki);
        let mut pairs: Vec<(&str, &str)> = vec![
            ("container_serial", &code.serial),
            ("public_client_key", &pem),
            ("signature", &signature),
        ];
        if !brand.is_empty() {
            pairs.push(("device_brand", brand));
        }
        if !model.is_empty() {
            pairs.push(("device_model", model));
        }
        if code.send_passphrase && !answer.is_empty() {
            // EXPOSE: the user's password goes to the server that asked for it.
            pairs.push(("passphrase", answer));
        }
        let finalized =
            post(ctx, &code.url, code.ssl_verify, FINALIZE, &pairs).and_then(|response| {
                protocol::finalize_reply(&response).map_err(|e| match code_of(&e) {
                    Some(INVALID_CHALLENGE) => ContainerError::RegistrationRefused,
                    _ => e.into(),
                })
            });
        let policies = match finalized {
            Ok(policies) => policies,
            Err(e) => {
                // Undo: put back what was there (or nothing), drop the new key.
                self.write(|tx| {
                    match &existing {
                        Some((id, previous)) => self.put_container(tx, *id, previous)?,
                        None => {
                            tx.delete_container(id)?;
                        }
                    }
                    Ok::<_, VaultError>(())
                })?;
                undo_key();
                return Err(e);
            }
        };
        record.state = ContainerState::Registered;
        record.policies = policies;
        record.registered_at = ctx.now;
        self.write(|tx| self.put_container(tx, id, &record))?;
        if let Some((_, previous)) = &existing
            && previous.key_alias != alias
        {
            let _ = keystore.delete_signing_key(&previous.key_alias);
        }
        Ok(ContainerInfo::new(id, &record))
    }

    /// Every container of the vault, by id.
    pub fn containers(&self) -> Result<Vec<ContainerInfo>, VaultError> {
        Ok(self
            .read(|tx| self.containers_in(tx))?
            .iter()
            .map(|(id, r)| ContainerInfo::new(*id, r))
            .collect())
    }
}
