//! The escrow record: what support needs to read a user their unblock code —
//! the code, the vault it opens, its generation, when it was made and the
//! organisation's hint — sealed to the organisation's key with HPKE.
//!
//! ```text
//! "VAKTESC" 0x01 (8) ‖ key id (8) ‖ vault id (16) ‖ generation (4, BE)
//!   ‖ encapsulated key (32) ‖ HPKE ciphertext of the JSON payload
//! ```
//! The key id (the first 8 bytes of SHA-256 over the organisation's public
//! key) tells a wrong key from a damaged record; the first 36 bytes are the
//! AEAD's associated data, so the clear vault id and generation cannot be
//! changed, and the payload repeats them. The payload is UTF-8 JSON.
//!
//! HPKE's base mode does not say who sealed a record — anyone with the public
//! key can — so a forged record is possible; it reads out a code that opens
//! nothing.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::secret::SecretString;

use crate::byte_reader::ByteReader;
use crate::rng::RandomSource;

use super::error::EscrowError;
use super::keys::{OrgIdentity, OrgPublicKey};
use super::suite::{Aead, Drawn, INFO, Kdf, Kem};

/// The format label inside every record.
const FORMAT: &str = "vakt-escrow/1";
/// The first bytes of every record (format version 1).
const MAGIC: &[u8; 8] = b"VAKTESC\x01";
/// Magic, key id, vault id, generation: the associated data.
const AAD_LEN: usize = 8 + 8 + 16 + 4;
/// The encapsulated X25519 key.
const ENC_LEN: usize = 32;
/// The largest record payload read (a hint is at most a few hundred bytes).
const MAX_PAYLOAD: usize = 4096;

/// What an escrow record holds.
#[derive(Debug)]
pub struct EscrowPayload {
    /// The unblock code, grouped for reading aloud (`XXXXX-XXXXX-XXXXX-XXXXX`).
    pub unblock_code: SecretString,
    /// The vault it unblocks (its 16-byte id).
    pub vault_id: [u8; 16],
    /// Which unblock code of that vault: a higher generation supersedes a
    /// lower one (the lower one no longer opens the vault).
    pub generation: u32,
    /// When the code was made (Unix seconds).
    pub created_at: u64,
    /// The organisation's account hint (e.g. the user's e-mail address).
    pub hint: String,
}

#[derive(Serialize, Deserialize)]
struct Wire {
    format: String,
    vault_id: String,
    generation: u32,
    created_at: u64,
    hint: String,
    unblock_code: String,
}

/// A vault id as records and the CLI show it: 32 lowercase hex digits.
pub fn vault_id_hex(id: &[u8; 16]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

fn vault_id_from_hex(text: &str) -> Option<[u8; 16]> {
    if text.len() != 32 || !text.is_ascii() {
        return None;
    }
    let mut id = [0u8; 16];
    for (byte, pair) in id.iter_mut().zip(text.as_bytes().chunks(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(id)
}

impl EscrowPayload {
    /// The vault id in hex.
    pub fn vault_id_hex(&self) -> String {
        vault_id_hex(&self.vault_id)
    }

    /// Refuses the record unless it belongs to the vault `expected` (hex, any
    /// case).
    pub fn check_vault(&self, expected: &str) -> Result<(), EscrowError> {
        let found = self.vault_id_hex();
        if found.eq_ignore_ascii_case(expected.trim()) {
            Ok(())
        } else {
            Err(EscrowError::OtherVault {
                expected: expected.trim().to_ascii_lowercase(),
                found,
            })
        }
    }

    fn encode(&self) -> Result<Zeroizing<Vec<u8>>, EscrowError> {
        let wire = Zeroizing::new(Wire {
            format: FORMAT.to_owned(),
            vault_id: self.vault_id_hex(),
            generation: self.generation,
            created_at: self.created_at,
            hint: self.hint.clone(),
            // EXPOSE: the code is sealed to the organisation's key.
            unblock_code: self.unblock_code.expose().to_owned(),
        });
        let mut out = Zeroizing::new(Vec::with_capacity(MAX_PAYLOAD));
        serde_json::to_writer_pretty(&mut *out, &*wire).map_err(|_| EscrowError::Seal)?;
        out.push(b'\n');
        Ok(out)
    }

    /// Reads a record's opened payload (exposed for the fuzz target).
    pub fn decode(bytes: &[u8]) -> Result<Self, EscrowError> {
        if bytes.len() > MAX_PAYLOAD {
            return Err(EscrowError::Malformed);
        }
        let wire: Zeroizing<Wire> =
            Zeroizing::new(serde_json::from_slice(bytes).map_err(|_| EscrowError::Malformed)?);
        if wire.format != FORMAT {
            return Err(EscrowError::Malformed);
        }
        // The code's own check (its check character) is the vault's: here
        // only its shape, 23 characters at most of letters, digits and dashes.
        let code = &wire.unblock_code;
        if code.is_empty()
            || code.len() > 23
            || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(EscrowError::Malformed);
        }
        Ok(Self {
            unblock_code: SecretString::from_str_copy(code),
            vault_id: vault_id_from_hex(&wire.vault_id).ok_or(EscrowError::Malformed)?,
            generation: wire.generation,
            created_at: wire.created_at,
            hint: wire.hint.clone(),
        })
    }
}

impl zeroize::Zeroize for Wire {
    fn zeroize(&mut self) {
        self.unblock_code.zeroize();
    }
}

/// What a record says in clear (authenticated once it is opened).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    /// The first 8 bytes of SHA-256 over the organisation key it is sealed to.
    pub key_id: [u8; 8],
    /// The vault it unblocks.
    pub vault_id: [u8; 16],
    /// Which unblock code of that vault.
    pub generation: u32,
}

impl RecordHeader {
    /// Reads a record's clear header (no key needed; not yet authenticated).
    pub fn read(record: &[u8]) -> Result<Self, EscrowError> {
        let mut r = ByteReader::new(record);
        let not_a_record = |_| EscrowError::NotARecord;
        if r.array::<8>().map_err(not_a_record)? != *MAGIC {
            return Err(EscrowError::NotARecord);
        }
        Ok(Self {
            key_id: r.array().map_err(not_a_record)?,
            vault_id: r.array().map_err(not_a_record)?,
            generation: r.u32().map_err(not_a_record)?,
        })
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(AAD_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.key_id);
        out.extend_from_slice(&self.vault_id);
        out.extend_from_slice(&self.generation.to_be_bytes());
        out
    }
}

fn key_id(org: &OrgPublicKey) -> [u8; 8] {
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        &hpke::Serializable::to_bytes(org.key()),
    );
    let mut id = [0u8; 8];
    id.copy_from_slice(digest.as_ref().get(..8).unwrap_or(&[0; 8]));
    id
}

/// Seals `payload` to the organisation's key (randomness from `rng`).
pub fn seal(
    payload: &EscrowPayload,
    org: &OrgPublicKey,
    rng: &dyn RandomSource,
) -> Result<Vec<u8>, EscrowError> {
    let plain = payload.encode()?;
    let header = RecordHeader {
        key_id: key_id(org),
        vault_id: payload.vault_id,
        generation: payload.generation,
    }
    .encode();
    let mut drawn = Drawn::from(rng).map_err(|_| EscrowError::Seal)?;
    let (enc, sealed) = hpke::single_shot_seal_with_rng::<Aead, Kdf, Kem>(
        &hpke::OpModeS::Base,
        org.key(),
        INFO,
        &plain,
        &header,
        &mut drawn,
    )
    .map_err(|_| EscrowError::Seal)?;
    let mut out = header;
    out.extend_from_slice(&hpke::Serializable::to_bytes(&enc));
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Opens a record with the organisation's secret key.
pub fn open(record: &[u8], identity: &OrgIdentity) -> Result<EscrowPayload, EscrowError> {
    let header = RecordHeader::read(record)?;
    if header.key_id != key_id(&identity.public_key()) {
        return Err(EscrowError::WrongKey);
    }
    let (aad, rest) = record.split_at(AAD_LEN);
    if rest.len() < ENC_LEN {
        return Err(EscrowError::Tampered);
    }
    let (enc, sealed) = rest.split_at(ENC_LEN);
    let enc = <<Kem as hpke::Kem>::EncappedKey as hpke::Deserializable>::from_bytes(enc)
        .map_err(|_| EscrowError::Tampered)?;
    let plain = hpke::single_shot_open::<Aead, Kdf, Kem>(
        &hpke::OpModeR::Base,
        identity.key(),
        &enc,
        INFO,
        sealed,
        aad,
    )
    .map_err(|_| EscrowError::Tampered)?;
    let payload = EscrowPayload::decode(&Zeroizing::new(plain))?;
    if payload.vault_id != header.vault_id || payload.generation != header.generation {
        return Err(EscrowError::Malformed);
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::DeterministicRandom;

    fn payload(vault_id: [u8; 16], generation: u32) -> EscrowPayload {
        EscrowPayload {
            unblock_code: SecretString::from_str_copy("0B97X-KEN0D-Y3XSD-BPK35"),
            vault_id,
            generation,
            created_at: 1_790_000_000,
            hint: "alice@example.org".into(),
        }
    }

    fn make(seed: u64) -> OrgIdentity {
        OrgIdentity::generate(&DeterministicRandom::new(seed)).unwrap()
    }

    fn sealed(payload: &EscrowPayload, org: &OrgIdentity) -> Vec<u8> {
        seal(payload, &org.public_key(), &DeterministicRandom::new(9)).unwrap()
    }

    #[test]
    fn a_record_opens_with_the_organisation_key_only() {
        let org = make(1);
        let sealed = sealed(&payload([7; 16], 3), &org);
        assert_eq!(
            RecordHeader::read(&sealed).unwrap(),
            RecordHeader {
                key_id: key_id(&org.public_key()),
                vault_id: [7; 16],
                generation: 3
            }
        );
        let text = String::from_utf8_lossy(&sealed);
        assert!(!text.contains("KEN0D") && !text.contains("alice"), "{text}");
        let opened = open(&sealed, &org).unwrap();
        assert_eq!(opened.unblock_code.expose(), "0B97X-KEN0D-Y3XSD-BPK35");
        assert_eq!(opened.vault_id, [7; 16]);
        assert_eq!(opened.generation, 3);
        assert_eq!(opened.created_at, 1_790_000_000);
        assert_eq!(opened.hint, "alice@example.org");
        let other = make(2);
        assert_eq!(
            open(&sealed, &other).map(|_| ()),
            Err(EscrowError::WrongKey)
        );
    }

    #[test]
    fn a_changed_or_cut_record_is_refused() {
        let org = make(3);
        let sealed = sealed(&payload([1; 16], 1), &org);
        for i in 0..sealed.len() {
            let mut changed = sealed.clone();
            changed[i] ^= 0x40;
            let expected = match i {
                0..8 => EscrowError::NotARecord,
                8..16 => EscrowError::WrongKey,
                _ => EscrowError::Tampered,
            };
            assert_eq!(open(&changed, &org).map(|_| ()), Err(expected), "byte {i}");
        }
        for len in 0..sealed.len() {
            assert!(open(&sealed[..len], &org).is_err(), "cut at {len}");
        }
        assert_eq!(
            open(b"hello", &org).map(|_| ()),
            Err(EscrowError::NotARecord)
        );
    }

    #[test]
    fn the_vault_check_compares_ids() {
        let p = payload([0xab; 16], 1);
        assert!(p.check_vault(&"AB".repeat(16)).is_ok());
        assert_eq!(
            p.check_vault(&"ac".repeat(16)),
            Err(EscrowError::OtherVault {
                expected: "ac".repeat(16),
                found: "ab".repeat(16)
            })
        );
    }

    #[test]
    fn payloads_other_than_records_are_malformed() {
        let good = payload([2; 16], 9).encode().unwrap();
        assert!(EscrowPayload::decode(&good).is_ok());
        let text = std::str::from_utf8(&good).unwrap();
        for bad in [
            text.replace("vakt-escrow/1", "vakt-escrow/2"),
            text.replace("0202", "02zz"),
            text.replace("0B97X-KEN0D-Y3XSD-BPK35", "0B97X KEN0D"),
            text.replace("\"generation\": 9", "\"generation\": -9"),
            "[]".into(),
            String::new(),
        ] {
            assert_eq!(
                EscrowPayload::decode(bad.as_bytes()).map(|_| ()),
                Err(EscrowError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_hides_the_code() {
        let shown = format!("{:?}", payload([3; 16], 1));
        assert!(!shown.contains("KEN0D"), "{shown}");
    }
}
