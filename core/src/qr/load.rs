//! Reading an encoded image file into an 8-bit luma plane, within limits.

use super::frame::{MAX_IMAGE_BYTES, MAX_PIXELS, QrError};

/// Decodes `bytes` (PNG, JPEG, WebP, GIF, BMP) to luma: (pixels, width, height).
///
/// The header is read first and the size checked against [`MAX_PIXELS`]
/// before any pixel is decoded; the decoder's allocations are capped too, so a
/// decompression bomb is refused, not expanded.
pub(crate) fn luma(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32), QrError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(QrError::TooLarge {
            pixels: bytes.len() as u64,
            max: MAX_IMAGE_BYTES as u64,
        });
    }
    let not_an_image = |e: ::image::ImageError| QrError::NotAnImage(e.to_string());
    let reader = || {
        ::image::ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| QrError::NotAnImage(e.to_string()))
    };
    let (width, height) = declared_size(bytes, reader()?)?;
    if width == 0 || height == 0 {
        return Err(QrError::Empty);
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS {
        return Err(QrError::TooLarge {
            pixels,
            max: MAX_PIXELS,
        });
    }
    let mut reader = reader()?;
    let mut limits = ::image::Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    // RGBA at 16 bits a channel, plus the decoder's own buffers.
    limits.max_alloc = Some(pixels.saturating_mul(8).saturating_add(64 << 20));
    reader.limits(limits);
    let luma = reader.decode().map_err(not_an_image)?.into_luma8();
    let (width, height) = luma.dimensions();
    if width == 0 || height == 0 {
        return Err(QrError::Empty);
    }
    Ok((luma.into_raw(), width, height))
}

/// The width and height an image file declares in its header.
///
/// A PNG's is read by the png crate's header reader alone: `image` (through
/// the same crate's full reader) opens a PNG only when the whole decoded image
/// would fit the address space, so on a 32-bit target a PNG claiming
/// 100,000 × 100,000 pixels failed there, as "not an image", before its size
/// could be checked against [`MAX_PIXELS`].
fn declared_size(
    bytes: &[u8],
    reader: ::image::ImageReader<std::io::Cursor<&[u8]>>,
) -> Result<(u32, u32), QrError> {
    if reader.format() == Some(::image::ImageFormat::Png) {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let info = decoder
            .read_header_info()
            .map_err(|e| QrError::NotAnImage(e.to_string()))?;
        return Ok((info.width, info.height));
    }
    reader
        .into_dimensions()
        .map_err(|e| QrError::NotAnImage(e.to_string()))
}
