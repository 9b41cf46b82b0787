//! Drawing QR codes: as a luma plane (one byte per pixel, or per module for an
//! app that draws the code itself), as text for a terminal, and — with the
//! `image-files` feature (on by default; the CLI uses it, the phone library
//! does not) — as a PNG file ([`png`]).
//!
//! Codes are made at error correction level M (15 % of the code may be lost),
//! drawn with a quiet zone of four modules. What they carry is usually a key,
//! so the text comes in as a [`SecretString`] and every rendering that shows it
//! goes out as a secret type. (The `qrcode` crate's own working buffers are not
//! wiped; they hold the text only while a code is being made.)

use qrcode::{Color, EcLevel, QrCode};
use zeroize::Zeroizing;

use crate::secret::{SecretBytes, SecretString};

/// Light modules around the code, as the QR standard asks.
pub const QUIET_ZONE: u32 = 4;
/// Pixels per module in PNG files: a version-25 code is 1,000 pixels wide
/// (`image-files` feature).
#[cfg(feature = "image-files")]
pub const PNG_MODULE_PIXELS: u32 = 8;

/// Why a code could not be drawn.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// More than a QR code holds.
    #[error("too long for a QR code ({bytes} bytes)")]
    TooLong {
        /// Length of the text.
        bytes: usize,
    },
    /// The encoder refused the text for another reason.
    #[error("the QR encoder refused the text: {0}")]
    Encode(String),
    /// The image asked for (`module_pixels` per module) would be larger than
    /// [`MAX_PIXELS`](crate::qr::MAX_PIXELS), the most the decoder reads back.
    #[error("a QR image of {module_pixels} pixels per module is too large")]
    TooLarge {
        /// The pixels per module asked for.
        module_pixels: u32,
    },
    /// The PNG could not be written (`image-files` feature).
    #[cfg(feature = "image-files")]
    #[error("the PNG could not be written: {0}")]
    Png(String),
}

/// An 8-bit grey image, one byte per pixel, rows packed (stride = width).
pub struct LumaImage {
    /// The pixels, 0 black to 255 white.
    pub data: SecretBytes,
    /// Pixels per row.
    pub width: u32,
    /// Rows.
    pub height: u32,
}

impl std::fmt::Debug for LumaImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LumaImage")
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

fn encode(text: &[u8]) -> Result<QrCode, RenderError> {
    QrCode::with_error_correction_level(text, EcLevel::M).map_err(|e| match e {
        qrcode::types::QrError::DataTooLong => RenderError::TooLong { bytes: text.len() },
        other => RenderError::Encode(other.to_string()),
    })
}

/// The QR version (1–40) the text needs at error correction M.
pub fn version(text: &SecretString) -> Result<i16, RenderError> {
    // EXPOSE: the text is encoded only to learn its size.
    match encode(text.expose().as_bytes())?.version() {
        qrcode::Version::Normal(v) | qrcode::Version::Micro(v) => Ok(v),
    }
}

/// Modules of the code with its quiet zone, row by row: `true` for dark.
struct Modules {
    dark: Zeroizing<Vec<bool>>,
    side: u32,
}

impl Modules {
    fn new(text: &SecretString) -> Result<Self, RenderError> {
        // EXPOSE: drawing the code the user asked for.
        let code = encode(text.expose().as_bytes())?;
        let inner = u32::try_from(code.width()).map_err(|e| RenderError::Encode(e.to_string()))?;
        let side = inner + 2 * QUIET_ZONE;
        let colors = code.to_colors();
        let mut dark = Zeroizing::new(vec![false; (side as usize) * (side as usize)]);
        for (i, color) in colors.iter().enumerate() {
            let (y, x) = (i / inner as usize, i % inner as usize);
            let at = (y + QUIET_ZONE as usize) * side as usize + x + QUIET_ZONE as usize;
            if let Some(cell) = dark.get_mut(at) {
                *cell = *color == Color::Dark;
            }
        }
        Ok(Self { dark, side })
    }

    fn is_dark(&self, x: u32, y: u32) -> bool {
        self.dark
            .get(y as usize * self.side as usize + x as usize)
            .copied()
            .unwrap_or(false)
    }
}

/// The code as a grey image, `module_pixels` pixels per module (at least 1).
/// An image of more than [`MAX_PIXELS`](crate::qr::MAX_PIXELS) pixels is
/// [`RenderError::TooLarge`]; the side and the pixel count are computed with
/// checked arithmetic, so no `module_pixels` overflows (on 32-bit targets a
/// side of 65,536 pixels already has more pixels than `usize` counts).
pub fn luma(text: &SecretString, module_pixels: u32) -> Result<LumaImage, RenderError> {
    let modules = Modules::new(text)?;
    let scale = module_pixels.max(1);
    let too_large = || RenderError::TooLarge { module_pixels };
    let side = modules.side.checked_mul(scale).ok_or_else(too_large)?;
    let pixels = u64::from(side) * u64::from(side);
    if pixels > crate::qr::MAX_PIXELS {
        return Err(too_large());
    }
    let len = usize::try_from(pixels).map_err(|_| too_large())?;
    let mut data = vec![255u8; len];
    for (i, pixel) in data.iter_mut().enumerate() {
        let (y, x) = (i / side as usize, i % side as usize);
        if modules.is_dark(x as u32 / scale, y as u32 / scale) {
            *pixel = 0;
        }
    }
    Ok(LumaImage {
        data: SecretBytes::new(data),
        width: side,
        height: side,
    })
}

/// The code as a PNG file's bytes ([`PNG_MODULE_PIXELS`] per module). Needs
/// the `image-files` feature.
#[cfg(feature = "image-files")]
pub fn png(text: &SecretString) -> Result<SecretBytes, RenderError> {
    use image::ImageEncoder;
    let image = luma(text, PNG_MODULE_PIXELS)?;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        // EXPOSE: the pixels are written to the PNG the caller asked for.
        .write_image(
            image.data.expose(),
            image.width,
            image.height,
            image::ExtendedColorType::L8,
        )
        .map_err(|e| RenderError::Png(e.to_string()))?;
    Ok(SecretBytes::new(out))
}

/// The code as lines of Unicode half blocks (`▀ ▄ █`), two modules per
/// character cell, quiet zone included.
///
/// By default *light* modules are drawn as blocks: in a terminal with a dark
/// background (the common case) the code then shows the right way round,
/// dark modules on a light field. `invert` draws dark modules as blocks, for
/// terminals with a light background.
pub fn terminal(text: &SecretString, invert: bool) -> Result<SecretString, RenderError> {
    let modules = Modules::new(text)?;
    let filled = |x, y| modules.is_dark(x, y) == invert;
    let side = modules.side;
    let rows = side.div_ceil(2);
    // Each cell is at most 3 bytes of UTF-8, plus a newline per row.
    let mut out = Zeroizing::new(String::with_capacity((rows * (side * 3 + 1)) as usize));
    for row in 0..rows {
        let (top, bottom) = (2 * row, 2 * row + 1);
        for x in 0..side {
            // Past the last row (the side is odd) is more light background.
            out.push(match (filled(x, top), filled(x, bottom)) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        out.push('\n');
    }
    Ok(SecretString::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::Account;
    use crate::qr;

    fn secret(text: &str) -> SecretString {
        SecretString::from_str_copy(text)
    }

    /// The busiest export code: ten accounts with long names and 64-byte keys,
    /// as close to the byte budget as accounts get.
    fn fullest_export_code() -> SecretString {
        let base = crate::provision::uri::parse(
            "otpauth://totp/x?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA512",
        )
        .unwrap();
        let accounts: Vec<Account> = (0..40)
            .map(|i| {
                Account::new(
                    "Issuer",
                    &format!("{i}-{}", "n".repeat(i)),
                    base.params.clone(),
                )
            })
            .collect();
        let plan = crate::transfer::export::google_authenticator::export(&accounts, i32::MAX);
        plan.codes
            .into_iter()
            .max_by_key(|c| c.uri.expose().len())
            .unwrap()
            .uri
    }

    #[test]
    fn export_codes_fit_version_25_at_level_m() {
        let code = fullest_export_code();
        assert!(
            code.expose().len()
                > crate::transfer::export::google_authenticator::TARGET_URI_BYTES - 60
        );
        assert!(version(&code).unwrap() <= 25, "{}", version(&code).unwrap());
        // The most any code can be: 968 bytes.
        let worst = secret(
            &"a".repeat(crate::transfer::export::google_authenticator::TARGET_URI_BYTES + 88),
        );
        assert!(version(&worst).unwrap() <= 25);
        let capacity =
            secret(&"a".repeat(crate::transfer::export::google_authenticator::MAX_URI_BYTES));
        assert_eq!(version(&capacity).unwrap(), 40);
        let too_long =
            secret(&"a".repeat(crate::transfer::export::google_authenticator::MAX_URI_BYTES + 1));
        assert_eq!(
            version(&too_long),
            Err(RenderError::TooLong {
                bytes: crate::transfer::export::google_authenticator::MAX_URI_BYTES + 1
            })
        );
    }

    #[cfg(feature = "image-files")]
    #[test]
    fn png_round_trips_through_our_decoder() {
        for text in [
            secret("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&issuer=A"),
            fullest_export_code(),
        ] {
            let png = png(&text).unwrap();
            let found = qr::decode_image(png.expose()).unwrap();
            assert_eq!(found.len(), 1);
            assert!(found[0].ct_eq(&text), "{}", found[0].expose());
        }
    }

    #[test]
    fn luma_round_trips_through_our_decoder() {
        for text in [
            secret("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&issuer=A"),
            fullest_export_code(),
        ] {
            let modules = luma(&text, 1).unwrap();
            let image = luma(&text, 4).unwrap();
            // Four pixels a module is the module image scaled by four.
            assert_eq!(image.width, modules.width * 4);
            let (data, side) = (image.data.expose(), image.width as usize);
            let cells = modules.data.expose();
            assert!(
                data.iter()
                    .enumerate()
                    .all(|(i, p)| *p == cells[(i / side / 4) * (side / 4) + (i % side) / 4])
            );
            let found = qr::decode_frame_with(
                &qr::LumaFrame {
                    data,
                    width: image.width,
                    height: image.height,
                    stride: image.width,
                },
                qr::Effort::Thorough,
            )
            .unwrap();
            assert_eq!(found.len(), 1);
            assert!(found[0].ct_eq(&text));
        }
    }

    #[test]
    fn luma_has_a_quiet_zone_and_scales() {
        let image = luma(&secret("hello"), 3).unwrap();
        // Version 1: 21 modules, plus 4 on each side, times 3.
        assert_eq!((image.width, image.height), (87, 87));
        let data = image.data.expose();
        assert!(data[..87 * 12].iter().all(|p| *p == 255));
        assert!(data.contains(&0));
    }

    #[test]
    fn luma_refuses_images_past_the_pixel_limit_without_overflowing() {
        // Version 1: 29 modules a side with the quiet zone.
        let text = secret("hello");
        for module_pixels in [
            // The side (29 × module_pixels) overflows u32.
            u32::MAX,
            u32::MAX / 29 + 1,
            // The side fits u32 (65,540) but its square, 4.3 × 10⁹ pixels, is
            // more than a 32-bit usize holds.
            2260,
            // Just past 40 megapixels: 6,351² pixels.
            219,
        ] {
            assert_eq!(
                luma(&text, module_pixels).map(|_| ()),
                Err(RenderError::TooLarge { module_pixels }),
                "{module_pixels}"
            );
        }
        // The control: a size well within the limit is drawn. (The largest
        // allowed, 218 pixels a module, 6,322² = 39,967,684 pixels, takes
        // most of a minute to draw unoptimised under emulation.)
        let image = luma(&text, 10).unwrap();
        assert_eq!((image.width, image.height), (290, 290));
        assert_eq!(image.data.expose().len(), 290 * 290);
    }

    /// Turns half-block text back into pixels (blocks are light unless
    /// `invert`), scaled up, and decodes it.
    fn decode_terminal(text: &str, invert: bool) -> Vec<SecretString> {
        const SCALE: usize = 4;
        let lines: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
        let width = lines[0].len();
        let height = lines.len() * 2;
        let mut data = vec![0u8; width * SCALE * height * SCALE];
        for (row, line) in lines.iter().enumerate() {
            for (x, c) in line.iter().enumerate() {
                let (top, bottom) = match c {
                    '█' => (true, true),
                    '▀' => (true, false),
                    '▄' => (false, true),
                    ' ' => (false, false),
                    other => panic!("unexpected {other:?}"),
                };
                for (dy, filled) in [(0, top), (1, bottom)] {
                    let light = filled != invert;
                    for py in 0..SCALE {
                        for px in 0..SCALE {
                            let y = (row * 2 + dy) * SCALE + py;
                            data[y * width * SCALE + x * SCALE + px] = if light { 255 } else { 0 };
                        }
                    }
                }
            }
        }
        qr::decode_frame(&qr::LumaFrame {
            data: &data,
            width: (width * SCALE) as u32,
            height: (height * SCALE) as u32,
            stride: (width * SCALE) as u32,
        })
        .unwrap()
    }

    #[test]
    fn terminal_text_round_trips_both_ways_round() {
        let text = secret("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&issuer=A");
        for invert in [false, true] {
            let drawn = terminal(&text, invert).unwrap();
            let found = decode_terminal(drawn.expose(), invert);
            assert_eq!(found.len(), 1, "invert {invert}");
            assert!(found[0].ct_eq(&text));
        }
        // Light modules are the blocks by default: the quiet zone is all blocks.
        let drawn = terminal(&text, false).unwrap();
        assert!(
            drawn
                .expose()
                .lines()
                .next()
                .unwrap()
                .chars()
                .all(|c| c == '█')
        );
        let inverted = terminal(&text, true).unwrap();
        assert!(
            inverted
                .expose()
                .lines()
                .next()
                .unwrap()
                .chars()
                .all(|c| c == ' ')
        );
        assert!(!format!("{drawn:?}").contains('█'));
    }
}
