//! Just enough of Java's object serialisation (the Java Object Serialization
//! Specification, chapter 6) to read one `java.util.HashMap<String, String>`,
//! which is what FreeOTP writes as its backup. Anything else in the stream is
//! refused; nothing is executed or instantiated, only bytes are read.
//!
//! A hostile stream can name one long string many times by back-reference.
//! Strings are therefore shared ([`Rc`]), never copied, and every string
//! handed out is charged, at its full length, to a budget of
//! [`WORK_FACTOR`] × the stream's length: whatever the caller then does with
//! each entry is bounded by a small multiple of the file's size.

use std::rc::Rc;

use crate::byte_reader::{ByteReader, Short};

const MAGIC: [u8; 4] = [0xAC, 0xED, 0x00, 0x05];
const TC_NULL: u8 = 0x70;
const TC_REFERENCE: u8 = 0x71;
const TC_CLASSDESC: u8 = 0x72;
const TC_OBJECT: u8 = 0x73;
const TC_STRING: u8 = 0x74;
const TC_ENDBLOCKDATA: u8 = 0x78;
const TC_BLOCKDATA: u8 = 0x77;
const TC_LONGSTRING: u8 = 0x7C;
const BASE_HANDLE: u32 = 0x7E_0000;
const SC_WRITE_METHOD: u8 = 0x01;
const SC_SERIALIZABLE: u8 = 0x02;
/// More entries than any backup holds.
const MAX_ENTRIES: u32 = 100_000;
/// The bytes of strings handed out (each reference counted again) may total at
/// most this many times the stream's length, plus [`WORK_SLACK`].
pub(crate) const WORK_FACTOR: usize = 4;
/// Room for the fixed part of a tiny stream.
const WORK_SLACK: usize = 4096;

/// Why a stream was not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SerialError {
    /// The stream is not a serialised `HashMap<String, String>` (no detail:
    /// the caller names the format).
    NotAStringMap,
    /// Its strings, counted once per use, come to more than [`WORK_FACTOR`]
    /// times the stream's length: back-references multiplying one string.
    TooMuchWork,
}

use SerialError::NotAStringMap;

impl From<Short> for SerialError {
    fn from(_: Short) -> Self {
        NotAStringMap
    }
}

/// A key and its value, shared with every other use of the same strings.
pub(crate) type Entry = (Rc<str>, Rc<str>);

enum Handle {
    String(Rc<str>),
    Other,
}

struct Reader<'a> {
    bytes: ByteReader<'a>,
    handles: Vec<Handle>,
    /// Bytes of strings that may still be handed out.
    budget: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], SerialError> {
        Ok(self.bytes.take(n)?)
    }

    fn u8(&mut self) -> Result<u8, SerialError> {
        Ok(self.bytes.u8()?)
    }

    fn u16(&mut self) -> Result<u16, SerialError> {
        Ok(self.bytes.u16()?)
    }

    fn u32(&mut self) -> Result<u32, SerialError> {
        Ok(self.bytes.u32()?)
    }

    fn u64(&mut self) -> Result<u64, SerialError> {
        Ok(self.bytes.u64()?)
    }

    fn utf(&mut self, len: usize) -> Result<String, SerialError> {
        let bytes = self.take(len)?;
        decode_modified_utf8(bytes)
    }

    /// Charges `s` to the budget and hands it out (shared, not copied).
    fn hand_out(&mut self, s: &Rc<str>) -> Result<Option<Rc<str>>, SerialError> {
        self.budget = self
            .budget
            .checked_sub(s.len())
            .ok_or(SerialError::TooMuchWork)?;
        Ok(Some(Rc::clone(s)))
    }

    /// A new string: decoded once, remembered for back-references.
    fn new_string(&mut self, len: usize) -> Result<Option<Rc<str>>, SerialError> {
        let s: Rc<str> = Rc::from(self.utf(len)?);
        self.handles.push(Handle::String(Rc::clone(&s)));
        self.hand_out(&s)
    }

    /// A string, a reference to one, or null.
    fn string(&mut self) -> Result<Option<Rc<str>>, SerialError> {
        match self.u8()? {
            TC_NULL => Ok(None),
            TC_STRING => {
                let len = usize::from(self.u16()?);
                self.new_string(len)
            }
            TC_LONGSTRING => {
                let len = usize::try_from(self.u64()?).map_err(|_| NotAStringMap)?;
                self.new_string(len)
            }
            TC_REFERENCE => {
                let handle = self.u32()?.checked_sub(BASE_HANDLE).ok_or(NotAStringMap)?;
                let index = usize::try_from(handle).map_err(|_| NotAStringMap)?;
                let s = match self.handles.get(index) {
                    Some(Handle::String(s)) => Rc::clone(s),
                    _ => return Err(NotAStringMap),
                };
                self.hand_out(&s)
            }
            _ => Err(NotAStringMap),
        }
    }

    /// The class description of `java.util.HashMap`; returns its flags and the
    /// byte size of its (primitive) field values.
    fn hashmap_class(&mut self) -> Result<(u8, usize), SerialError> {
        if self.u8()? != TC_CLASSDESC {
            return Err(NotAStringMap);
        }
        let len = usize::from(self.u16()?);
        if self.utf(len)? != "java.util.HashMap" {
            return Err(NotAStringMap);
        }
        self.u64()?; // serialVersionUID
        self.handles.push(Handle::Other);
        let flags = self.u8()?;
        let mut values = 0usize;
        for _ in 0..self.u16()? {
            let size = match self.u8()? {
                b'B' | b'Z' => 1,
                b'C' | b'S' => 2,
                b'F' | b'I' => 4,
                b'D' | b'J' => 8,
                _ => return Err(NotAStringMap), // object fields: not a HashMap
            };
            let len = usize::from(self.u16()?);
            self.take(len)?;
            values += size;
        }
        // No class annotation, no serialisable superclass.
        if self.u8()? != TC_ENDBLOCKDATA || self.u8()? != TC_NULL {
            return Err(NotAStringMap);
        }
        Ok((flags, values))
    }
}

/// Modified UTF-8 (as `DataOutput.writeUTF`): UTF-16 code units in one to
/// three bytes each.
fn decode_modified_utf8(bytes: &[u8]) -> Result<String, SerialError> {
    let mut units = Vec::with_capacity(bytes.len());
    let mut i = bytes.iter().copied();
    while let Some(a) = i.next() {
        let unit = match a {
            0x00..=0x7f => u16::from(a),
            0xc0..=0xdf => {
                let b = i.next().ok_or(NotAStringMap)?;
                (u16::from(a & 0x1f) << 6) | u16::from(b & 0x3f)
            }
            0xe0..=0xef => {
                let b = i.next().ok_or(NotAStringMap)?;
                let c = i.next().ok_or(NotAStringMap)?;
                (u16::from(a & 0x0f) << 12) | (u16::from(b & 0x3f) << 6) | u16::from(c & 0x3f)
            }
            _ => return Err(NotAStringMap),
        };
        units.push(unit);
    }
    String::from_utf16(&units).map_err(|_| NotAStringMap)
}

/// Reads a serialised `HashMap<String, String>`; entries with a null key or
/// value are left out. The strings handed out total at most [`WORK_FACTOR`]
/// times `bytes.len()` (plus a little), however often the stream refers to
/// them.
pub(crate) fn read_string_map(bytes: &[u8]) -> Result<Vec<Entry>, SerialError> {
    let mut r = Reader {
        bytes: ByteReader::new(bytes),
        handles: Vec::new(),
        budget: bytes
            .len()
            .saturating_mul(WORK_FACTOR)
            .saturating_add(WORK_SLACK),
    };
    if r.take(4)? != MAGIC || r.u8()? != TC_OBJECT {
        return Err(NotAStringMap);
    }
    let (flags, values) = r.hashmap_class()?;
    if flags & (SC_WRITE_METHOD | SC_SERIALIZABLE) != SC_WRITE_METHOD | SC_SERIALIZABLE {
        return Err(NotAStringMap);
    }
    r.handles.push(Handle::Other); // the map itself
    r.take(values)?; // loadFactor, threshold
    // writeObject: block data with capacity and size, then the entries.
    if r.u8()? != TC_BLOCKDATA {
        return Err(NotAStringMap);
    }
    let block = usize::from(r.u8()?);
    if block < 8 {
        return Err(NotAStringMap);
    }
    r.u32()?; // capacity
    let size = r.u32()?;
    r.take(block - 8)?;
    if size > MAX_ENTRIES {
        return Err(NotAStringMap);
    }
    let mut out = Vec::new();
    for _ in 0..size {
        let key = r.string()?;
        let value = r.string()?;
        if let (Some(key), Some(value)) = (key, value) {
            out.push((key, value));
        }
    }
    if r.u8()? != TC_ENDBLOCKDATA || !r.bytes.is_empty() {
        return Err(NotAStringMap);
    }
    Ok(out)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The stream of a map of `size` entries whose entries are `body`.
    fn map_stream(size: u32, body: &[u8]) -> Vec<u8> {
        let mut b = MAGIC.to_vec();
        b.extend([TC_OBJECT, TC_CLASSDESC, 0, 17]);
        b.extend(b"java.util.HashMap");
        b.extend([0x05, 0x07, 0xda, 0xc1, 0xc3, 0x16, 0x60, 0xd1, 0x03, 0, 2]);
        b.extend([b'F', 0, 10]);
        b.extend(b"loadFactor");
        b.extend([b'I', 0, 9]);
        b.extend(b"threshold");
        b.extend([TC_ENDBLOCKDATA, TC_NULL]);
        b.extend([0x3f, 0x40, 0, 0, 0, 0, 0, 12]);
        b.extend([TC_BLOCKDATA, 8, 0, 0, 0, 16]);
        b.extend(size.to_be_bytes());
        b.extend(body);
        b.push(TC_ENDBLOCKDATA);
        b
    }

    /// A map {"a": "b", "c": "a"} the way Java writes it (the second "a" as a
    /// back-reference).
    fn sample() -> Vec<u8> {
        let mut body = vec![TC_STRING, 0, 1, b'a', TC_STRING, 0, 1, b'b'];
        body.extend([TC_STRING, 0, 1, b'c', TC_REFERENCE, 0, 0x7e, 0, 2]);
        map_stream(2, &body)
    }

    /// A back-reference to handle `n` (0 and 1 are the class and the map).
    fn reference(n: u32) -> [u8; 5] {
        let [a, b, c, d] = (BASE_HANDLE + n).to_be_bytes();
        [TC_REFERENCE, a, b, c, d]
    }

    /// One long string of `len` bytes, then `refs` entries whose key is a new
    /// short string and whose value refers back to the long one.
    pub(in crate::transfer::import) fn long_string_referenced(len: usize, refs: u32) -> Vec<u8> {
        let mut body = vec![TC_STRING, 0, 1, b'k', TC_LONGSTRING];
        body.extend(u64::try_from(len).unwrap().to_be_bytes());
        body.resize(body.len() + len, b'x');
        for i in 0..refs {
            body.push(TC_STRING);
            let key = format!("{i}");
            body.extend(u16::try_from(key.len()).unwrap().to_be_bytes());
            body.extend(key.as_bytes());
            body.extend(reference(3));
        }
        map_stream(refs + 1, &body)
    }

    #[test]
    fn reads_a_string_map() {
        let map = read_string_map(&sample()).unwrap();
        let map: Vec<(&str, &str)> = map.iter().map(|(k, v)| (&**k, &**v)).collect();
        assert_eq!(map, vec![("a", "b"), ("c", "a")]);
    }

    #[test]
    fn back_references_share_the_string() {
        let map = read_string_map(&long_string_referenced(1000, 3)).unwrap();
        assert_eq!(map.len(), 4);
        assert!(map.iter().all(|(_, v)| Rc::ptr_eq(v, &map[0].1)));
    }

    #[test]
    fn one_string_referenced_many_times_is_refused() {
        // 64 KiB named 2,000 times: 128 MiB if copied, 32x the stream.
        let bytes = long_string_referenced(64 << 10, 2000);
        assert_eq!(
            read_string_map(&bytes).map(|m| m.len()),
            Err(SerialError::TooMuchWork)
        );
        // A few uses of every string are fine.
        assert!(read_string_map(&long_string_referenced(64 << 10, 3)).is_ok());
    }

    #[test]
    fn the_reported_five_megabyte_shape_fails_fast() {
        // One 5 MB string, then 99,999 references to it: 500 GB if copied.
        let bytes = long_string_referenced(5 << 20, 99_999);
        let start = std::time::Instant::now();
        assert_eq!(
            read_string_map(&bytes).map(|m| m.len()),
            Err(SerialError::TooMuchWork)
        );
        assert!(start.elapsed() < crate::test_time::scaled(std::time::Duration::from_secs(2)));
    }

    #[test]
    fn many_entries_are_bounded() {
        // Null pairs cost two bytes each and are left out; more than
        // MAX_ENTRIES is refused whatever the stream says.
        let body = vec![TC_NULL; 2 * 100_000];
        assert_eq!(
            read_string_map(&map_stream(100_000, &body)).unwrap().len(),
            0
        );
        let body = vec![TC_NULL; 2 * 100_001];
        assert_eq!(
            read_string_map(&map_stream(100_001, &body)),
            Err(SerialError::NotAStringMap)
        );
        // A size far beyond the stream is not allocated up front.
        assert_eq!(
            read_string_map(&map_stream(99_999, &[])),
            Err(SerialError::NotAStringMap)
        );
    }

    #[test]
    fn refuses_anything_else() {
        let good = sample();
        for len in 0..good.len() {
            assert!(read_string_map(&good[..len]).is_err(), "length {len}");
        }
        let mut longer = good.clone();
        longer.push(0);
        assert!(read_string_map(&longer).is_err());
        let mut other_class = good.clone();
        other_class[11] = b'X';
        assert!(read_string_map(&other_class).is_err());
    }

    #[test]
    fn long_string_lengths_past_the_32_bit_bounds() {
        // A TC_LONGSTRING's length is a u64: on a 32-bit target 2³² and more do
        // not fit a usize, and 2³² − 1 is usize::MAX. Each is refused, none
        // wraps round to the bytes that follow.
        for len in [
            u64::MAX,
            1 << 32,
            (1 << 32) + 1,
            u64::from(u32::MAX),
            1 << 31,
            2,
        ] {
            let mut body = vec![TC_STRING, 0, 1, b'k', TC_LONGSTRING];
            body.extend(len.to_be_bytes());
            body.push(b'x');
            assert_eq!(
                read_string_map(&map_stream(1, &body)).map(|m| m.len()),
                Err(SerialError::NotAStringMap),
                "{len:#x}"
            );
        }
        // The control: the true length reads.
        let mut body = vec![TC_STRING, 0, 1, b'k', TC_LONGSTRING];
        body.extend(1u64.to_be_bytes());
        body.push(b'x');
        assert_eq!(
            read_string_map(&map_stream(1, &body)).map(|m| m.len()),
            Ok(1)
        );
        // Handles past u32 and usize bounds.
        for handle in [u32::MAX, BASE_HANDLE - 1, BASE_HANDLE + 3] {
            let [a, b, c, d] = handle.to_be_bytes();
            let body = [TC_STRING, 0, 1, b'k', TC_REFERENCE, a, b, c, d];
            assert_eq!(
                read_string_map(&map_stream(1, &body)).map(|m| m.len()),
                Err(SerialError::NotAStringMap),
                "{handle:#x}"
            );
        }
        // Sizes past MAX_ENTRIES up to u32::MAX.
        for size in [u32::MAX, 1 << 31] {
            assert_eq!(
                read_string_map(&map_stream(size, &[])).map(|m| m.len()),
                Err(SerialError::NotAStringMap)
            );
        }
    }

    #[test]
    fn modified_utf8() {
        // "é" in two bytes, U+1F600 as a surrogate pair of three bytes each.
        let bytes = [0xc3, 0xa9, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80];
        assert_eq!(decode_modified_utf8(&bytes).unwrap(), "é😀");
        assert!(decode_modified_utf8(&[0xff]).is_err());
    }
}
