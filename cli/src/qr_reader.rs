//! Reading QR codes from image files and luma frames, and saying what they
//! mean (for `vakt scan` and `vakt add --qr`).
//!
//! Unreadable files are errors; codes that cannot be used (a foreign code, an
//! unusable export entry) and export codes not scanned yet are collected as
//! problems, reported on stderr as `vakt: …` lines next to what could be used.

use std::io::Read;
use std::path::{Path, PathBuf};

use vakt_core::SecretString;
use vakt_core::provision::google_export::MigrationBatches;
use vakt_core::provision::{self, Provisioning};
use vakt_core::qr::{self, LumaFrame};
use zeroize::Zeroizing;

use crate::error::CliError;
use crate::output::print_warning;

/// The largest raw luma frame read, in bytes (after decompression).
const MAX_FRAME_BYTES: u64 = 256 << 20;

/// The codes found in one image or frame.
pub struct Source {
    name: String,
    texts: Vec<SecretString>,
}

/// Reads at most `limit` bytes from `reader`; more is refused, naming `name`.
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

/// Opens an input file.
fn open(path: &Path) -> Result<std::fs::File, CliError> {
    std::fs::File::open(path)
        .map_err(|e| CliError::bad_input(format!("{}: cannot open: {e}", path.display())))
}

/// Reads the codes in image files (PNG, JPEG).
pub fn scan_images(paths: &[PathBuf]) -> Result<Vec<Source>, CliError> {
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

/// Reads the codes in a raw 8-bit luma frame (gzip-compressed or not).
pub fn scan_frame(
    path: &Path,
    width: u32,
    height: u32,
    stride: u32,
) -> Result<Vec<Source>, CliError> {
    let name = path.display().to_string();
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
    // A frame saved to a file is not a live preview: there is no next frame to
    // try, so look as hard as for an image file (a time budget would make the
    // answer depend on how busy the machine is).
    let texts = qr::decode_frame_with(&frame, qr::Effort::Thorough)
        .map_err(|e| CliError::bad_input(format!("{name}: {e}")))?;
    Ok(vec![Source { name, texts }])
}

/// A usable code, and where it was found.
pub struct Found {
    /// The image or frame it was found in.
    pub source: String,
    /// What it holds: an account, an export code with at least one usable
    /// account, or a push token to enrol.
    pub code: Provisioning,
}

/// Everything the codes of some sources mean.
#[derive(Default)]
pub struct Findings {
    /// What can be used, in the order found.
    pub found: Vec<Found>,
    /// Codes or entries that cannot be used, and export codes not yet seen.
    pub problems: Vec<String>,
}

impl Findings {
    /// Reports every problem on stderr; the error to exit with if nothing
    /// usable was found.
    pub fn report(self, none_found: &str) -> Result<Vec<Found>, CliError> {
        if self.found.is_empty() {
            return Err(match self.problems.as_slice() {
                [only] => CliError::bad_input(only.as_str()),
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

/// Each distinct code once (the same code in two images is read once).
pub fn distinct(sources: Vec<Source>, problems: &mut Vec<String>) -> Vec<(String, SecretString)> {
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

/// What the codes of `sources` mean; problems are collected, not fatal.
pub fn interpret(sources: Vec<Source>) -> Findings {
    let mut findings = Findings::default();
    let mut batches = MigrationBatches::new();
    for (source, text) in distinct(sources, &mut findings.problems) {
        // EXPOSE: the code's text is read to learn what it holds.
        match provision::classify(text.expose()) {
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
                if !payload.accounts.is_empty() {
                    findings.found.push(Found {
                        source,
                        code: Provisioning::Migration(payload),
                    });
                }
            }
            Ok(code) => findings.found.push(Found { source, code }),
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
