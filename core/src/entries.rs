//! Entries: the operations the CLI and the apps offer on whatever an id or a
//! scanned code names, across the vault's accounts and push tokens (they share
//! one id space): add what a code holds ([`Session::provision`]), delete by id
//! (as the server of a container allows). This layer sits above the vault,
//! push and containers.

use crate::container::ContainerState;
use crate::provision::Provisioning;
use crate::push::{EnrolOptions, PushContext, PushError, PushTokenInfo};
use crate::vault::{AddOutcome, Session, VaultError};

impl Session {
    /// Deletes an account, or a push token (with its challenges and its device
    /// key). Refused ([`VaultError::DeletionNotAllowed`]) for a token of a
    /// privacyIDEA container registered here whose server's policy forbids
    /// deleting its tokens on the phone.
    pub fn delete(&self, id: u64) -> Result<(), VaultError> {
        if let Some((container, record)) = self.container_of_entry(id)?
            && record.state == ContainerState::Registered
            && record.policies.disable_token_deletion
        {
            return Err(VaultError::DeletionNotAllowed { id, container });
        }
        match self.delete_account(id) {
            Err(VaultError::NoSuchAccount { .. }) => match self.delete_push_token(id)? {
                true => Ok(()),
                false => Err(VaultError::NoSuchAccount { id }),
            },
            other => other,
        }
    }
}

/// One account of a scanned or typed code, and what adding it did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountAdded {
    /// The service, as the code has it.
    pub issuer: String,
    /// The user's name at the service, as the code has it.
    pub name: String,
    /// Added, a duplicate, or added but like another account.
    pub outcome: AddOutcome,
}

impl AccountAdded {
    /// The account's label on screen.
    pub fn display_label(&self) -> String {
        crate::account::display_label(&self.issuer, &self.name)
    }
}

/// What adding a scanned or typed code did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Added {
    /// The accounts it holds (one for an otpauth URI, every usable one of a
    /// Google Authenticator export code), each with its outcome.
    Accounts(Vec<AccountAdded>),
    /// The push token it enrolled.
    PushToken(PushTokenInfo),
}

/// What enrolling a push token from a code needs: the network (the caller's
/// transport, address rules and time) and the enrolment choices.
#[derive(Clone, Copy, Debug)]
pub struct PushSetup<'a> {
    /// Transport, address rules, now.
    pub context: &'a PushContext<'a>,
    /// The notification token and key size.
    pub options: &'a EnrolOptions,
}

impl Session {
    /// Adds what a scanned or typed code holds — the one way the CLI and the
    /// apps add a code: an account; every usable account of a Google
    /// Authenticator export code (one transaction; see `vault::duplicates`
    /// for what is skipped); or a privacyIDEA push token, enrolled with its
    /// server through `push` (refused as invalid input without it).
    pub fn provision(
        &self,
        code: &Provisioning,
        push: Option<PushSetup<'_>>,
    ) -> Result<Added, PushError> {
        let accounts = match code {
            Provisioning::Account(account) => std::slice::from_ref(account),
            Provisioning::Migration(payload) => payload.accounts.as_slice(),
            Provisioning::Push(enrolment) => {
                let setup = push.ok_or_else(|| {
                    VaultError::InvalidInput(
                        "a push token enrolment code needs the network: enrol it with its server"
                            .into(),
                    )
                })?;
                return Ok(Added::PushToken(self.enrol_push(
                    enrolment,
                    setup.context,
                    setup.options,
                )?));
            }
            Provisioning::Container(_) => {
                return Err(VaultError::InvalidInput(
                    "a container registration code: register it with its server (register_container)"
                        .into(),
                )
                .into());
            }
        };
        let outcomes = self.add_all(accounts)?;
        Ok(Added::Accounts(
            accounts
                .iter()
                .zip(outcomes)
                .map(|(account, outcome)| AccountAdded {
                    issuer: account.issuer.clone(),
                    name: account.name.clone(),
                    outcome,
                })
                .collect(),
        ))
    }
}
