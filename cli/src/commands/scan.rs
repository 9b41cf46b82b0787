//! `vakt scan`: what QR codes hold (no vault).
//!
//! # Contract
//! - `vakt scan IMAGE... [--json] [--reveal]` (no vault): what the codes hold.
//!   `--json` prints an array, one object per account or push token found.
//!   Accounts carry `kind`, `issuer`, `account`, `algorithm`, `digits`,
//!   `period` or `counter` (and `secret` only with `--reveal`), and `source`;
//!   accounts from a Google Authenticator export also `batch_index` (0-based),
//!   `batch_size` and `batch_id`. Push tokens carry `kind: "push"` and their
//!   enrolment fields (`enrollment_credential` only with `--reveal`).
//!   Container codes carry `kind: "container"`, `serial`, `issuer`, `url`,
//!   `ttl_minutes`, `time`, `ssl_verify`, `passphrase_prompt` (or null) and
//!   `send_passphrase` (`nonce` only with `--reveal`).
//! - `vakt scan --luma FILE --width W --height H [--stride S]`: the same for a
//!   raw 8-bit luma frame (gzip-compressed or not); bytes after the frame
//!   (such as the chroma planes of an NV12 buffer) are ignored.
//! - `vakt scan --raw`: the text of every code, one per line (`--json`: an
//!   array of strings) — whatever it holds, keys included.
//!
//! Exit 2, with a message, when nothing usable is found.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Map, Value, json};
use vakt_core::OtpKind;
use vakt_core::account::{Account, display_label};
use vakt_core::provision::Provisioning;
use vakt_core::provision::container_code::ContainerCode;
use vakt_core::provision::google_export::BatchInfo;
use vakt_core::provision::push_enrolment::PushEnrolment;
use zeroize::Zeroizing;

use crate::error::CliError;
use crate::output::{account_json, print_line, print_warning};
use crate::qr_reader::{Found, Source, distinct, interpret, scan_frame, scan_images};

/// Arguments of `vakt scan`.
#[derive(Args)]
pub struct ScanArgs {
    /// Image files (PNG or JPEG) to scan.
    #[arg(value_name = "IMAGE", required_unless_present = "luma")]
    images: Vec<PathBuf>,
    /// A raw 8-bit luma frame (a camera's Y plane) instead of images; may be
    /// gzip-compressed.
    #[arg(long, value_name = "FILE", conflicts_with = "images", requires_all = ["width", "height"])]
    luma: Option<PathBuf>,
    /// The frame's width in pixels.
    #[arg(long, requires = "luma")]
    width: Option<u32>,
    /// The frame's height in pixels.
    #[arg(long, requires = "luma")]
    height: Option<u32>,
    /// Bytes per row of the frame (default: the width).
    #[arg(long, requires = "luma")]
    stride: Option<u32>,
    /// Print the text of every QR code found, whatever it holds.
    #[arg(long, conflicts_with = "reveal")]
    raw: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Also print keys (base32) and enrolment credentials.
    #[arg(long)]
    reveal: bool,
}

/// Reads the codes of the images, or of the luma frame.
fn scan_sources(args: &ScanArgs) -> Result<Vec<Source>, CliError> {
    match &args.luma {
        Some(path) => {
            let (Some(width), Some(height)) = (args.width, args.height) else {
                return Err(CliError::bad_input("--luma needs --width and --height"));
            };
            scan_frame(path, width, height, args.stride.unwrap_or(width))
        }
        None => scan_images(&args.images),
    }
}

/// The JSON fields of a push token's enrolment code (the credential only
/// with `reveal`).
fn push_json(push: &PushEnrolment, reveal: bool) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("kind".into(), json!("push"));
    m.insert("issuer".into(), json!(push.issuer));
    m.insert("account".into(), json!(push.label));
    m.insert("serial".into(), json!(push.serial));
    m.insert("url".into(), json!(push.url));
    m.insert("ttl_minutes".into(), json!(push.ttl_minutes));
    m.insert("sslverify".into(), json!(push.sslverify));
    m.insert("version".into(), json!(push.version));
    m.insert("poll_only".into(), json!(push.poll_only));
    m.insert("require_app_pin".into(), json!(push.require_app_pin));
    if let Some(image) = &push.image {
        m.insert("image_url".into(), json!(image));
    }
    if let Some(f) = &push.firebase {
        m.insert(
            "firebase".into(),
            json!({
                "projectid": f.project_id,
                "projectnumber": f.project_number,
                "appid": f.app_id,
                "apikey": f.api_key,
                "appidios": f.app_id_ios,
                "apikeyios": f.api_key_ios,
            }),
        );
    }
    if reveal {
        // EXPOSE: the user asked for the credential with --reveal.
        m.insert(
            "enrollment_credential".into(),
            json!(push.enrollment_credential.expose()),
        );
    }
    m
}

/// One thing a scan shows: an account (with its export code's place, for an
/// export code's) or a push token to enrol.
enum Shown<'a> {
    /// An account.
    Account {
        /// The account.
        account: &'a Account,
        /// Its export code's place in the export, for an export code's.
        batch: Option<BatchInfo>,
    },
    /// A push token's enrolment.
    Push(&'a PushEnrolment),
    /// A container's registration.
    Container(&'a ContainerCode),
}

/// What the codes found hold, one by one (an export code's accounts each),
/// with the image or frame each was found in.
fn shown(found: &[Found]) -> Vec<(Shown<'_>, &str)> {
    let mut out = Vec::new();
    for f in found {
        let source = f.source.as_str();
        match &f.code {
            Provisioning::Account(account) => out.push((
                Shown::Account {
                    account,
                    batch: None,
                },
                source,
            )),
            Provisioning::Migration(payload) => {
                out.extend(payload.accounts.iter().map(|account| {
                    (
                        Shown::Account {
                            account,
                            batch: Some(payload.batch),
                        },
                        source,
                    )
                }));
            }
            Provisioning::Push(push) => out.push((Shown::Push(push), source)),
            Provisioning::Container(code) => out.push((Shown::Container(code), source)),
        }
    }
    out
}

/// The JSON object of one thing found (`source`: the image or frame).
fn found_json(shown: &Shown<'_>, source: &str, reveal: bool) -> Value {
    let mut m = match shown {
        Shown::Account { account, batch } => {
            let mut m = account_json(account, reveal);
            if let Some(batch) = batch {
                m.insert("batch_index".into(), json!(batch.index));
                m.insert("batch_size".into(), json!(batch.codes()));
                m.insert("batch_id".into(), json!(batch.id));
            }
            m
        }
        Shown::Push(push) => push_json(push, reveal),
        Shown::Container(code) => container_json(code, reveal),
    };
    m.insert("source".into(), json!(source));
    Value::Object(m)
}

/// The line of one thing found.
fn found_line(shown: &Shown<'_>, reveal: bool) -> String {
    match shown {
        Shown::Account { account, batch } => {
            let p = &account.params;
            let counting = match p.kind.period() {
                Some(period) => format!("{} s", period.get()),
                None => match p.kind {
                    OtpKind::Hotp { counter } => format!("counter {counter}"),
                    _ => String::new(),
                },
            };
            let mut line = format!(
                "{:<5}  {}  {}, {} digits, {counting}",
                p.kind.name(),
                account.display_label(),
                p.algorithm,
                p.code_length()
            );
            if let Some(batch) = batch {
                line.push_str(&format!(
                    "  [export code {} of {}]",
                    batch.index.saturating_add(1),
                    batch.codes()
                ));
            }
            if reveal {
                // EXPOSE: the user asked for the key with --reveal.
                line.push_str(&format!("  secret {}", p.secret.to_base32().expose()));
            }
            line
        }
        Shown::Push(push) => {
            let name = display_label(&push.issuer, &push.label);
            let mut line = format!(
                "push   {name}  enrolment at {} (serial {}, within {} min, TLS check {})",
                push.url,
                push.serial,
                push.ttl_minutes,
                if push.sslverify { "on" } else { "off" }
            );
            if reveal {
                // EXPOSE: the user asked for the credential with --reveal.
                line.push_str(&format!(
                    "  enrollment_credential {}",
                    push.enrollment_credential.expose()
                ));
            }
            line
        }
        Shown::Container(code) => {
            let mut line = format!(
                "container  {}  registration at {} (within {} min of {}, TLS check {}{})",
                code.serial,
                code.url,
                code.ttl_minutes,
                code.time,
                if code.ssl_verify { "on" } else { "off" },
                match &code.passphrase_prompt {
                    Some(prompt) => format!(", asks: {prompt}"),
                    None => String::new(),
                }
            );
            if reveal {
                // EXPOSE: the user asked for the nonce with --reveal.
                line.push_str(&format!("  nonce {}", code.nonce.expose()));
            }
            line
        }
    }
}

/// The JSON object of a container code.
fn container_json(code: &ContainerCode, reveal: bool) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("kind".into(), json!("container"));
    m.insert("serial".into(), json!(code.serial));
    m.insert("issuer".into(), json!(code.issuer));
    m.insert("url".into(), json!(code.url));
    m.insert("ttl_minutes".into(), json!(code.ttl_minutes));
    m.insert("time".into(), json!(code.time));
    m.insert("ssl_verify".into(), json!(code.ssl_verify));
    m.insert("passphrase_prompt".into(), json!(code.passphrase_prompt));
    m.insert("send_passphrase".into(), json!(code.send_passphrase));
    if reveal {
        // EXPOSE: the user asked for the nonce with --reveal.
        m.insert("nonce".into(), json!(code.nonce.expose()));
    }
    m
}

/// `vakt scan --raw`: the text of every code.
fn scan_raw(args: &ScanArgs) -> Result<(), CliError> {
    let mut problems = Vec::new();
    let texts = distinct(scan_sources(args)?, &mut problems);
    if texts.is_empty() {
        return Err(CliError::bad_input(match problems.as_slice() {
            [only] => only.as_str(),
            _ => "no QR code found",
        }));
    }
    problems.iter().for_each(|p| print_warning(p));
    if args.json {
        // EXPOSE: --raw prints what the codes hold, as asked.
        let items: Vec<Value> = texts.iter().map(|(_, t)| json!(t.expose())).collect();
        return print_line(&Value::Array(items).to_string());
    }
    let mut out = Zeroizing::new(String::new());
    for (_, text) in &texts {
        // EXPOSE: as above.
        out.push_str(text.expose());
        out.push('\n');
    }
    print_line(out.trim_end_matches('\n'))
}

/// `vakt scan`: what the QR codes in images (or a luma frame) hold.
pub fn scan(args: &ScanArgs) -> Result<(), CliError> {
    if args.raw {
        return scan_raw(args);
    }
    let found = interpret(scan_sources(args)?).report("no usable authenticator QR code found")?;
    let shown = shown(&found);
    if args.json {
        let items: Vec<Value> = shown
            .iter()
            .map(|(item, source)| found_json(item, source, args.reveal))
            .collect();
        return print_line(&Value::Array(items).to_string());
    }
    let lines: Vec<String> = shown
        .iter()
        .map(|(item, _)| found_line(item, args.reveal))
        .collect();
    let mut text = Zeroizing::new(lines.join("\n"));
    if !args.reveal {
        text.push_str("\n(keys hidden; --reveal shows them)");
    }
    print_line(&text)
}
