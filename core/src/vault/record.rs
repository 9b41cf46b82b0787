//! The plaintext of an account record (before encryption): a small versioned
//! binary format, built in zeroizing buffers so the key never lingers.
//!
//! ```text
//! version u8 (=1) | kind u8 (1 totp, 2 hotp, 3 steam) | algorithm u8 (1 SHA1,
//! 2 SHA256, 3 SHA512) | digits u8 | period-or-counter u64 BE |
//! secret (u16 BE length, bytes) | issuer (u16, UTF-8) | name (u16, UTF-8)
//! ```

use zeroize::Zeroizing;

use crate::account::{Account, OtpKind, OtpParams, OtpSecret};
use crate::byte_reader::{ByteReader, Short};
use crate::otp::{Algorithm, Digits, Period};
use crate::secret::SecretBytes;

const VERSION: u8 = 1;

/// A record could not be read (damaged or from an unknown version).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("an account record is malformed")]
pub struct RecordError;

/// A field longer than a record can hold (64 KiB).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0} is too long")]
pub struct TooLong(pub &'static str);

/// Appends `bytes` with its u16 big-endian length (the field encoding of
/// every vault record, push tokens included).
pub(crate) fn put_field(
    out: &mut Vec<u8>,
    bytes: &[u8],
    name: &'static str,
) -> Result<(), TooLong> {
    let len = u16::try_from(bytes.len()).map_err(|_| TooLong(name))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
    Ok(())
}

/// Encodes an account.
pub fn encode(account: &Account) -> Result<Zeroizing<Vec<u8>>, TooLong> {
    let p = &account.params;
    let (kind, value) = match p.kind {
        OtpKind::Totp { period } => (1u8, period.get()),
        OtpKind::Hotp { counter } => (2, counter),
        OtpKind::Steam => (3, 0),
    };
    let algorithm = match p.algorithm {
        Algorithm::Sha1 => 1u8,
        Algorithm::Sha256 => 2,
        Algorithm::Sha512 => 3,
    };
    let mut out = Zeroizing::new(Vec::with_capacity(
        16 + p.secret.bytes().len() + account.issuer.len() + account.name.len(),
    ));
    out.extend_from_slice(&[VERSION, kind, algorithm, p.digits.get()]);
    out.extend_from_slice(&value.to_be_bytes());
    // EXPOSE: the key is written into the record that is encrypted next.
    put_field(&mut out, p.secret.bytes().expose(), "the key")?;
    put_field(&mut out, account.issuer.as_bytes(), "the issuer")?;
    put_field(&mut out, account.name.as_bytes(), "the account name")?;
    Ok(out)
}

/// Reads the fields of a record in order (shared with the push records).
pub(crate) struct Reader<'a>(ByteReader<'a>);

impl From<Short> for RecordError {
    fn from(_: Short) -> Self {
        RecordError
    }
}

impl<'a> Reader<'a> {
    /// A reader over `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self(ByteReader::new(bytes))
    }

    /// `Ok` if every byte was read.
    pub(crate) fn end(&self) -> Result<(), RecordError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(RecordError)
        }
    }

    /// One byte.
    pub(crate) fn byte(&mut self) -> Result<u8, RecordError> {
        Ok(self.0.u8()?)
    }

    /// A big-endian `u64`.
    pub(crate) fn u64(&mut self) -> Result<u64, RecordError> {
        Ok(self.0.u64()?)
    }

    /// A field: a big-endian `u16` length, then that many bytes.
    pub(crate) fn field(&mut self) -> Result<&'a [u8], RecordError> {
        let len = self.0.u16()?;
        Ok(self.0.take(usize::from(len))?)
    }

    /// A field holding UTF-8 text.
    pub(crate) fn text(&mut self) -> Result<String, RecordError> {
        String::from_utf8(self.field()?.to_vec()).map_err(|_| RecordError)
    }
}

/// Decodes an account.
pub fn decode(bytes: &[u8]) -> Result<Account, RecordError> {
    let mut r = Reader::new(bytes);
    if r.byte()? != VERSION {
        return Err(RecordError);
    }
    let kind = r.byte()?;
    let algorithm = match r.byte()? {
        1 => Algorithm::Sha1,
        2 => Algorithm::Sha256,
        3 => Algorithm::Sha512,
        _ => return Err(RecordError),
    };
    let digits = Digits::new(r.byte()?).ok_or(RecordError)?;
    let value = r.u64()?;
    let kind = match kind {
        1 => OtpKind::Totp {
            period: Period::new(value).ok_or(RecordError)?,
        },
        2 => OtpKind::Hotp { counter: value },
        3 => OtpKind::Steam,
        _ => return Err(RecordError),
    };
    let secret = OtpSecret::new(SecretBytes::from_slice(r.field()?)).ok_or(RecordError)?;
    let issuer = r.text()?;
    let name = r.text()?;
    r.end()?;
    Ok(Account {
        issuer,
        name,
        params: OtpParams {
            kind,
            algorithm,
            digits,
            secret,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_truncation() {
        let account = crate::provision::uri::parse(
            "otpauth://hotp/ACME:al%C3%AFce?secret=JBSWY3DPEHPK3PXP&counter=77&digits=8&algorithm=SHA512",
        )
        .unwrap();
        let bytes = encode(&account).unwrap();
        assert_eq!(decode(&bytes).unwrap(), account);
        for len in 0..bytes.len() {
            assert_eq!(decode(&bytes[..len]), Err(RecordError), "length {len}");
        }
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert_eq!(decode(&longer), Err(RecordError));
    }
}
