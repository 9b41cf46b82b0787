//! Lists of otpauth URIs, one per line: Ente Auth's plain-text export, or any
//! text file of URIs. Blank lines and lines starting with `#` are ignored.
//! Ente adds a `codeDisplay` parameter (pinned, trashed, tags): it is ignored
//! like every unknown parameter. `otpauth-migration://` lines (the text of
//! Google Authenticator's export QR codes) import every usable entry; the
//! others are reported by name. Which codes of a multi-code export are missing
//! is reported as a note.

use super::{Format, ImportError, Imported, MAX_ENTRIES, Skipped};

pub(super) fn read(bytes: &[u8], format: Format) -> Result<Imported, ImportError> {
    let text = zeroize::Zeroizing::new(
        String::from_utf8(bytes.to_vec())
            .map_err(|_| ImportError::format(format, "not UTF-8 text"))?,
    );
    let mut out = Imported::default();
    let mut lines = 0;
    let mut batches = crate::provision::google_export::MigrationBatches::default();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        lines += 1;
        let label = format!("line {}", index + 1);
        let lower = line.get(..24).unwrap_or(line).to_ascii_lowercase();
        if lower.starts_with("otpauth-migration://") {
            match crate::provision::google_export::decode_uri(line) {
                Ok(payload) => {
                    if let Err(e) = batches.feed(&payload.batch) {
                        out.notes.push(format!("{label}: {e}"));
                    }
                    out.accounts.extend(payload.accounts);
                    out.unsupported
                        .extend(payload.unusable.iter().map(|u| Skipped {
                            label: format!("{label}: {}", u.label()),
                            reason: u.error.to_string(),
                        }));
                }
                Err(e) => out.unsupported.push(Skipped {
                    label,
                    reason: e.to_string(),
                }),
            }
        } else {
            match crate::provision::uri::parse(line) {
                Ok(account) => out.accounts.push(account),
                Err(e) => out.unsupported.push(Skipped {
                    label,
                    reason: e.to_string(),
                }),
            }
        }
        // A line of 16 KiB can hold thousands of (empty) export entries: stop
        // as soon as the file holds more than any export, not at its end.
        if out.accounts.len().saturating_add(out.unsupported.len()) > MAX_ENTRIES {
            return Err(ImportError::TooLarge);
        }
    }
    out.notes.extend(batches.missing().iter().map(|m| {
        let numbers: Vec<String> = m.missing.iter().map(|i| (i + 1).to_string()).collect();
        format!(
            "Google Authenticator export {}: code(s) {} of {} are missing; scan them too",
            m.batch_id,
            numbers.join(", "),
            m.batch_size
        )
    }));
    if lines == 0 {
        return Err(ImportError::format(format, "no otpauth URIs in it"));
    }
    if out.accounts.is_empty() && !out.unsupported.is_empty() && !text.contains("otpauth") {
        return Err(ImportError::format(format, "no otpauth URIs in it"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts(n: usize) -> Vec<crate::Account> {
        (0..n)
            .map(|i| {
                crate::provision::uri::parse(&format!(
                    "otpauth://totp/Service{i}:user{i}?secret=JBSWY3DPEHPK3PX{}&issuer=Service{i}",
                    char::from(b'A' + u8::try_from(i).unwrap())
                ))
                .unwrap()
            })
            .collect()
    }

    #[test]
    fn google_authenticator_export_lines_import_and_report_missing_codes() {
        let all = accounts(12);
        let plan = crate::transfer::export::google_authenticator::export(&all, 77);
        assert!(
            plan.codes.len() >= 2,
            "the export should need several codes"
        );
        // Only the first code, between an ordinary URI and a comment.
        let text = format!(
            "# my codes\notpauth://totp/Extra:me?secret=KRSXG5CTMVRXEZLU\n{}\n",
            plan.codes[0].uri.expose()
        );
        let got = read(text.as_bytes(), Format::UriList).unwrap();
        let first_batch = plan.codes[0].accounts.len();
        assert_eq!(got.accounts.len(), 1 + first_batch);
        assert_eq!(got.accounts[1], all[0]);
        assert!(got.unsupported.is_empty());
        assert_eq!(got.notes.len(), 1, "{:?}", got.notes);
        assert!(got.notes[0].contains("missing"), "{:?}", got.notes);

        // Every code: everything imports, nothing is missing.
        let text: String = plan
            .codes
            .iter()
            .map(|c| format!("{}\n", c.uri.expose()))
            .collect();
        let got = read(text.as_bytes(), Format::UriList).unwrap();
        assert_eq!(got.accounts, all);
        assert!(got.notes.is_empty(), "{:?}", got.notes);
    }
}
