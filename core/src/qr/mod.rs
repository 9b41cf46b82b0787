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
mod filter;
mod finder;
mod frame;
#[cfg(feature = "image-files")]
mod load;
mod notation;
mod passes;
mod plan;
mod read;
pub mod render;
mod runner;
mod scheduler;
mod work;

#[cfg(feature = "image-files")]
pub use frame::MAX_IMAGE_BYTES;
pub use frame::{LumaFrame, MAX_PIXELS, QrError};
pub use plan::{FRAME_WALL_CEILING, FRAME_WORK_BUDGET};
pub use read::{
    Effort, PlanReport, decode_frame, decode_frame_report, decode_frame_with,
    decode_frame_with_plan,
};
#[cfg(feature = "image-files")]
pub use read::{decode_image, decode_image_with};
