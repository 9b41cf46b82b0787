//! Which codes of an export have been scanned, and which are still missing.

use std::collections::{BTreeMap, BTreeSet};

use super::decode::BatchInfo;

/// The most codes one export may claim to have. Google Authenticator puts ten
/// accounts in a code, so this is room for 10,000 accounts.
pub const MAX_CODES: u32 = 1000;

/// A code whose place in its export does not add up.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// `batch_index` is negative or not below `batch_size`.
    #[error("batch_index: {index} is not within the export's {size} code(s)")]
    IndexOutOfRange {
        /// The index the code gives.
        index: i32,
        /// The number of codes it claims.
        size: u32,
    },
    /// Another code of the same export claimed a different number of codes.
    #[error("batch_size: {found}, but another code of export {id} said {expected}")]
    SizeMismatch {
        /// The export's `batch_id`.
        id: i32,
        /// The size seen first.
        expected: u32,
        /// The size of this code.
        found: u32,
    },
    /// More codes than any real export has.
    #[error("batch_size: {size} is more than {MAX_CODES}")]
    TooManyCodes {
        /// The size claimed.
        size: u32,
    },
}

impl BatchError {
    /// The name of the field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            BatchError::IndexOutOfRange { .. } => "batch_index",
            BatchError::SizeMismatch { .. } | BatchError::TooManyCodes { .. } => "batch_size",
        }
    }
}

/// What feeding a code told the tracker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fed {
    /// A code not seen before.
    New,
    /// A code of this export already seen (scanned twice).
    Again,
}

/// The codes of one export still to be scanned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingCodes {
    /// The export's `batch_id`.
    pub batch_id: i32,
    /// The number of codes in the export.
    pub batch_size: u32,
    /// The 0-based indices not yet seen, in order.
    pub missing: Vec<u32>,
}

#[derive(Clone, Debug)]
struct Progress {
    size: u32,
    seen: BTreeSet<u32>,
}

/// Tracks the codes of one or more exports as they are scanned: feed it each
/// code's [`BatchInfo`], then ask which indices are missing.
#[derive(Clone, Debug, Default)]
pub struct MigrationBatches {
    exports: BTreeMap<i32, Progress>,
}

impl MigrationBatches {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a scanned code. A code that contradicts its export (or itself)
    /// is refused and changes nothing; its accounts may still be usable.
    pub fn feed(&mut self, batch: &BatchInfo) -> Result<Fed, BatchError> {
        let size = batch.codes();
        if size > MAX_CODES {
            return Err(BatchError::TooManyCodes { size });
        }
        let index = batch.position().ok_or(BatchError::IndexOutOfRange {
            index: batch.index,
            size,
        })?;
        let progress = self.exports.entry(batch.id).or_insert_with(|| Progress {
            size,
            seen: BTreeSet::new(),
        });
        if progress.size != size {
            return Err(BatchError::SizeMismatch {
                id: batch.id,
                expected: progress.size,
                found: size,
            });
        }
        Ok(if progress.seen.insert(index) {
            Fed::New
        } else {
            Fed::Again
        })
    }

    /// Every export with codes still missing, by `batch_id`.
    pub fn missing(&self) -> Vec<MissingCodes> {
        self.exports
            .iter()
            .filter_map(|(id, progress)| {
                let missing: Vec<u32> = (0..progress.size)
                    .filter(|i| !progress.seen.contains(i))
                    .collect();
                (!missing.is_empty()).then_some(MissingCodes {
                    batch_id: *id,
                    batch_size: progress.size,
                    missing,
                })
            })
            .collect()
    }

    /// The indices still missing from export `batch_id` (`None` if no code of
    /// it has been fed).
    pub fn missing_from(&self, batch_id: i32) -> Option<Vec<u32>> {
        self.exports.get(&batch_id).map(|progress| {
            (0..progress.size)
                .filter(|i| !progress.seen.contains(i))
                .collect()
        })
    }

    /// Whether every code of every export fed so far has been seen.
    pub fn is_complete(&self) -> bool {
        self.exports
            .values()
            .all(|p| u32::try_from(p.seen.len()).is_ok_and(|n| n == p.size))
    }

    /// Number of distinct exports fed.
    pub fn exports(&self) -> usize {
        self.exports.len()
    }
}
