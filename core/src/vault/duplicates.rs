//! When an account is already in the vault. One rule for every way accounts
//! come in — typed or scanned, Google Authenticator exports, imports from
//! other apps:
//!
//! - **the same codes and the same names** (key, kind, algorithm, digits,
//!   period or HOTP counter; issuer and account name): a duplicate, not added
//!   again;
//! - **the same codes under other names**: added, and reported as looking
//!   like the other one — perhaps the same account renamed, perhaps two
//!   accounts sharing a key; the user decides, nothing is dropped;
//! - anything that gives different codes (another algorithm, digit count,
//!   period or counter on the same key) is a different account.

use crate::account::{Account, OtpKind};

/// Whether `a` and `b` give the same codes at every moment.
pub(super) fn same_codes(a: &Account, b: &Account) -> bool {
    let same_kind = match (a.params.kind, b.params.kind) {
        (OtpKind::Totp { period: x }, OtpKind::Totp { period: y }) => x == y,
        (OtpKind::Hotp { counter: x }, OtpKind::Hotp { counter: y }) => x == y,
        (OtpKind::Steam, OtpKind::Steam) => true,
        _ => false,
    };
    same_kind
        && a.params.algorithm == b.params.algorithm
        && a.params.digits == b.params.digits
        && a.params.secret == b.params.secret
}

/// How a new account relates to one already there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Likeness {
    /// Same codes, same names: a duplicate.
    Duplicate,
    /// Same codes, other names.
    SameCodes,
    /// Different codes.
    Different,
}

/// How `new` relates to `existing`.
pub(super) fn likeness(new: &Account, existing: &Account) -> Likeness {
    if !same_codes(new, existing) {
        Likeness::Different
    } else if new.issuer == existing.issuer && new.name == existing.name {
        Likeness::Duplicate
    } else {
        Likeness::SameCodes
    }
}

/// Among `known` (id, account), the one `new` duplicates, else the first that
/// gives the same codes under other names.
pub(super) fn find_like<'a>(
    new: &Account,
    known: impl IntoIterator<Item = &'a (u64, Account)>,
) -> Option<(u64, Likeness)> {
    let mut same_codes = None;
    for (id, existing) in known {
        match likeness(new, existing) {
            Likeness::Duplicate => return Some((*id, Likeness::Duplicate)),
            Likeness::SameCodes if same_codes.is_none() => {
                same_codes = Some((*id, Likeness::SameCodes));
            }
            _ => {}
        }
    }
    same_codes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(uri: &str) -> Account {
        crate::provision::uri::parse(uri).unwrap()
    }

    #[test]
    fn one_rule_for_duplicates_and_look_alikes() {
        let base = "otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP";
        // (the new account, how it relates to `base`)
        let cases = [
            (
                "otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP",
                Likeness::Duplicate,
            ),
            (
                "otpauth://totp/A:a?secret=jbswy3dpehpk3pxp&period=30",
                Likeness::Duplicate,
            ),
            (
                "otpauth://totp/B:b?secret=JBSWY3DPEHPK3PXP",
                Likeness::SameCodes,
            ),
            (
                "otpauth://totp/A:other?secret=JBSWY3DPEHPK3PXP",
                Likeness::SameCodes,
            ),
            (
                "otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP&period=60",
                Likeness::Different,
            ),
            (
                "otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP&digits=8",
                Likeness::Different,
            ),
            (
                "otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP&algorithm=SHA256",
                Likeness::Different,
            ),
            (
                "otpauth://hotp/A:a?secret=JBSWY3DPEHPK3PXP&counter=0",
                Likeness::Different,
            ),
            (
                "otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXQ",
                Likeness::Different,
            ),
        ];
        for (uri, want) in cases {
            assert_eq!(likeness(&account(uri), &account(base)), want, "{uri}");
        }
        let hotp = account("otpauth://hotp/A:a?secret=JBSWY3DPEHPK3PXP&counter=4");
        let later = account("otpauth://hotp/A:a?secret=JBSWY3DPEHPK3PXP&counter=5");
        assert_eq!(likeness(&hotp, &hotp.clone()), Likeness::Duplicate);
        assert_eq!(likeness(&later, &hotp), Likeness::Different);
    }

    #[test]
    fn a_duplicate_wins_over_a_look_alike() {
        let known = vec![
            (1, account("otpauth://totp/B:b?secret=JBSWY3DPEHPK3PXP")),
            (2, account("otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP")),
        ];
        let new = account("otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP");
        assert_eq!(find_like(&new, &known), Some((2, Likeness::Duplicate)));
        let renamed = account("otpauth://totp/C:c?secret=JBSWY3DPEHPK3PXP");
        assert_eq!(find_like(&renamed, &known), Some((1, Likeness::SameCodes)));
        let other = account("otpauth://totp/C:c?secret=JBSWY3DPEHPK3PXQ");
        assert_eq!(find_like(&other, &known), None);
    }
}
