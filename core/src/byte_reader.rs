//! Reading fields from untrusted bytes, front to back: every read checks
//! that the bytes are there (`bytes::Buf`'s `try_get_*`), none can panic,
//! and running out is one error ([`Short`]) that each format maps to its own.
//! The record, backup and Java-serialisation readers are built on it.

use bytes::Buf;

/// The bytes ran out before the field did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Short;

/// A cursor over a byte slice; big-endian integers, as every format here uses.
#[derive(Clone, Debug)]
pub(crate) struct ByteReader<'a>(&'a [u8]);

impl<'a> ByteReader<'a> {
    /// A reader at the start of `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self(bytes)
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Short> {
        let (head, tail) = self.0.split_at_checked(n).ok_or(Short)?;
        self.0 = tail;
        Ok(head)
    }

    /// The next `N` bytes as an array.
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], Short> {
        self.take(N)?.try_into().map_err(|_| Short)
    }

    /// One byte.
    pub(crate) fn u8(&mut self) -> Result<u8, Short> {
        self.0.try_get_u8().map_err(|_| Short)
    }

    /// A big-endian `u16`.
    pub(crate) fn u16(&mut self) -> Result<u16, Short> {
        self.0.try_get_u16().map_err(|_| Short)
    }

    /// A big-endian `u32`.
    pub(crate) fn u32(&mut self) -> Result<u32, Short> {
        self.0.try_get_u32().map_err(|_| Short)
    }

    /// A big-endian `u64`.
    pub(crate) fn u64(&mut self) -> Result<u64, Short> {
        self.0.try_get_u64().map_err(|_| Short)
    }

    /// The bytes not read yet (the reader stays where it is).
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.0
    }

    /// Whether every byte was read.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_in_order_and_refuses_to_run_past_the_end() {
        let bytes = [1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 9, 8];
        let mut r = ByteReader::new(&bytes);
        assert_eq!(r.u8(), Ok(1));
        assert_eq!(r.u16(), Ok(2));
        assert_eq!(r.u32(), Ok(3));
        assert_eq!(r.u64(), Ok(4));
        assert_eq!(r.rest(), &[9, 8]);
        assert_eq!(r.u32(), Err(Short));
        assert_eq!(r.take(3), Err(Short));
        assert_eq!(r.array::<2>(), Ok([9, 8]));
        assert!(r.is_empty());
        assert_eq!(r.u8(), Err(Short));
        assert_eq!(r.u16(), Err(Short));
        assert_eq!(r.u64(), Err(Short));
        assert_eq!(r.take(0), Ok(&[][..]));
    }
}
