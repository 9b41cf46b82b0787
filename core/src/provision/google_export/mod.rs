//! Google Authenticator's transfer format: `otpauth-migration://offline?data=…`.
//!
//! `data` is percent-encoded base64 (standard alphabet, with padding) of a
//! protobuf `MigrationPayload`: the accounts of one QR code, a format version,
//! and where the code sits in the export (`batch_size`, 0-based `batch_index`,
//! and a `batch_id` shared by every code of one export). The message layout is
//! in the private `proto` module (field numbers as the community's
//! decoders publish them; see `proto.rs`).
//!
//! # Reading
//! [`decode_uri`] reads one code. Every entry is looked at on its own: one that
//! cannot be used (MD5, an unspecified or unknown type, a digit count other
//! than six or eight, an empty key, a negative counter) is reported by name in
//! [`MigrationPayload::unusable`] and the others are still imported.
//! Unspecified algorithm and digits mean SHA1 and six digits (the otpauth URI
//! defaults, and what the widely published example payloads rely on). The
//! format has no period: every TOTP entry is 30 s. [`MigrationBatches`] tracks
//! which codes of an export have been seen.
//!
//! Lenient where real payloads differ: the `data` value may be percent-encoded
//! or not (a literal `+` stays a `+`), padded or not, standard or URL-safe
//! base64.
//!
//! # Writing
//! [`export`] writes accounts as a set of codes like Google Authenticator's.
//!
//! Key bytes only ever sit in zeroizing buffers and secret types; errors name
//! the field at fault, never a key.

mod batches;
mod decode;
pub(crate) mod proto;

#[cfg(test)]
mod tests;

pub use batches::{BatchError, Fed, MigrationBatches, MissingCodes};
pub use decode::{
    BatchInfo, EntryError, MAX_DATA_CHARS, MigrationError, MigrationPayload, PREFIX, UnusableEntry,
    decode_payload, decode_uri,
};
