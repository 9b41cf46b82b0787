package app.vakt

import android.content.ContentResolver
import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.net.Uri
import java.io.IOException

// Image files on Android: the platform decodes them (every format the phone
// makes, HEIC included on API 28+), downsampled to at most DECODE_MAX_PIXELS;
// Rust receives luma (QrScanner.scanImage(luma, …)).

/**
 * Every QR code in [bitmap], looking thoroughly (a bitmap of another config,
 * hardware included, is copied to ARGB_8888 first). Throws
 * [VaktException.NoQrCode] when there is none.
 */
fun QrScanner.scanImage(bitmap: Bitmap): List<ScannedQr> {
    val argb: Bitmap =
        if (bitmap.config == Bitmap.Config.ARGB_8888) bitmap else bitmap.copy(Bitmap.Config.ARGB_8888, false)
            ?: throw VaktException.NotAnImage("this bitmap cannot be read")
    try {
        val (width, height) = argb.width to argb.height
        if (width.toLong() * height > MAX_IMAGE_PIXELS) {
            throw VaktException.InvalidInput("the image is too large (${width.toLong() * height} pixels; at most $MAX_IMAGE_PIXELS)")
        }
        // Converted a band of rows at a time: no second full-size copy of the pixels.
        val luma = ByteArray(width * height)
        val rows = maxOf(1, minOf(height, BAND_PIXELS / maxOf(1, width)))
        val band = IntArray(width * rows)
        try {
            for (top in 0 until height step rows) {
                val n = minOf(rows, height - top)
                argb.getPixels(band, 0, width, 0, top, width, n)
                argbToLuma(band, width, n).copyInto(luma, top * width)
            }
            return scanImage(luma, width, height, width)
        } finally {
            band.fill(0)
            luma.fill(0)
        }
    } finally {
        if (argb !== bitmap) argb.recycle()
    }
}

/**
 * Every QR code in an image file's [bytes] (any format the platform reads),
 * decoded downsampled by powers of two to at most 16 megapixels, looking
 * thoroughly. Throws [VaktException.NotAnImage] when the platform
 * cannot decode it, [VaktException.NoQrCode] when it has no code.
 */
fun QrScanner.scanImage(bytes: ByteArray): List<ScannedQr> =
    scanDecoded(
        Api28.orNull()?.let { api -> decodingOrNotAnImage { api.decodeBitmap(bytes, ::sampleSize) } }
            ?: decodeWithBitmapFactory { options -> BitmapFactory.decodeByteArray(bytes, 0, bytes.size, options) },
    )

/**
 * Every QR code in the image at [uri] (a photo picker's or share sheet's
 * `content://` address), as [scanImage] for bytes.
 */
fun QrScanner.scanImage(resolver: ContentResolver, uri: Uri): List<ScannedQr> =
    scanDecoded(
        Api28.orNull()?.let { api -> decodingOrNotAnImage { api.decodeBitmap(resolver, uri, ::sampleSize) } }
            ?: decodeWithBitmapFactory { options ->
                resolver.openInputStream(uri)?.use { input -> BitmapFactory.decodeStream(input, null, options) }
            },
    )

/**
 * The code as a bitmap, each module [scale] × [scale] pixels, black on white.
 * Show it scaled without smoothing (`FilterQuality.None`, or a `Paint` with
 * `isFilterBitmap = false`). **It carries keys**: do not store or share it.
 */
fun QrImage.toBitmap(scale: Int): Bitmap {
    val width = side.toInt() * scale
    val pixels = toArgb(scale)
    return try {
        Bitmap.createBitmap(pixels, width, width, Bitmap.Config.ARGB_8888)
    } finally {
        pixels.fill(0)
    }
}

/** Rows of pixels converted to luma at a time. */
private const val BAND_PIXELS = 1 shl 20

/**
 * Files are decoded to at most 16 megapixels: an ARGB_8888 bitmap of that size
 * is 64 MB, where one of the core's limit (40 MP) would be 160 MB — more than
 * a low-end phone's heap. A QR code that is readable in a 48 MP photo is still
 * readable at a quarter of its pixels.
 */
private const val DECODE_MAX_PIXELS = 16_000_000L

private fun QrScanner.scanDecoded(bitmap: Bitmap): List<ScannedQr> =
    try {
        scanImage(bitmap)
    } finally {
        bitmap.recycle()
    }

/** The smallest power of two that brings [width] × [height] to at most [DECODE_MAX_PIXELS]. */
private fun sampleSize(width: Int, height: Int): Int {
    var sample = 1
    while ((width.toLong() / sample) * (height.toLong() / sample) > DECODE_MAX_PIXELS) sample *= 2
    return sample
}

private fun notAnImage(cause: Throwable?) = VaktException.NotAnImage("the image cannot be decoded", cause)

/** API 28+ ([Api28.decodeBitmap]: HEIC too, EXIF orientation applied); its `IOException` is [VaktException.NotAnImage]. */
private inline fun decodingOrNotAnImage(decode: () -> Bitmap): Bitmap =
    try {
        decode()
    } catch (e: IOException) {
        throw notAnImage(e)
    }

/** API 26–27: the bounds first, then the pixels, downsampled; `decode` returns null when it cannot. */
private fun decodeWithBitmapFactory(decode: (BitmapFactory.Options) -> Bitmap?): Bitmap =
    try {
        val bounds = BitmapFactory.Options().apply { inJustDecodeBounds = true }
        decode(bounds)
        if (bounds.outWidth <= 0 || bounds.outHeight <= 0) throw notAnImage(null)
        val options =
            BitmapFactory.Options().apply {
                inSampleSize = sampleSize(bounds.outWidth, bounds.outHeight)
                inPreferredConfig = Bitmap.Config.ARGB_8888
            }
        decode(options) ?: throw notAnImage(null)
    } catch (e: IOException) {
        throw notAnImage(e)
    }
