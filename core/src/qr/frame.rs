//! The input: a luma plane as a camera or a platform decoder hands it over,
//! checked before any work, and what can be wrong with it.

/// The largest image (in pixels) we decode: 40 megapixels.
pub const MAX_PIXELS: u64 = 40_000_000;

/// The largest encoded image file we read: 64 MiB (`image-files` feature).
#[cfg(feature = "image-files")]
pub const MAX_IMAGE_BYTES: usize = 64 << 20;

/// Why an image or frame could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// Width or height is zero.
    #[error("the image has no pixels (width or height is 0)")]
    Empty,
    /// The row stride is smaller than the width.
    #[error("the row stride ({stride}) is smaller than the width ({width})")]
    StrideTooSmall {
        /// Bytes per row given.
        stride: u32,
        /// Pixels per row.
        width: u32,
    },
    /// The buffer is shorter than height × stride says.
    #[error("the frame buffer has {actual} bytes; {needed} are needed")]
    BufferTooShort {
        /// Bytes needed.
        needed: u64,
        /// Bytes given.
        actual: u64,
    },
    /// More pixels (or bytes) than we are willing to decode.
    #[error("the image is too large ({pixels} pixels; at most {max})")]
    TooLarge {
        /// Pixels (or bytes) of the input.
        pixels: u64,
        /// The limit.
        max: u64,
    },
    /// Not an image format we read, or a damaged image (only from
    /// [`decode_image`], `image-files` feature).
    #[error("not a readable image (PNG, JPEG, WebP, GIF or BMP): {0}")]
    NotAnImage(String),
    /// The decoder failed unexpectedly (contained panic).
    #[error("the QR decoder failed on this image")]
    DecoderFailed,
}

/// A borrowed 8-bit luma plane (the Y plane of a camera frame).
#[derive(Clone, Copy)]
pub struct LumaFrame<'a> {
    /// The bytes, `stride` per row; at least `stride × (height − 1) + width`.
    pub data: &'a [u8],
    /// Pixels per row.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// Bytes per row (≥ width).
    pub stride: u32,
}

impl std::fmt::Debug for LumaFrame<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LumaFrame")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("stride", &self.stride)
            .finish_non_exhaustive()
    }
}

impl LumaFrame<'_> {
    /// Checks the geometry against the buffer and the pixel budget.
    pub fn validate(&self) -> Result<(), QrError> {
        if self.width == 0 || self.height == 0 {
            return Err(QrError::Empty);
        }
        if self.stride < self.width {
            return Err(QrError::StrideTooSmall {
                stride: self.stride,
                width: self.width,
            });
        }
        let pixels = u64::from(self.width) * u64::from(self.height);
        if pixels > MAX_PIXELS {
            return Err(QrError::TooLarge {
                pixels,
                max: MAX_PIXELS,
            });
        }
        let needed = u64::from(self.stride) * u64::from(self.height - 1) + u64::from(self.width);
        let actual = self.data.len() as u64;
        if actual < needed {
            return Err(QrError::BufferTooShort { needed, actual });
        }
        Ok(())
    }

    /// The plane as tightly packed rows (copied only when stride ≠ width).
    pub(super) fn packed(&self) -> std::borrow::Cow<'_, [u8]> {
        let w = self.width as usize;
        let h = self.height as usize;
        let s = self.stride as usize;
        if s == w {
            return std::borrow::Cow::Borrowed(self.data.get(..w * h).unwrap_or(self.data));
        }
        let mut out = Vec::with_capacity(w * h);
        for row in self.data.chunks(s).take(h) {
            out.extend_from_slice(row.get(..w).unwrap_or(row));
        }
        std::borrow::Cow::Owned(out)
    }
}
