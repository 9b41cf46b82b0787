//! Unregistering from the phone: a signed request under a fresh challenge,
//! then the container's record and key are dropped. Its tokens stay in the
//! vault (and keep working: privacyIDEA leaves them as they are).

use crate::push::PushContext;
use crate::vault::{Session, VaultError};

use super::error::ContainerError;
use super::protocol::{self, TERMINATE};
use super::record::ContainerState;
use super::request::{INVALID_CHALLENGE, NOT_REGISTERED, POLICY, code_of};

impl Session {
    /// Unregisters container `id` from its server and forgets it here; its
    /// tokens stay. Refused with [`ContainerError::NotAllowed`] when the
    /// server's policy forbids it. A container the server no longer has as
    /// this vault's (moved away, unregistered there) is only forgotten here.
    pub fn unregister_container(
        &self,
        id: u64,
        ctx: &PushContext<'_>,
    ) -> Result<(), ContainerError> {
        let record = self
            .read(|tx| self.container_in(tx, id))?
            .ok_or(ContainerError::NoSuchContainer { id })?;
        if record.state == ContainerState::Registered {
            if record.policies.disable_unregister {
                return Err(ContainerError::NotAllowed {
                    action: "unregister",
                });
            }
            let outcome = self
                .signed_request(id, &record, TERMINATE, &[], &[], ctx)
                .and_then(|response| {
                    protocol::finalize_reply(&response).map_err(|e| match code_of(&e) {
                        Some(NOT_REGISTERED | INVALID_CHALLENGE) => {
                            ContainerError::NotRegisteredHere { id }
                        }
                        Some(POLICY) => ContainerError::NotAllowed {
                            action: "unregister",
                        },
                        _ => e.into(),
                    })
                });
            match outcome {
                Ok(_) | Err(ContainerError::NotRegisteredHere { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        self.write(|tx| {
            tx.delete_container(id)?;
            Ok::<_, VaultError>(())
        })?;
        let _ = self
            .services()
            .keystore
            .delete_signing_key(&record.key_alias);
        Ok(())
    }
}
