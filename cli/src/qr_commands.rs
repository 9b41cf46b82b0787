//! The QR commands: `vakt scan`, `vakt add --qr`, `vakt export --qr`, `vakt qr`.
//!
//! # Contract
//! - `vakt scan IMAGE... [--json] [--reveal]` (no vault): what the codes hold.
//!   `--json` prints an array, one object per account or push token found.
//!   Accounts carry `kind`, `issuer`, `account`, `algorithm`, `digits`,
//!   `period` or `counter` (and `secret` only with `--reveal`), and `source`;
//!   accounts from a Google Authenticator export also `batch_index` (0-based),
//!   `batch_size` and `batch_id`. Push tokens carry `kind: "push"` and their
//!   enrolment fields (`enrollment_credential` only with `--reveal`).
//! - `vakt scan --luma FILE --width W --height H [--stride S]`: the same for a
//!   raw 8-bit luma frame (gzip-compressed or not); bytes after the frame
//!   (such as the chroma planes of an NV12 buffer) are ignored.
//! - `vakt scan --raw`: the text of every code, one per line (`--json`: an
//!   array of strings) — whatever it holds, keys included.
//! - `vakt add --qr IMAGE`: adds every account found. Accounts already in the
//!   vault are reported and not added again. Exit 0 when every usable account
//!   found is now in the vault (added, or already there); unusable entries and
//!   foreign codes are reported on stderr alongside.
//! - `vakt export --qr DIR [ID...]`: Google Authenticator export codes as PNG
//!   files (`vakt-export-1-of-2.png` …). Accounts the format cannot hold
//!   (Steam, periods other than 30 s, digits other than 6 or 8) are each
//!   written as their own `otpauth://` code (`vakt-account-ID.png`) and said so.
//!   Files are created new (never overwritten), readable by the owner only.
//! - `vakt qr ID [--png FILE] [--invert]`: one account's `otpauth://` code in
//!   the terminal (light modules drawn as blocks, for dark backgrounds;
//!   `--invert` for light ones), or as a PNG file.
//!
//! Every command exits 2, with a message, when nothing usable is found.
//! Problems that do not stop the command (a foreign code next to a good one, an
//! unusable export entry, export codes not scanned yet) go to stderr as
//! `vakt: …` lines.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{Map, Value, json};
use vakt_core::account::Account;
use vakt_core::migration::{self, BatchInfo, MigrationBatches};
use vakt_core::pipush::PushEnrolment;
use vakt_core::provision::{self, Provisioning};
use vakt_core::qr::{self, LumaFrame};
use vakt_core::rng::SystemRandom;
use vakt_core::vault::VaultError;
use vakt_core::{SecretBytes, SecretString, qr_render, uri};
use zeroize::Zeroizing;

use crate::error::{CliError, print_line, print_warning};
use crate::otp_commands::account_json;
use crate::vault_commands::unlock;

/// The largest raw luma frame read, in bytes (after decompression).
const MAX_FRAME_BYTES: u64 = 256 << 20;

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

/// Arguments of `vakt export`.
#[derive(Args)]
pub struct ExportArgs {
    /// Write Google Authenticator export QR codes (PNG files) into this folder.
    #[arg(long, value_name = "DIR", required = true)]
    qr: PathBuf,
    /// The accounts to export, in this order (default: all, in list order).
    ids: Vec<u64>,
}

/// Arguments of `vakt qr`.
#[derive(Args)]
pub struct QrArgs {
    /// The account's id (see vakt list).
    id: u64,
    /// Write the code to this PNG file instead of the terminal.
    #[arg(long, value_name = "FILE")]
    png: Option<PathBuf>,
    /// Draw dark modules as blocks (for terminals with a light background).
    #[arg(long, conflicts_with = "png")]
    invert: bool,
}

/// The codes found in one image or frame.
struct Source {
    name: String,
    texts: Vec<SecretString>,
}

fn read_limited(reader: impl Read, limit: u64, name: &str) -> Result<Zeroizing<Vec<u8>>, CliError> {
    let mut bytes = Zeroizing::new(Vec::new());
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::bad_input(format!("{name}: cannot read: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(CliError::bad_input(format!(
            "{name}: larger than the {} MiB we read",
            limit >> 20
        )));
    }
    Ok(bytes)
}

fn open(path: &Path) -> Result<std::fs::File, CliError> {
    std::fs::File::open(path)
        .map_err(|e| CliError::bad_input(format!("{}: cannot open: {e}", path.display())))
}

fn scan_images(paths: &[PathBuf]) -> Result<Vec<Source>, CliError> {
    paths
        .iter()
        .map(|path| {
            let name = path.display().to_string();
            let bytes = read_limited(open(path)?, qr::MAX_IMAGE_BYTES as u64, &name)?;
            let texts = qr::decode_image(&bytes)
                .map_err(|e| CliError::bad_input(format!("{name}: {e}")))?;
            Ok(Source { name, texts })
        })
        .collect()
}

fn scan_frame(args: &ScanArgs, path: &Path) -> Result<Vec<Source>, CliError> {
    let name = path.display().to_string();
    let (width, height) = match (args.width, args.height) {
        (Some(w), Some(h)) => (w, h),
        _ => return Err(CliError::bad_input("--luma needs --width and --height")),
    };
    let stride = args.stride.unwrap_or(width);
    let limit = u64::from(stride) * u64::from(height);
    if limit > MAX_FRAME_BYTES {
        return Err(CliError::bad_input(format!(
            "{name}: a {stride}×{height} frame is larger than the {} MiB we read",
            MAX_FRAME_BYTES >> 20
        )));
    }
    let mut file = std::io::BufReader::new(open(path)?);
    let gzipped = std::io::BufRead::fill_buf(&mut file)
        .map_err(|e| CliError::bad_input(format!("{name}: cannot read: {e}")))?
        .starts_with(&[0x1f, 0x8b]);
    // Only the frame is read: what follows it (the chroma planes of an NV12
    // or I420 buffer) is left alone.
    let read = |reader: &mut dyn Read| {
        let mut data = Zeroizing::new(Vec::new());
        reader
            .take(limit)
            .read_to_end(&mut data)
            .map(|_| data)
            .map_err(|e| CliError::bad_input(format!("{name}: cannot read: {e}")))
    };
    let data = if gzipped {
        read(&mut flate2::bufread::GzDecoder::new(file))?
    } else {
        read(&mut file)?
    };
    let frame = LumaFrame {
        data: &data,
        width,
        height,
        stride,
    };
    let texts =
        qr::decode_frame(&frame).map_err(|e| CliError::bad_input(format!("{name}: {e}")))?;
    Ok(vec![Source { name, texts }])
}

fn scan_sources(args: &ScanArgs) -> Result<Vec<Source>, CliError> {
    match &args.luma {
        Some(path) => scan_frame(args, path),
        None => scan_images(&args.images),
    }
}

/// Something usable found in a code.
enum Found {
    Account {
        account: Account,
        source: String,
        batch: Option<BatchInfo>,
    },
    Push {
        push: Box<PushEnrolment>,
        source: String,
    },
}

/// Everything the codes of some sources mean.
#[derive(Default)]
struct Findings {
    found: Vec<Found>,
    /// Codes or entries that cannot be used, and export codes not yet seen.
    problems: Vec<String>,
}

impl Findings {
    fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.found.iter().filter_map(|f| match f {
            Found::Account { account, .. } => Some(account),
            Found::Push { .. } => None,
        })
    }

    /// Reports every problem on stderr; the error to exit with if nothing
    /// usable was found.
    fn report(mut self, none_found: &str) -> Result<Vec<Found>, CliError> {
        if self.found.is_empty() {
            return Err(match self.problems.len() {
                1 => CliError::bad_input(self.problems.remove(0)),
                _ => {
                    self.problems.iter().for_each(|p| print_warning(p));
                    CliError::bad_input(none_found)
                }
            });
        }
        self.problems.iter().for_each(|p| print_warning(p));
        Ok(self.found)
    }
}

fn account_label(account: &Account) -> String {
    match (account.issuer.is_empty(), account.name.is_empty()) {
        (false, false) => format!("{} ({})", account.issuer, account.name),
        (false, true) => account.issuer.clone(),
        (true, _) => account.name.clone(),
    }
}

/// Each distinct code once (the same code in two images is read once).
fn distinct(sources: Vec<Source>, problems: &mut Vec<String>) -> Vec<(String, SecretString)> {
    let mut seen: Vec<(String, SecretString)> = Vec::new();
    for source in sources {
        if source.texts.is_empty() {
            problems.push(format!("{}: no QR code found", source.name));
        }
        for text in source.texts {
            if !seen.iter().any(|(_, t)| t.ct_eq(&text)) {
                seen.push((source.name.clone(), text));
            }
        }
    }
    seen
}

fn interpret(sources: Vec<Source>) -> Findings {
    let mut findings = Findings::default();
    let mut batches = MigrationBatches::new();
    for (source, text) in distinct(sources, &mut findings.problems) {
        // EXPOSE: the code's text is read to learn what it holds.
        match provision::classify(text.expose()) {
            Ok(Provisioning::Account(account)) => findings.found.push(Found::Account {
                account,
                source,
                batch: None,
            }),
            Ok(Provisioning::Push(push)) => findings.found.push(Found::Push { push, source }),
            Ok(Provisioning::Migration(payload)) => {
                if let Err(e) = batches.feed(&payload.batch) {
                    findings.problems.push(format!("{source}: {e}"));
                }
                for entry in &payload.unusable {
                    findings.problems.push(format!(
                        "{source}: {} cannot be imported: {}",
                        entry.label(),
                        entry.error
                    ));
                }
                if payload.accounts.is_empty() && payload.unusable.is_empty() {
                    findings
                        .problems
                        .push(format!("{source}: the export code holds no accounts"));
                }
                for account in payload.accounts {
                    findings.found.push(Found::Account {
                        account,
                        source: source.clone(),
                        batch: Some(payload.batch),
                    });
                }
            }
            Err(e) => findings.problems.push(format!("{source}: {e}")),
        }
    }
    for missing in batches.missing() {
        let codes: Vec<String> = missing
            .missing
            .iter()
            .map(|i| (i + 1).to_string())
            .collect();
        findings.problems.push(format!(
            "export {} has {} codes; not scanned yet: code {}",
            missing.batch_id,
            missing.batch_size,
            codes.join(", ")
        ));
    }
    findings
}

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

fn found_json(found: &Found, reveal: bool) -> Value {
    let (mut m, source) = match found {
        Found::Account {
            account,
            source,
            batch,
        } => {
            let mut m = account_json(account, reveal);
            if let Some(batch) = batch {
                m.insert("batch_index".into(), json!(batch.index));
                m.insert("batch_size".into(), json!(batch.codes()));
                m.insert("batch_id".into(), json!(batch.id));
            }
            (m, source)
        }
        Found::Push { push, source } => (push_json(push, reveal), source),
    };
    m.insert("source".into(), json!(source));
    Value::Object(m)
}

fn found_line(found: &Found, reveal: bool) -> String {
    match found {
        Found::Account { account, batch, .. } => {
            let p = &account.params;
            let counting = match p.kind.period() {
                Some(period) => format!("{} s", period.get()),
                None => match p.kind {
                    vakt_core::OtpKind::Hotp { counter } => format!("counter {counter}"),
                    _ => String::new(),
                },
            };
            let mut line = format!(
                "{:<5}  {}  {}, {} digits, {counting}",
                p.kind.name(),
                account_label(account),
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
        Found::Push { push, .. } => {
            let name = match push.issuer.is_empty() {
                true => push.label.clone(),
                false => format!("{} ({})", push.issuer, push.label),
            };
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
    }
}

fn scan_raw(args: &ScanArgs) -> Result<(), CliError> {
    let mut problems = Vec::new();
    let texts = distinct(scan_sources(args)?, &mut problems);
    if texts.is_empty() {
        return Err(CliError::bad_input(match problems.len() {
            1 => problems.remove(0),
            _ => "no QR code found".to_owned(),
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
    if args.json {
        let items: Vec<Value> = found.iter().map(|f| found_json(f, args.reveal)).collect();
        return print_line(&Value::Array(items).to_string());
    }
    let lines: Vec<String> = found.iter().map(|f| found_line(f, args.reveal)).collect();
    let mut text = Zeroizing::new(lines.join("\n"));
    if !args.reveal {
        text.push_str("\n(keys hidden; --reveal shows them)");
    }
    print_line(&text)
}

/// `vakt add --qr IMAGE...`: adds every account the codes hold.
pub fn add_from_images(dir: &Path, images: &[PathBuf]) -> Result<(), CliError> {
    let mut findings = interpret(scan_images(images)?);
    let mut pushes = Vec::new();
    findings.found.retain(|f| match f {
        Found::Push { push, source } => {
            pushes.push(format!(
                "{source}: push enrolment is not supported yet (privacyIDEA token {})",
                push.serial
            ));
            false
        }
        Found::Account { .. } => true,
    });
    findings.problems.splice(0..0, pushes);
    let accounts: Vec<Account> = findings.accounts().cloned().collect();
    findings.report("no usable authenticator QR code found")?;

    let session = unlock(dir)?;
    let mut lines = Vec::new();
    for account in &accounts {
        let label = account_label(account);
        match session.add(account) {
            Ok(id) => lines.push(format!("added #{id}  {label}")),
            Err(VaultError::Duplicate { id }) => {
                lines.push(format!("already in the vault as #{id}  {label}"));
            }
            Err(e) => {
                print_line(&lines.join("\n"))?;
                return Err(CliError::vault(&e));
            }
        }
    }
    print_line(&lines.join("\n"))
}

/// Writes a new file readable by its owner only; never overwrites.
fn write_new(path: &Path, bytes: &SecretBytes) -> Result<(), CliError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => CliError::bad_input(format!(
            "{} already exists (nothing was overwritten)",
            path.display()
        )),
        _ => CliError::internal(format!("cannot create {}: {e}", path.display())),
    })?;
    // EXPOSE: the image goes to the file the user asked for.
    file.write_all(bytes.expose())
        .and_then(|()| file.sync_all())
        .map_err(|e| CliError::internal(format!("cannot write {}: {e}", path.display())))
}

fn render_png(text: &SecretString) -> Result<SecretBytes, CliError> {
    qr_render::png(text).map_err(|e| CliError::internal(e.to_string()))
}

/// `vakt export --qr DIR [ID...]`: export codes as PNG files.
pub fn export(dir: &Path, args: &ExportArgs) -> Result<(), CliError> {
    let session = unlock(dir)?;
    let mut ids: Vec<u64> = Vec::new();
    if args.ids.is_empty() {
        let all = session.accounts().map_err(|e| CliError::vault(&e))?;
        ids.extend(all.iter().map(|a| a.id));
    } else {
        for id in &args.ids {
            if !ids.contains(id) {
                ids.push(*id);
            }
        }
    }
    if ids.is_empty() {
        return Err(CliError::bad_input("no accounts to export (vakt add)"));
    }
    let accounts = ids
        .iter()
        .map(|id| session.account(*id))
        .collect::<Result<Vec<Account>, _>>()
        .map_err(|e| CliError::vault(&e))?;
    drop(session);

    let batch_id = migration::new_batch_id(&SystemRandom::new())
        .map_err(|_| CliError::internal("the random number generator failed"))?;
    let plan = migration::export(&accounts, batch_id);
    let count = plan.codes.len();
    let id_list = |indices: &[usize]| {
        indices
            .iter()
            .filter_map(|i| ids.get(*i))
            .map(|id| format!("#{id}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut files: Vec<(PathBuf, SecretBytes, String)> = Vec::new();
    for (n, code) in plan.codes.iter().enumerate() {
        files.push((
            args.qr
                .join(format!("vakt-export-{}-of-{count}.png", n + 1)),
            render_png(&code.uri)?,
            format!(
                "export code {} of {count}: {}",
                n + 1,
                id_list(&code.accounts)
            ),
        ));
    }
    let mut skipped = Vec::new();
    for left_out in &plan.not_exportable {
        let (Some(id), Some(account)) = (ids.get(left_out.index), accounts.get(left_out.index))
        else {
            continue;
        };
        let why = format!(
            "#{id} {} cannot go into a Google Authenticator export ({})",
            account_label(account),
            left_out.reason
        );
        match qr_render::png(&uri::format(account)) {
            Ok(png) => files.push((
                args.qr.join(format!("vakt-account-{id}.png")),
                png,
                format!("{why}: an otpauth:// code for it alone"),
            )),
            Err(e) => skipped.push(format!(
                "{why}, nor into a QR code of its own ({e}); not exported"
            )),
        }
    }
    if files.is_empty() {
        skipped.iter().for_each(|s| print_warning(s));
        return Err(CliError::bad_input("nothing could be exported"));
    }

    std::fs::create_dir_all(&args.qr)
        .map_err(|e| CliError::internal(format!("cannot create {}: {e}", args.qr.display())))?;
    if let Some((path, _, _)) = files.iter().find(|(path, _, _)| path.exists()) {
        return Err(CliError::bad_input(format!(
            "{} already exists; choose an empty folder (nothing was written)",
            path.display()
        )));
    }
    let mut lines = Vec::new();
    for (path, png, what) in &files {
        write_new(path, png)?;
        lines.push(format!("wrote {} ({what})", path.display()));
    }
    skipped.iter().for_each(|s| print_warning(s));
    print_line(&lines.join("\n"))?;
    print_warning("these images hold your keys: delete them once they are scanned");
    Ok(())
}

/// `vakt qr ID [--png FILE] [--invert]`: one account's otpauth:// code.
pub fn qr(dir: &Path, args: &QrArgs) -> Result<(), CliError> {
    let account = unlock(dir)?
        .account(args.id)
        .map_err(|e| CliError::vault(&e))?;
    let text = uri::format(&account);
    if let Some(path) = &args.png {
        write_new(path, &render_png(&text)?)?;
        return print_line(&format!("wrote {}", path.display()));
    }
    let drawn =
        qr_render::terminal(&text, args.invert).map_err(|e| CliError::internal(e.to_string()))?;
    // EXPOSE: the code is drawn for the user who asked for it.
    print_line(drawn.expose().trim_end_matches('\n'))
}
