//! Finding and decoding QR codes in images and camera frames.
//!
//! Two entry points: [`decode_image`] for an encoded image file (PNG, JPEG) and
//! [`decode_frame`] for a raw 8-bit luma plane as a camera hands it over (width,
//! height, row stride). Both return the text of every QR code found. Decoded
//! text is held as a [`SecretString`]: an otpauth code carries a key.
//!
//! Absurd inputs are refused before any work ([`QrError`]); a decoder panic is
//! contained and reported, never propagated.

use crate::secret::SecretString;

/// The largest image (in pixels) we decode: 40 megapixels.
pub const MAX_PIXELS: u64 = 40_000_000;
/// The largest encoded image file we read: 64 MiB.
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
    /// Not an image format we read, or a damaged image.
    #[error("not a readable image (PNG or JPEG): {0}")]
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
    fn packed(&self) -> std::borrow::Cow<'_, [u8]> {
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

/// The text of every QR code in a luma frame (none found: an empty list).
pub fn decode_frame(frame: &LumaFrame<'_>) -> Result<Vec<SecretString>, QrError> {
    frame.validate()?;
    let packed = frame.packed();
    let (width, height) = (frame.width, frame.height);
    let luma = packed.into_owned();
    let found = std::panic::catch_unwind(move || {
        let mut hints = rxing::DecodeHints::default()
            .with(rxing::DecodeHintValue::TryHarder(true))
            .with(rxing::DecodeHintValue::AlsoInverted(true))
            .with(rxing::DecodeHintValue::PossibleFormats(
                [rxing::BarcodeFormat::QR_CODE].into_iter().collect(),
            ));
        rxing::helpers::detect_multiple_in_luma_with_hints(luma, width, height, &mut hints)
    })
    .map_err(|_| QrError::DecoderFailed)?;
    let mut texts: Vec<SecretString> = Vec::new();
    for result in found.unwrap_or_default() {
        let text = SecretString::from_str_copy(result.getText());
        if !texts.iter().any(|t| t.ct_eq(&text)) {
            texts.push(text);
        }
    }
    Ok(texts)
}

/// The text of every QR code in an encoded image (PNG, JPEG).
pub fn decode_image(bytes: &[u8]) -> Result<Vec<SecretString>, QrError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(QrError::TooLarge {
            pixels: bytes.len() as u64,
            max: MAX_IMAGE_BYTES as u64,
        });
    }
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| QrError::NotAnImage(e.to_string()))?;
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| QrError::NotAnImage(e.to_string()))?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS {
        return Err(QrError::TooLarge {
            pixels,
            max: MAX_PIXELS,
        });
    }
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| QrError::NotAnImage(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let luma = reader
        .decode()
        .map_err(|e| QrError::NotAnImage(e.to_string()))?
        .into_luma8();
    let (width, height) = luma.dimensions();
    let data = luma.into_raw();
    decode_frame(&LumaFrame {
        data: &data,
        width,
        height,
        stride: width,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_privacyidea_totp_qr() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/privacyidea/totp_qr.png"
        ))
        .unwrap();
        let texts = decode_image(&bytes).unwrap();
        assert_eq!(texts.len(), 1);
        assert!(texts[0].expose().starts_with("otpauth://totp/"));
    }

    #[test]
    fn refuses_bad_geometry() {
        let data = [0u8; 100];
        let frame = |width, height, stride| LumaFrame {
            data: &data,
            width,
            height,
            stride,
        };
        assert_eq!(frame(0, 10, 10).validate(), Err(QrError::Empty));
        assert_eq!(
            frame(10, 10, 9).validate(),
            Err(QrError::StrideTooSmall {
                stride: 9,
                width: 10
            })
        );
        assert_eq!(
            frame(10, 11, 10).validate(),
            Err(QrError::BufferTooShort {
                needed: 110,
                actual: 100
            })
        );
        assert!(frame(10, 10, 10).validate().is_ok());
        // The last row needs only `width` bytes, not a whole stride.
        assert!(frame(4, 10, 10).validate().is_ok());
        assert!(matches!(
            frame(100_000, 100_000, 100_000).validate(),
            Err(QrError::TooLarge { .. })
        ));
        assert!(matches!(
            decode_image(b"not an image"),
            Err(QrError::NotAnImage(_))
        ));
    }
}
