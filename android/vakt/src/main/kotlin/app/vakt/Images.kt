package app.vakt

/** The most pixels Vakt decodes in one image: the Rust core's limit (40 megapixels), read from it. */
val MAX_IMAGE_PIXELS: Long = app.vakt.ffi.maxImagePixels().toLong()

private const val OPAQUE_BLACK = 0xFF000000.toInt()
private const val OPAQUE_WHITE = 0xFFFFFFFF.toInt()

/**
 * 8-bit luma of ARGB_8888 pixels ([width] × [height], rows packed, as
 * `Bitmap.getPixels` or `BufferedImage.getRGB` hand them over, not
 * premultiplied), for [QrScanner.scanImage]: one byte per pixel, rows packed.
 *
 * Transparent pixels are composited over white, so a code on a transparent
 * background (a PNG whose clear pixels are black with alpha 0) reads as dark
 * modules on light. Weights are Rec. 709's (0.2126, 0.7152, 0.0722), in
 * integers.
 */
fun argbToLuma(argb: IntArray, width: Int, height: Int): ByteArray {
    require(width >= 0 && height >= 0) { "negative image size" }
    val pixels = width.toLong() * height
    require(argb.size >= pixels) { "the pixel buffer has ${argb.size} pixels; $pixels are needed" }
    val luma = ByteArray(pixels.toInt())
    for (i in luma.indices) {
        val p = argb[i]
        val y = (2126 * ((p ushr 16) and 0xFF) + 7152 * ((p ushr 8) and 0xFF) + 722 * (p and 0xFF)) / 10_000
        val alpha = p ushr 24
        luma[i] = if (alpha == 0xFF) y.toByte() else ((y * alpha + 0xFF * (0xFF - alpha) + 127) / 0xFF).toByte()
    }
    return luma
}

/**
 * The code as ARGB_8888 pixels, each module a [scale] × [scale] square of
 * opaque black or white (nearest-neighbour: crisp edges), rows packed; the
 * image is `side × scale` pixels on each side. For Android, `toBitmap`. **The
 * pixels carry keys**: show them, do not store or share them.
 */
fun QrImage.toArgb(scale: Int): IntArray {
    require(scale >= 1) { "the scale must be at least 1" }
    val modules = side.toInt()
    val pixels = modules.toLong() * scale
    require(pixels * pixels <= Int.MAX_VALUE) { "too large a scale for this code" }
    val width = pixels.toInt()
    val out = IntArray(width * width)
    for (y in 0 until width) {
        val row = (y / scale) * modules
        for (x in 0 until width) {
            val dark = (luma[row + x / scale].toInt() and 0xFF) < 0x80
            out[y * width + x] = if (dark) OPAQUE_BLACK else OPAQUE_WHITE
        }
    }
    return out
}
