//! The byte layout of a backup file (see docs/backup-format.md).
//!
//! ```text
//! "VAKTBKP" ‖ version u8 ‖ header length u32 ‖ header ‖ payload length u32 ‖
//! sealed payload ‖ SHA-256 of everything before it
//! ```
//!
//! Reading checks, in this order and before any key derivation: the magic
//! (foreign file), the version, the declared lengths (truncated or trailing
//! bytes), the checksum (damage anywhere), the header's fields. Only then can a
//! caller spend a KDF on a key slot. All integers are big-endian.

use ring::digest;
use zeroize::Zeroizing;

use crate::byte_reader::{ByteReader, Short};
use crate::crypto::aead;
use crate::crypto::kdf::KdfParams;
use crate::rng::{RandomSource, random_array};
use crate::secret::Key256;

use super::error::BackupError;

/// The first seven bytes of every backup.
pub const MAGIC: &[u8; 7] = b"VAKTBKP";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u8 = 1;

const CHECKSUM_LEN: usize = 32;
const SALT_LEN: usize = 16;
const BACKUP_ID_LEN: usize = 16;
/// Bytes before the header: magic, version, header length.
const PREFIX_LEN: usize = MAGIC.len() + 1 + 4;
/// The largest header accepted (a handful of key slots).
const MAX_HEADER_LEN: usize = 4096;
/// The most key slots a header may hold.
const MAX_SLOTS: usize = 4;
/// The largest sealed payload accepted (hundreds of thousands of accounts).
pub const MAX_PAYLOAD_LEN: usize = 64 << 20;
/// The plaintext payload is padded with zeros to a multiple of this, so a
/// backup's size tells the number of accounts only roughly.
const PAD_TO: usize = 256;
/// The most records a payload may hold.
const MAX_RECORDS: u32 = 1 << 20;

/// What a key slot's secret is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotKind {
    /// The vault's unblock code (canonical 20 characters).
    UnblockCode,
    /// A separate backup passphrase (its UTF-8 bytes).
    Passphrase,
}

impl SlotKind {
    fn byte(self) -> u8 {
        match self {
            SlotKind::UnblockCode => 1,
            SlotKind::Passphrase => 2,
        }
    }

    fn from_byte(b: u8) -> Option<Self> {
        match b {
            1 => Some(SlotKind::UnblockCode),
            2 => Some(SlotKind::Passphrase),
            _ => None,
        }
    }
}

/// The backup key sealed under a key derived from one secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySlot {
    /// Which secret opens it.
    pub kind: SlotKind,
    /// Argon2id cost.
    pub kdf: KdfParams,
    /// Argon2id salt.
    pub salt: [u8; SALT_LEN],
    /// `aead::seal(Argon2id(secret, salt), AD, backup key)`.
    pub sealed: Vec<u8>,
}

fn slot_aad(kind: SlotKind, backup_id: &[u8; BACKUP_ID_LEN]) -> Vec<u8> {
    let mut aad = b"vakt/backup/v1/slot/".to_vec();
    aad.push(kind.byte());
    aad.extend_from_slice(backup_id);
    aad
}

impl KeySlot {
    /// Seals `backup_key` under a key-encryption key already derived
    /// (`kek` = Argon2id(secret, `salt`) at cost `kdf`): no KDF runs. A cost
    /// beyond [`KdfParams::fits_file_bounds`] is [`BackupError::CostTooHigh`]:
    /// reading would refuse it.
    pub fn seal_with_kek(
        kind: SlotKind,
        kdf: KdfParams,
        salt: [u8; SALT_LEN],
        kek: &Key256,
        backup_id: &[u8; BACKUP_ID_LEN],
        backup_key: &Key256,
        rng: &dyn RandomSource,
    ) -> Result<Self, BackupError> {
        // Never write a backup that reading refuses.
        if !kdf.fits_file_bounds() {
            return Err(BackupError::CostTooHigh);
        }
        // EXPOSE: the backup key is sealed under the slot's key-encryption key.
        let sealed = aead::seal(kek, &slot_aad(kind, backup_id), backup_key.expose(), rng)
            .map_err(|_| BackupError::Random)?;
        Ok(Self {
            kind,
            kdf,
            salt,
            sealed,
        })
    }

    /// Seals `backup_key` under Argon2id(`secret`) with a fresh salt (a cost
    /// beyond [`KdfParams::fits_file_bounds`] is refused first).
    pub fn seal(
        kind: SlotKind,
        kdf: KdfParams,
        secret: &[u8],
        backup_id: &[u8; BACKUP_ID_LEN],
        backup_key: &Key256,
        rng: &dyn RandomSource,
    ) -> Result<Self, BackupError> {
        if !kdf.fits_file_bounds() {
            return Err(BackupError::CostTooHigh);
        }
        let salt: [u8; SALT_LEN] = random_array(rng).map_err(|_| BackupError::Random)?;
        let kek = kdf
            .derive(secret, &salt)
            .map_err(|_| BackupError::Damaged)?;
        Self::seal_with_kek(kind, kdf, salt, &kek, backup_id, backup_key, rng)
    }

    /// Opens the slot with `secret`: `Ok(None)` when the secret is wrong (AEAD
    /// authentication is the comparison). Runs the slot's KDF.
    pub fn open(
        &self,
        secret: &[u8],
        backup_id: &[u8; BACKUP_ID_LEN],
    ) -> Result<Option<Key256>, BackupError> {
        let kek = self
            .kdf
            .derive(secret, &self.salt)
            .map_err(|_| BackupError::Damaged)?;
        match aead::open(&kek, &slot_aad(self.kind, backup_id), &self.sealed) {
            Ok(plain) => Key256::from_slice(&plain)
                .map(Some)
                .ok_or(BackupError::Damaged),
            Err(_) => Ok(None),
        }
    }

    /// `kind u8 ‖ kdf 12 ‖ salt 16 ‖ sealed length u16 ‖ sealed`.
    pub fn to_bytes(&self) -> Result<Vec<u8>, BackupError> {
        let mut out = Vec::with_capacity(1 + 12 + SALT_LEN + 2 + self.sealed.len());
        out.push(self.kind.byte());
        out.extend_from_slice(&self.kdf.to_bytes());
        out.extend_from_slice(&self.salt);
        let len = u16::try_from(self.sealed.len()).map_err(|_| BackupError::Damaged)?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&self.sealed);
        Ok(out)
    }

    /// Reads [`KeySlot::to_bytes`] back (exactly, nothing after it).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BackupError> {
        let mut r = Reader::new(bytes);
        let slot = Self::read(&mut r)?;
        end(&r)?;
        Ok(slot)
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, BackupError> {
        let kind = SlotKind::from_byte(r.u8()?).ok_or(BackupError::Damaged)?;
        let kdf = KdfParams::from_bytes(r.take(12)?).map_err(|_| BackupError::Damaged)?;
        if !kdf.fits_file_bounds() {
            return Err(BackupError::CostTooHigh);
        }
        let salt = r.array::<SALT_LEN>()?;
        let len = usize::from(r.u16()?);
        let sealed = r.take(len)?.to_vec();
        Ok(Self {
            kind,
            kdf,
            salt,
            sealed,
        })
    }
}

/// The clear part of a backup: which key it is under and how to open it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Random, made with the backup key; not the vault's id.
    pub backup_id: [u8; BACKUP_ID_LEN],
    /// Which unblock code opens this backup: 1 for the first code made with
    /// this backup key, one more for each new code since.
    pub generation: u32,
    /// The ways to open the backup key (one per kind at most).
    pub slots: Vec<KeySlot>,
}

impl Header {
    fn to_bytes(&self) -> Result<Vec<u8>, BackupError> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.backup_id);
        out.extend_from_slice(&self.generation.to_be_bytes());
        if self.slots.is_empty() || self.slots.len() > MAX_SLOTS {
            return Err(BackupError::Damaged);
        }
        out.push(u8::try_from(self.slots.len()).map_err(|_| BackupError::Damaged)?);
        for slot in &self.slots {
            out.extend_from_slice(&slot.to_bytes()?);
        }
        Ok(out)
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, BackupError> {
        let mut r = Reader::new(bytes);
        let backup_id = r.array::<BACKUP_ID_LEN>()?;
        let generation = r.u32()?;
        let count = usize::from(r.u8()?);
        if count == 0 || count > MAX_SLOTS {
            return Err(BackupError::Damaged);
        }
        let mut slots: Vec<KeySlot> = Vec::with_capacity(count);
        for _ in 0..count {
            let slot = KeySlot::read(&mut r)?;
            if slots.iter().any(|s| s.kind == slot.kind) {
                return Err(BackupError::Damaged);
            }
            slots.push(slot);
        }
        end(&r)?;
        Ok(Self {
            backup_id,
            generation,
            slots,
        })
    }

    /// The slot of `kind`, if the backup has one.
    pub fn slot(&self, kind: SlotKind) -> Option<&KeySlot> {
        self.slots.iter().find(|s| s.kind == kind)
    }
}

/// What a payload record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// An OTP account in the vault's record encoding (`vault::record`).
    Account,
    /// A push token in the vault's encoding (`push::token`); its device key
    /// is not in the backup.
    PushToken,
    /// The vault's escrow enrolment (`vault::escrow`): the organisation's
    /// public key and the hint; at most one.
    EscrowEnrolment,
    /// A privacyIDEA container's record (`container::record`, JSON), its
    /// tokens' ids those the restore gives them; its device key is not in the
    /// backup, so it is restored as needing registration.
    Container,
}

impl RecordKind {
    fn byte(self) -> u8 {
        match self {
            RecordKind::Account => 1,
            RecordKind::PushToken => 2,
            RecordKind::EscrowEnrolment => 3,
            RecordKind::Container => 4,
        }
    }

    fn from_byte(b: u8) -> Option<Self> {
        match b {
            1 => Some(RecordKind::Account),
            2 => Some(RecordKind::PushToken),
            3 => Some(RecordKind::EscrowEnrolment),
            4 => Some(RecordKind::Container),
            _ => None,
        }
    }
}

/// One record of the payload, still encoded.
pub struct Record {
    /// What it is.
    pub kind: RecordKind,
    /// Its encoding (holds secrets; zeroized on drop).
    pub bytes: Zeroizing<Vec<u8>>,
}

/// A parsed (not yet decrypted) backup.
pub struct Parsed<'a> {
    /// The clear header.
    pub header: Header,
    /// Bytes bound into the payload's AEAD: prefix and header.
    aad: &'a [u8],
    sealed_payload: &'a [u8],
}

fn payload_aad(prefix_and_header: &[u8]) -> Vec<u8> {
    let mut aad = b"vakt/backup/v1/payload/".to_vec();
    aad.extend_from_slice(prefix_and_header);
    aad
}

/// Writes a backup of `records` under `backup_key`.
pub fn write(
    header: &Header,
    backup_key: &Key256,
    records: &[Record],
    rng: &dyn RandomSource,
) -> Result<Vec<u8>, BackupError> {
    let header_bytes = header.to_bytes()?;
    let header_len = u32::try_from(header_bytes.len()).map_err(|_| BackupError::Damaged)?;
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&header_len.to_be_bytes());
    out.extend_from_slice(&header_bytes);

    let count = u32::try_from(records.len()).map_err(|_| BackupError::TooLarge)?;
    if count > MAX_RECORDS {
        return Err(BackupError::TooLarge);
    }
    let body_len: usize = records.iter().map(|r| 5 + r.bytes.len()).sum::<usize>() + 4;
    let padded = body_len.div_ceil(PAD_TO).max(1) * PAD_TO;
    let mut plain = Zeroizing::new(Vec::with_capacity(padded));
    plain.extend_from_slice(&count.to_be_bytes());
    for record in records {
        plain.push(record.kind.byte());
        let len = u32::try_from(record.bytes.len()).map_err(|_| BackupError::TooLarge)?;
        plain.extend_from_slice(&len.to_be_bytes());
        plain.extend_from_slice(&record.bytes);
    }
    plain.resize(padded, 0);

    let sealed =
        aead::seal(backup_key, &payload_aad(&out), &plain, rng).map_err(|_| BackupError::Random)?;
    if sealed.len() > MAX_PAYLOAD_LEN {
        return Err(BackupError::TooLarge);
    }
    let sealed_len = u32::try_from(sealed.len()).map_err(|_| BackupError::TooLarge)?;
    out.extend_from_slice(&sealed_len.to_be_bytes());
    out.extend_from_slice(&sealed);
    let checksum = digest::digest(&digest::SHA256, &out);
    out.extend_from_slice(checksum.as_ref());
    Ok(out)
}

/// Reads a backup's structure and checks its integrity, without any secret.
pub fn parse(bytes: &[u8]) -> Result<Parsed<'_>, BackupError> {
    // Magic: a prefix of it is a cut-short backup, anything else is foreign.
    let magic_part = bytes.get(..MAGIC.len()).unwrap_or(bytes);
    if !MAGIC.starts_with(magic_part) {
        return Err(BackupError::NotABackup);
    }
    let mut r = Reader::new(bytes);
    r.take(MAGIC.len()).map_err(|_| BackupError::Truncated)?;
    let version = r.u8().map_err(|_| BackupError::Truncated)?;
    if version != FORMAT_VERSION {
        return Err(BackupError::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let header_len = usize::try_from(r.u32().map_err(|_| BackupError::Truncated)?)
        .map_err(|_| BackupError::Damaged)?;
    if header_len > MAX_HEADER_LEN {
        return Err(BackupError::Damaged);
    }
    let header_bytes = r.take(header_len).map_err(|_| BackupError::Truncated)?;
    let payload_len = usize::try_from(r.u32().map_err(|_| BackupError::Truncated)?)
        .map_err(|_| BackupError::Damaged)?;
    if payload_len > MAX_PAYLOAD_LEN {
        return Err(BackupError::Damaged);
    }
    let sealed_payload = r.take(payload_len).map_err(|_| BackupError::Truncated)?;
    let checksum = r.take(CHECKSUM_LEN).map_err(|_| BackupError::Truncated)?;
    if !r.is_empty() {
        return Err(BackupError::Damaged);
    }
    let covered = bytes
        .get(..bytes.len() - CHECKSUM_LEN)
        .ok_or(BackupError::Truncated)?;
    // Not a secret comparison: anyone can compute the checksum.
    if digest::digest(&digest::SHA256, covered).as_ref() != checksum {
        return Err(BackupError::Damaged);
    }
    let header = Header::from_bytes(header_bytes)?;
    let aad = bytes
        .get(..PREFIX_LEN + header_len)
        .ok_or(BackupError::Truncated)?;
    Ok(Parsed {
        header,
        aad,
        sealed_payload,
    })
}

impl Parsed<'_> {
    /// Decrypts the payload with the backup key and splits it into records.
    pub fn open(&self, backup_key: &Key256) -> Result<Vec<Record>, BackupError> {
        let plain = aead::open(backup_key, &payload_aad(self.aad), self.sealed_payload)
            .map_err(|_| BackupError::Damaged)?;
        let mut r = Reader::new(&plain);
        let count = r.u32()?;
        if count > MAX_RECORDS {
            return Err(BackupError::Damaged);
        }
        let mut records = Vec::new();
        for _ in 0..count {
            let kind = r.u8()?;
            let len = usize::try_from(r.u32()?).map_err(|_| BackupError::Damaged)?;
            let bytes = Zeroizing::new(r.take(len)?.to_vec());
            let kind = RecordKind::from_byte(kind).ok_or(BackupError::UnsupportedContent)?;
            records.push(Record { kind, bytes });
        }
        if r.rest().iter().any(|&b| b != 0) {
            return Err(BackupError::Damaged);
        }
        Ok(records)
    }
}

/// The byte reader, its running out a damaged file.
type Reader<'a> = ByteReader<'a>;

impl From<Short> for BackupError {
    fn from(_: Short) -> Self {
        BackupError::Damaged
    }
}

/// `Ok` if `r` read every byte, else the file is damaged.
fn end(r: &Reader<'_>) -> Result<(), BackupError> {
    if r.is_empty() {
        Ok(())
    } else {
        Err(BackupError::Damaged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::DeterministicRandom;

    fn sample(rng: &DeterministicRandom) -> (Vec<u8>, Key256) {
        let key = Key256::new([7; 32]);
        let backup_id = [3; 16];
        let slot = KeySlot::seal(
            SlotKind::UnblockCode,
            KdfParams::INSECURE_FOR_TESTS,
            b"CODE",
            &backup_id,
            &key,
            rng,
        )
        .unwrap();
        let header = Header {
            backup_id,
            generation: 2,
            slots: vec![slot],
        };
        let records = vec![
            Record {
                kind: RecordKind::Account,
                bytes: Zeroizing::new(b"first".to_vec()),
            },
            Record {
                kind: RecordKind::Account,
                bytes: Zeroizing::new(vec![9; 300]),
            },
        ];
        (write(&header, &key, &records, rng).unwrap(), key)
    }

    #[test]
    fn round_trip() {
        let rng = DeterministicRandom::new(1);
        let (bytes, key) = sample(&rng);
        let parsed = parse(&bytes).unwrap();
        assert_eq!(parsed.header.generation, 2);
        let slot = parsed.header.slot(SlotKind::UnblockCode).unwrap();
        assert!(slot.open(b"CODF", &[3; 16]).unwrap().is_none());
        let opened = slot.open(b"CODE", &[3; 16]).unwrap().unwrap();
        assert!(opened.ct_eq(&key));
        let records = parsed.open(&opened).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(&records[0].bytes[..], b"first");
        assert_eq!(&records[1].bytes[..], &[9; 300][..]);
        assert!(parsed.header.slot(SlotKind::Passphrase).is_none());
    }

    #[test]
    fn payload_is_padded() {
        let rng = DeterministicRandom::new(2);
        let (bytes, _) = sample(&rng);
        let parsed = parse(&bytes).unwrap();
        // 1 version + 12 nonce + 16 tag around a multiple of 256.
        assert_eq!((parsed.sealed_payload.len() - 29) % PAD_TO, 0);
    }

    #[test]
    fn every_flipped_byte_is_caught_before_any_secret() {
        let rng = DeterministicRandom::new(3);
        let (bytes, _) = sample(&rng);
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            let err = parse(&bad).map(|_| ()).unwrap_err();
            assert!(
                matches!(
                    err,
                    BackupError::Damaged
                        | BackupError::NotABackup
                        | BackupError::UnsupportedVersion { .. }
                        | BackupError::Truncated
                ),
                "byte {i}: {err:?}"
            );
        }
    }

    #[test]
    fn every_truncation_is_caught() {
        let rng = DeterministicRandom::new(4);
        let (bytes, _) = sample(&rng);
        for len in 0..bytes.len() {
            let err = parse(&bytes[..len]).map(|_| ()).unwrap_err();
            assert!(
                matches!(err, BackupError::Truncated | BackupError::Damaged),
                "length {len}: {err:?}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            parse(&longer).map(|_| ()).unwrap_err(),
            BackupError::Damaged
        );
    }

    #[test]
    fn foreign_and_newer_files() {
        for foreign in [
            &b"PK\x03\x04 a zip"[..],
            b"{\"version\": 1}",
            b"VAKTBKQ\x01",
        ] {
            assert_eq!(
                parse(foreign).map(|_| ()).unwrap_err(),
                BackupError::NotABackup
            );
        }
        let rng = DeterministicRandom::new(5);
        let (mut bytes, _) = sample(&rng);
        bytes[7] = 2;
        assert_eq!(
            parse(&bytes).map(|_| ()).unwrap_err(),
            BackupError::UnsupportedVersion {
                found: 2,
                supported: 1
            }
        );
    }

    #[test]
    fn tampering_with_a_valid_checksum_is_caught_by_the_aead() {
        let rng = DeterministicRandom::new(6);
        let (bytes, key) = sample(&rng);
        let body = bytes.len() - CHECKSUM_LEN;
        // Flip a bit in the generation (header) and fix the checksum: the
        // payload's associated data no longer matches.
        let mut bad = bytes[..body].to_vec();
        bad[PREFIX_LEN + BACKUP_ID_LEN + 3] ^= 1;
        let sum = digest::digest(&digest::SHA256, &bad);
        bad.extend_from_slice(sum.as_ref());
        let parsed = parse(&bad).unwrap();
        assert_eq!(
            parsed.open(&key).map(|_| ()).unwrap_err(),
            BackupError::Damaged
        );
    }

    /// `bytes` with the first key slot's KDF cost set to `kdf` and the
    /// checksum fixed.
    fn with_slot_cost(bytes: &[u8], kdf: KdfParams) -> Vec<u8> {
        let body = bytes.len() - CHECKSUM_LEN;
        let mut out = bytes[..body].to_vec();
        let at = PREFIX_LEN + BACKUP_ID_LEN + 4 + 1 + 1;
        out[at..at + 12].copy_from_slice(&kdf.to_bytes());
        let sum = digest::digest(&digest::SHA256, &out);
        out.extend_from_slice(sum.as_ref());
        out
    }

    #[test]
    fn a_header_asking_for_a_dear_kdf_is_refused_before_any_derivation() {
        let rng = DeterministicRandom::new(8);
        let (bytes, _) = sample(&rng);
        let dear = [
            // The most `KdfParams::from_bytes` takes: 1 GiB × 64 passes × 16 lanes.
            KdfParams {
                memory_kib: 1 << 20,
                iterations: 64,
                parallelism: 16,
            },
            KdfParams {
                memory_kib: 512 * 1024,
                iterations: 1,
                parallelism: 1,
            },
            KdfParams {
                memory_kib: 64 * 1024,
                iterations: 13,
                parallelism: 1,
            },
            KdfParams {
                parallelism: 8,
                ..KdfParams::PIN_DEFAULT
            },
        ];
        for kdf in dear {
            let start = std::time::Instant::now();
            assert_eq!(
                parse(&with_slot_cost(&bytes, kdf)).map(|_| ()).unwrap_err(),
                BackupError::CostTooHigh,
                "{kdf:?}"
            );
            assert!(start.elapsed() < crate::test_time::scaled(std::time::Duration::from_secs(1)));
        }
        // Our own costs still read.
        for kdf in [KdfParams::PIN_DEFAULT, KdfParams::UNBLOCK_DEFAULT] {
            assert!(parse(&with_slot_cost(&bytes, kdf)).is_ok());
        }
        // And are never written beyond the bounds.
        let err = KeySlot::seal_with_kek(
            SlotKind::Passphrase,
            dear[0],
            [0; SALT_LEN],
            &Key256::new([1; 32]),
            &[1; 16],
            &Key256::new([2; 32]),
            &rng,
        )
        .unwrap_err();
        assert_eq!(err, BackupError::CostTooHigh);
    }

    /// `bytes` (a backup) with its length field at `at` set to `len` and the
    /// checksum fixed.
    fn with_length(bytes: &[u8], at: usize, len: u32) -> Vec<u8> {
        let mut out = bytes[..bytes.len() - CHECKSUM_LEN].to_vec();
        out[at..at + 4].copy_from_slice(&len.to_be_bytes());
        let sum = digest::digest(&digest::SHA256, &out);
        out.extend_from_slice(sum.as_ref());
        out
    }

    #[test]
    fn length_fields_at_and_past_the_32_bit_bounds() {
        let rng = DeterministicRandom::new(9);
        let (bytes, _) = sample(&rng);
        let header_len = parse(&bytes).unwrap().aad.len() - PREFIX_LEN;
        let payload_at = PREFIX_LEN + header_len;
        // Beyond the limits (0xFFFF_FFFF is usize::MAX on a 32-bit target):
        // refused before any slice is taken.
        for len in [u32::MAX, u32::MAX - 1, 1 << 31, MAX_HEADER_LEN as u32 + 1] {
            assert_eq!(
                parse(&with_length(&bytes, MAGIC.len() + 1, len))
                    .map(|_| ())
                    .unwrap_err(),
                BackupError::Damaged,
                "header length {len:#x}"
            );
        }
        for len in [u32::MAX, u32::MAX - 1, 1 << 31, MAX_PAYLOAD_LEN as u32 + 1] {
            assert_eq!(
                parse(&with_length(&bytes, payload_at, len))
                    .map(|_| ())
                    .unwrap_err(),
                BackupError::Damaged,
                "payload length {len:#x}"
            );
        }
        // Within the limits but past the end of the file.
        assert_eq!(
            parse(&with_length(&bytes, payload_at, MAX_PAYLOAD_LEN as u32))
                .map(|_| ())
                .unwrap_err(),
            BackupError::Truncated
        );
    }

    /// A backup with `sample`'s header whose payload is `plain`, sealed
    /// under `key` as `write` seals it.
    fn with_plain_payload(
        bytes: &[u8],
        key: &Key256,
        plain: &[u8],
        rng: &DeterministicRandom,
    ) -> Vec<u8> {
        let parsed = parse(bytes).unwrap();
        let mut out = parsed.aad.to_vec();
        let sealed = aead::seal(key, &payload_aad(&out), plain, rng).unwrap();
        out.extend_from_slice(&u32::try_from(sealed.len()).unwrap().to_be_bytes());
        out.extend_from_slice(&sealed);
        let sum = digest::digest(&digest::SHA256, &out);
        out.extend_from_slice(sum.as_ref());
        out
    }

    #[test]
    fn record_counts_and_lengths_past_the_32_bit_bounds() {
        let rng = DeterministicRandom::new(10);
        let (bytes, key) = sample(&rng);
        let open = |plain: &[u8]| {
            let file = with_plain_payload(&bytes, &key, plain, &rng);
            parse(&file).unwrap().open(&key).map(|r| r.len())
        };
        let record = |len: u32| {
            let mut plain = 1u32.to_be_bytes().to_vec();
            plain.push(1);
            plain.extend_from_slice(&len.to_be_bytes());
            plain.extend_from_slice(b"abcd");
            plain
        };
        // The control: the record's true length reads.
        assert_eq!(open(&record(4)), Ok(1));
        for len in [5, 1 << 31, u32::MAX - 1, u32::MAX] {
            assert_eq!(open(&record(len)), Err(BackupError::Damaged), "{len:#x}");
        }
        for count in [MAX_RECORDS + 1, 1 << 31, u32::MAX] {
            assert_eq!(
                open(&count.to_be_bytes()),
                Err(BackupError::Damaged),
                "{count:#x}"
            );
        }
        // A count within the limit but more than the payload holds.
        assert_eq!(open(&MAX_RECORDS.to_be_bytes()), Err(BackupError::Damaged));
    }

    #[test]
    fn slot_bytes_round_trip() {
        let rng = DeterministicRandom::new(7);
        let slot = KeySlot::seal(
            SlotKind::Passphrase,
            KdfParams::INSECURE_FOR_TESTS,
            b"correct horse",
            &[1; 16],
            &Key256::new([2; 32]),
            &rng,
        )
        .unwrap();
        let bytes = slot.to_bytes().unwrap();
        assert_eq!(KeySlot::from_bytes(&bytes).unwrap(), slot);
        assert!(KeySlot::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        // Bound to the backup id.
        assert!(slot.open(b"correct horse", &[9; 16]).unwrap().is_none());
    }
}
