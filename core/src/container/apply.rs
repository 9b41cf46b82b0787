//! Synchronisation, the vault side: the server's added tokens read (accounts
//! and push enrolment codes), push tokens enrolled through the push code,
//! then every change to accounts and to the container's record in one
//! transaction. A token the server sends anew replaces the copy here (same
//! id, the user's names kept): the server made a new secret, the old one no
//! longer works.

use crate::account::{Account, OtpKind};
use crate::provision::push_enrolment::PushEnrolment;
use crate::provision::{Provisioning, classify};
use crate::push::PushContext;
use crate::push::info::EnrolOptions;
use crate::vault::Session;

use super::error::ContainerError;
use super::info::{FailedToken, SyncReport, SyncedToken};
use super::protocol::ServerDict;
use super::record::{ContainerPolicies, ContainerState, Member, MemberKind};

/// A token the server added, read.
enum Added {
    Account {
        serial: String,
        tokentype: String,
        account: Box<Account>,
    },
    Push(Box<PushEnrolment>),
}

/// The `serial` parameter of an enrolment URL, else its label.
fn serial_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    parsed
        .query_pairs()
        .find(|(k, _)| k == "serial")
        .map(|(_, v)| v.into_owned())
        .or_else(|| {
            let label = parsed.path().trim_start_matches('/');
            percent_encoding::percent_decode_str(label)
                .decode_utf8()
                .ok()
                .map(|l| l.into_owned())
        })
        .filter(|s| !s.is_empty() && s.len() <= 128)
}

fn tokentype(account: &Account) -> &'static str {
    match account.params.kind {
        OtpKind::Totp { .. } => "totp",
        OtpKind::Hotp { .. } => "hotp",
        OtpKind::Steam => "steam",
    }
}

fn read_added(dict: &ServerDict) -> (Vec<Added>, Vec<FailedToken>) {
    let mut added = Vec::new();
    let mut failed = Vec::new();
    for url in &dict.add {
        let serial = serial_of(url.expose());
        match classify(url.expose()) {
            Ok(Provisioning::Account(account)) => match serial {
                Some(serial) => added.push(Added::Account {
                    serial,
                    tokentype: tokentype(&account).to_owned(),
                    account: Box::new(account),
                }),
                None => failed.push(FailedToken {
                    serial: String::new(),
                    reason: "the token has no serial".into(),
                }),
            },
            Ok(Provisioning::Push(enrolment)) => added.push(Added::Push(enrolment)),
            Ok(_) => failed.push(FailedToken {
                serial: serial.unwrap_or_default(),
                reason: "not a single token".into(),
            }),
            Err(e) => failed.push(FailedToken {
                serial: serial.unwrap_or_default(),
                reason: e.to_string(),
            }),
        }
    }
    (added, failed)
}

fn upsert(members: &mut Vec<Member>, member: Member) {
    match members.iter_mut().find(|m| m.serial == member.serial) {
        Some(m) => *m = member,
        None => members.push(member),
    }
}

impl Session {
    /// Applies a synchronisation's answer to container `id`.
    pub(super) fn apply_sync(
        &self,
        id: u64,
        dict: ServerDict,
        policies: Option<ContainerPolicies>,
        ctx: &PushContext<'_>,
        enrol: &EnrolOptions,
    ) -> Result<SyncReport, ContainerError> {
        let (added, mut failed) = read_added(&dict);
        // Push tokens first: each enrolment talks to the server and keeps its
        // own records (pending, then enrolled), as for a scanned code. One that
        // fails is not listed next time, so the server sends it again.
        let mut pushes = Vec::new();
        let mut accounts = Vec::new();
        for item in added {
            match item {
                Added::Push(enrolment) => match self.enrol_push_replacing(&enrolment, ctx, enrol) {
                    Ok(info) => pushes.push(SyncedToken {
                        serial: enrolment.serial.clone(),
                        tokentype: "push".into(),
                        entry_id: info.id,
                    }),
                    Err(e) => failed.push(FailedToken {
                        serial: enrolment.serial.clone(),
                        reason: e.to_string(),
                    }),
                },
                Added::Account {
                    serial,
                    tokentype,
                    account,
                } => accounts.push((serial, tokentype, account)),
            }
        }

        let report = self.write(|tx| {
            let mut record = self
                .container_in(tx, id)?
                .ok_or(ContainerError::NoSuchContainer { id })?;
            let mut report = SyncReport {
                container_id: id,
                added: Vec::new(),
                updated: Vec::new(),
                removed: Vec::new(),
                failed: Vec::new(),
            };
            for (serial, tokentype, account) in accounts {
                let here = record
                    .members
                    .iter()
                    .find(|m| m.serial == serial && m.kind == MemberKind::Account)
                    .map(|m| m.entry_id);
                let row = match here {
                    Some(entry) => tx.account(entry)?,
                    None => None,
                };
                let entry_id = match row {
                    Some(row) => {
                        // A new secret for a token here: keep the user's names.
                        let old = self.open_row(&row)?;
                        let new = Account {
                            issuer: old.issuer,
                            name: old.name,
                            params: account.params.clone(),
                        };
                        tx.put_account(&self.seal_row(row.id, row.position, &new)?)?;
                        row.id
                    }
                    None => {
                        let entry = tx.next_account_id()?;
                        tx.put_account(&self.seal_row(entry, tx.next_position()?, &account)?)?;
                        entry
                    }
                };
                upsert(
                    &mut record.members,
                    Member {
                        serial: serial.clone(),
                        tokentype: tokentype.clone(),
                        kind: MemberKind::Account,
                        entry_id,
                        removed: false,
                    },
                );
                report.added.push(SyncedToken {
                    serial,
                    tokentype,
                    entry_id,
                });
            }
            for push in &pushes {
                upsert(
                    &mut record.members,
                    Member {
                        serial: push.serial.clone(),
                        tokentype: push.tokentype.clone(),
                        kind: MemberKind::Push,
                        entry_id: push.entry_id,
                        removed: false,
                    },
                );
                report.added.push(push.clone());
            }
            let added: Vec<String> = report.added.iter().map(|t| t.serial.clone()).collect();
            for member in &mut record.members {
                let token = SyncedToken {
                    serial: member.serial.clone(),
                    tokentype: member.tokentype.clone(),
                    entry_id: member.entry_id,
                };
                if added.contains(&member.serial) {
                    continue;
                }
                if dict.update.iter().any(|u| u.serial == member.serial) {
                    member.removed = false;
                    report.updated.push(token);
                } else if !member.removed {
                    member.removed = true;
                    report.removed.push(token);
                }
            }
            if let Some(policies) = policies {
                record.policies = policies;
            }
            record.last_sync = Some(ctx.now);
            record.state = ContainerState::Registered;
            self.put_container(tx, id, &record)?;
            Ok::<_, ContainerError>(report)
        })?;
        Ok(SyncReport { failed, ..report })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_come_from_the_parameter_or_the_label() {
        assert_eq!(
            serial_of("otpauth://totp/TOTP0000F885?secret=AAAA&serial=TOTP0000F885").as_deref(),
            Some("TOTP0000F885")
        );
        assert_eq!(
            serial_of("otpauth://hotp/OATH1?secret=AAAA").as_deref(),
            Some("OATH1")
        );
        assert_eq!(serial_of("not a url"), None);
    }
}
