//! Reading input files with a size limit, and writing output files that hold
//! secrets: private (0600), atomically (temporary file, fsync, rename) or
//! only as new files (never overwriting).

use std::io::{Read, Write};
use std::path::Path;

use vakt_core::SecretBytes;
use zeroize::Zeroizing;

use crate::error::CliError;

/// Reads at most `max` bytes of `path`; a larger file is refused.
pub fn read_limited(path: &Path, max: usize) -> Result<Zeroizing<Vec<u8>>, CliError> {
    let file = std::fs::File::open(path)
        .map_err(|e| CliError::bad_input(format!("cannot read {}: {e}", path.display())))?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::bad_input(format!("cannot read {}: {e}", path.display())))?;
    if bytes.len() > max {
        return Err(CliError::bad_input(format!(
            "{} is too large for this kind of file",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Writes `bytes` to `path` with mode 0600, replacing it only once the new
/// content is complete on disk (the core's one writer:
/// [`vakt_core::files::write_private_atomic`]).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    if path.file_name().is_none() {
        return Err(CliError::bad_input(format!(
            "{} is not a file name",
            path.display()
        )));
    }
    vakt_core::files::write_private_atomic(path, bytes).map_err(|e| CliError::io("write", path, &e))
}

/// Creates `dir` (and missing parents) private to its owner (`0700`); an
/// existing folder is left as it is.
pub fn create_private_dir(dir: &Path) -> Result<(), CliError> {
    vakt_core::files::create_private_dir_all(dir).map_err(|e| CliError::io("create", dir, &e))
}

/// Writes a new file readable by its owner only; never overwrites.
pub fn write_new(path: &Path, bytes: &SecretBytes) -> Result<(), CliError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => CliError::bad_input(format!(
            "{} already exists (nothing was overwritten)",
            path.display()
        )),
        _ => CliError::io("create", path, &e),
    })?;
    // EXPOSE: the image goes to the file the user asked for.
    file.write_all(bytes.expose())
        .and_then(|()| file.sync_all())
        .map_err(|e| CliError::io("write", path, &e))
}
