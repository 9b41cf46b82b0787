//! Lists of otpauth URIs, one per line: Ente Auth's plain-text export, or any
//! text file of URIs. Blank lines and lines starting with `#` are ignored.
//! Ente adds a `codeDisplay` parameter (pinned, trashed, tags): it is ignored
//! like every unknown parameter. `otpauth-migration://` lines (Google
//! Authenticator's export QR codes) are reported as not supported yet.

use super::{Format, ImportError, Imported, Skipped};

pub(super) fn read(bytes: &[u8], format: Format) -> Result<Imported, ImportError> {
    let text = zeroize::Zeroizing::new(
        String::from_utf8(bytes.to_vec())
            .map_err(|_| ImportError::format(format, "not UTF-8 text"))?,
    );
    let mut out = Imported::default();
    let mut lines = 0;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        lines += 1;
        let label = format!("line {}", index + 1);
        let lower = line.get(..24).unwrap_or(line).to_ascii_lowercase();
        if lower.starts_with("otpauth-migration://") {
            out.unsupported.push(Skipped {
                label,
                reason:
                    "Google Authenticator export codes (otpauth-migration) are not supported yet"
                        .into(),
            });
            continue;
        }
        match crate::uri::parse(line) {
            Ok(account) => out.accounts.push(account),
            Err(e) => out.unsupported.push(Skipped {
                label,
                reason: e.to_string(),
            }),
        }
    }
    if lines == 0 {
        return Err(ImportError::format(format, "no otpauth URIs in it"));
    }
    if out.accounts.is_empty() && !out.unsupported.is_empty() && !text.contains("otpauth") {
        return Err(ImportError::format(format, "no otpauth URIs in it"));
    }
    Ok(out)
}
