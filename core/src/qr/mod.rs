//! Finding and decoding QR codes in images and camera frames.
//!
//! The entry point is [`decode_frame`] / [`decode_frame_with`]: a raw 8-bit
//! luma plane (width, height, row stride), as a camera hands it over or as a
//! platform decoder leaves a photo or screenshot (look at those with
//! [`Effort::Thorough`]). With the `image-files` feature (on by default; the CLI
//! uses it, the phone library does not) [`decode_image`] also reads an encoded
//! image file (PNG, JPEG, WebP, GIF, BMP) with Rust decoders, within limits.
//! All return the text of every QR code found. Decoded text is held as a
//! [`SecretString`]: an otpauth code carries a key.
//!
//! Absurd inputs are refused before any work ([`QrError`]); a decoder panic is
//! contained and reported, never propagated.

mod binarize;
mod clock;
mod decode;
mod filter;
mod finder;
#[cfg(feature = "image-files")]
mod load;
pub mod render;
mod work;

use crate::secret::SecretString;

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

/// How hard the decoder looks before it gives up on an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Effort {
    /// For a live camera: the cheap passes first and a bounded amount of work
    /// per frame ([`FRAME_WORK_BUDGET`], at most [`FRAME_WALL_CEILING`] of wall
    /// time); the next frame is the next try.
    #[default]
    Camera,
    /// For an image file or a screenshot: every pass, however long it takes.
    Thorough,
}

/// The work after which [`Effort::Camera`] starts no further pass on a frame:
/// every pass is charged, before it runs, a cost counted from the pixels it
/// processes (per-kind factors), and none starts whose cost would take the
/// frame past this budget. So the same frame runs the same passes, and reads
/// the same codes, on any machine and under any load. A unit is about 1 ns of
/// CPU time on the machine the factors were calibrated on (0.73–1.03 ns across
/// runs there, about 0.9): this budget is about 12 ms there, set just above the
/// work of the hardest benchmark camera frame the plan reads (docs/qr-decoding.md).
pub const FRAME_WORK_BUDGET: u64 = 13_500_000;

/// The wall time after which [`Effort::Camera`] starts no further pass on a
/// frame, whatever its work: 4 × the calibrated time of [`FRAME_WORK_BUDGET`],
/// a latency safety net that stops a frame only when the decoding thread got
/// less than about a quarter of a core over it (or the machine is several times
/// slower than the calibration one).
pub const FRAME_WALL_CEILING: std::time::Duration = std::time::Duration::from_millis(54);

fn plan_for(effort: Effort) -> decode::Plan {
    match effort {
        Effort::Camera => decode::camera_plan(),
        Effort::Thorough => decode::thorough_plan(),
    }
}

/// The text of every QR code in a luma frame (none found: an empty list).
///
/// Looks as a camera preview needs ([`Effort::Camera`]): bounded time per frame.
pub fn decode_frame(frame: &LumaFrame<'_>) -> Result<Vec<SecretString>, QrError> {
    decode_frame_with(frame, Effort::Camera)
}

/// The text of every QR code in a luma frame, looking with the given effort.
pub fn decode_frame_with(
    frame: &LumaFrame<'_>,
    effort: Effort,
) -> Result<Vec<SecretString>, QrError> {
    run_plan(frame, &plan_for(effort))
}

/// Runs a plan written in the benchmark's plan notation (for measuring
/// strategies; not a stable interface). `None` when the notation is invalid.
#[doc(hidden)]
pub fn decode_frame_with_plan(
    frame: &LumaFrame<'_>,
    plan: &str,
) -> Option<Result<Vec<SecretString>, QrError>> {
    let plan = decode::Plan::parse(plan)?;
    Some(run_plan(frame, &plan))
}

fn run_plan(frame: &LumaFrame<'_>, plan: &decode::Plan) -> Result<Vec<SecretString>, QrError> {
    frame.validate()?;
    let packed = frame.packed();
    let outcome = decode::run(plan, &packed, frame.width as usize, frame.height as usize);
    if outcome.texts.is_empty() && outcome.panicked {
        return Err(QrError::DecoderFailed);
    }
    Ok(outcome.texts)
}

/// The text of every QR code in an encoded image (PNG, JPEG, WebP, GIF, BMP).
///
/// Looks thoroughly ([`Effort::Thorough`]): a file is decoded once, so it may
/// take longer than a camera frame. Needs the `image-files` feature.
#[cfg(feature = "image-files")]
pub fn decode_image(bytes: &[u8]) -> Result<Vec<SecretString>, QrError> {
    decode_image_with(bytes, Effort::Thorough)
}

/// The text of every QR code in an encoded image, looking with the given effort.
/// Needs the `image-files` feature.
#[cfg(feature = "image-files")]
pub fn decode_image_with(bytes: &[u8], effort: Effort) -> Result<Vec<SecretString>, QrError> {
    let (data, width, height) = load::luma(bytes)?;
    decode_frame_with(
        &LumaFrame {
            data: &data,
            width,
            height,
            stride: width,
        },
        effort,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "image-files")]
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
    }

    #[cfg(feature = "image-files")]
    #[test]
    fn refuses_what_is_not_an_image() {
        assert!(matches!(
            decode_image(b"not an image"),
            Err(QrError::NotAnImage(_))
        ));
    }
}
