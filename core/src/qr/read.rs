//! Reading QR codes: the entry points, each with its plan.

use super::frame::{LumaFrame, QrError};
#[cfg(feature = "image-files")]
use super::load;
use super::plan::{self, Plan};
use super::scheduler;
use crate::secret::SecretString;

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

fn plan_for(effort: Effort) -> Plan {
    match effort {
        Effort::Camera => plan::camera_plan(),
        Effort::Thorough => plan::thorough_plan(),
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
    let plan = Plan::parse(plan)?;
    Some(run_plan(frame, &plan))
}

fn run_plan(frame: &LumaFrame<'_>, plan: &Plan) -> Result<Vec<SecretString>, QrError> {
    report_plan(frame, plan).map(|r| r.texts)
}

/// What one decoding did, for the benchmark (not a stable interface).
#[doc(hidden)]
pub struct PlanReport {
    /// The texts found.
    pub texts: Vec<SecretString>,
    /// The counted work of the passes that ran (work units, `work.rs`).
    pub work: u64,
    /// How many passes ran (region passes included).
    pub passes: usize,
}

/// Decodes a frame with `effort`'s plan, or with `plan` (the benchmark's plan
/// notation) when given, and reports the work counted (for the benchmark;
/// not a stable interface). `None` when the notation is invalid.
#[doc(hidden)]
pub fn decode_frame_report(
    frame: &LumaFrame<'_>,
    effort: Effort,
    plan: Option<&str>,
) -> Option<Result<PlanReport, QrError>> {
    let plan = match plan {
        Some(notation) => Plan::parse(notation)?,
        None => plan_for(effort),
    };
    Some(report_plan(frame, &plan))
}

fn report_plan(frame: &LumaFrame<'_>, plan: &Plan) -> Result<PlanReport, QrError> {
    frame.validate()?;
    let packed = frame.packed();
    let outcome = scheduler::run(plan, &packed, frame.width as usize, frame.height as usize);
    if outcome.texts.is_empty() && outcome.panicked {
        return Err(QrError::DecoderFailed);
    }
    Ok(PlanReport {
        texts: outcome.texts,
        work: outcome.work,
        passes: outcome.passes,
    })
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

    /// Geometry whose products overflow `u32` (and a 32-bit `usize`): the
    /// checks are made in `u64`, so the errors carry the true figures and
    /// nothing wraps round to a size that fits the buffer.
    #[test]
    fn geometry_past_the_32_bit_bounds() {
        use crate::qr::MAX_PIXELS;
        let data = [7u8; 64];
        let frame = |width, height, stride| LumaFrame {
            data: &data,
            width,
            height,
            stride,
        };
        // 65,536 × 65,536 is 2³² pixels: 0 in u32 arithmetic.
        assert_eq!(
            frame(1 << 16, 1 << 16, 1 << 16).validate(),
            Err(QrError::TooLarge {
                pixels: 1 << 32,
                max: MAX_PIXELS
            })
        );
        assert_eq!(
            frame(u32::MAX, u32::MAX, u32::MAX).validate(),
            Err(QrError::TooLarge {
                pixels: u64::from(u32::MAX) * u64::from(u32::MAX),
                max: MAX_PIXELS
            })
        );
        // Few pixels, but rows u32::MAX bytes apart: three rows need
        // 2 × (2³² − 1) + 1 bytes, which wraps to 63 in u32 and to fewer than
        // the 64 given in a 32-bit usize.
        assert_eq!(
            frame(1, 3, u32::MAX).validate(),
            Err(QrError::BufferTooShort {
                needed: 2 * u64::from(u32::MAX) + 1,
                actual: 64
            })
        );
        // Rows 2³¹ bytes apart: three rows and 64 pixels need 2³² + 64 bytes,
        // which is 64 in 32-bit arithmetic — the very buffer given.
        assert_eq!(
            frame(64, 3, 1 << 31).validate(),
            Err(QrError::BufferTooShort {
                needed: (1 << 32) + 64,
                actual: 64
            })
        );
        // One row needs only its width, whatever the stride: read as such.
        let one_row = frame(64, 1, u32::MAX);
        assert_eq!(one_row.validate(), Ok(()));
        assert_eq!(&*one_row.packed(), &data[..]);
        assert_eq!(decode_frame(&one_row).map(|texts| texts.len()), Ok(0));
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
