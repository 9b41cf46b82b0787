package app.vakt

import app.vakt.ffi.MigrationProgress
import app.vakt.ffi.MissingExportCodes
import app.vakt.ffi.ScannedCode
import app.vakt.ffi.ScannedContent
import java.io.Closeable
import java.nio.ByteBuffer

/**
 * What a scanned QR code holds (never a key or credential): `Account(details)`,
 * `Migration(batch, accounts, unusable)` or `PushEnrolment(details)` — match on
 * `app.vakt.ffi.ScannedContent.Account` etc. (a typealias does not reach them).
 */
typealias QrContent = ScannedContent

/**
 * One account of a scanned code and what adding it did: `id` is the account that
 * has the key now; `outcome` is `Added`, `AddedLike(likeId)` (same codes as an
 * account with other names: show both) or `Duplicate` (nothing was added).
 */
typealias ScannedAccount = app.vakt.ffi.ScannedAccountAdded

/**
 * One QR code read by [QrScanner]. Its key (or push enrolment credential)
 * stays in Rust: show [content], then pass the object to
 * [VaktSession.addScanned]. [close] frees the native object.
 */
class ScannedQr internal constructor(internal val code: ScannedCode) : Closeable {
    /**
     * What the code holds. Throws [VaktException.NotAnAuthenticatorQr] (a web
     * address, Wi-Fi settings…; only its scheme is named) or
     * [VaktException.InvalidUri] (naming the field at fault).
     */
    val content: QrContent get() = ffi { code.content() }

    override fun close() = code.destroy()

    override fun toString() = "ScannedQr"
}

/**
 * Reading QR codes: still images (a screenshot, a picked photo) and live camera
 * frames. The platform decodes image files (on Android `scanImage(Bitmap)`,
 * `scanImage(ByteArray)` and `scanImage(ContentResolver, Uri)`); Rust receives
 * luma. Decoding is CPU work: call it off the main thread (a CameraX
 * analyzer's executor already is).
 */
object QrScanner {
    /**
     * Every QR code in a decoded still image: ARGB_8888 pixels, [width] ×
     * [height], rows packed ([argbToLuma]), looking thoroughly. Throws
     * [VaktException.NoQrCode] when there is none, [VaktException.InvalidInput]
     * when the buffer is too short or the image has more than
     * [MAX_IMAGE_PIXELS].
     */
    fun scanImage(argb: IntArray, width: Int, height: Int): List<ScannedQr> {
        require(width >= 0 && height >= 0) { "negative image size" }
        val pixels = width.toLong() * height
        if (pixels > MAX_IMAGE_PIXELS) {
            throw VaktException.InvalidInput("the image is too large ($pixels pixels; at most $MAX_IMAGE_PIXELS)")
        }
        if (argb.size < pixels) {
            throw VaktException.InvalidInput("the pixel buffer has ${argb.size} pixels; $pixels are needed")
        }
        val luma = argbToLuma(argb, width, height)
        return try {
            scanImage(luma, width, height, width)
        } finally {
            luma.fill(0)
        }
    }

    /**
     * Every QR code in a decoded still image's 8-bit luma, [rowStride] bytes
     * per row, looking thoroughly (unlike [scanFrame]). Throws
     * [VaktException.NoQrCode] when there is none, [VaktException.InvalidInput]
     * for a geometry that does not fit the buffer.
     */
    fun scanImage(luma: ByteArray, width: Int, height: Int, rowStride: Int): List<ScannedQr> {
        require(width >= 0 && height >= 0 && rowStride >= 0) { "negative image size" }
        return ffi {
            app.vakt.ffi.scanStillImage(luma, width.toUInt(), height.toUInt(), rowStride.toUInt()).map(::ScannedQr)
        }
    }

    /**
     * Every QR code in a camera frame's luma (Y) plane, [rowStride] bytes per
     * row, within the live-camera time budget. Empty when this frame has none:
     * try the next one.
     */
    fun scanFrame(luma: ByteArray, width: Int, height: Int, rowStride: Int): List<ScannedQr> {
        require(width >= 0 && height >= 0 && rowStride >= 0) { "negative frame size" }
        return ffi {
            app.vakt.ffi.scanCameraFrame(luma, width.toUInt(), height.toUInt(), rowStride.toUInt()).map(::ScannedQr)
        }
    }

    /**
     * The same for a plane as CameraX hands it over (`imageProxy.planes[0]`:
     * its `buffer`, `rowStride`, and the image's width and height). The buffer's
     * position is left unchanged.
     */
    fun scanFrame(plane: ByteBuffer, width: Int, height: Int, rowStride: Int): List<ScannedQr> {
        val bytes = ByteArray(plane.remaining())
        plane.duplicate().get(bytes)
        return try {
            scanFrame(bytes, width, height, rowStride)
        } finally {
            bytes.fill(0)
        }
    }

    /** Classifies the text of a code read by another scanner (ML Kit's `rawValue`). */
    fun fromText(text: String): ScannedQr = ScannedQr(ScannedCode.fromText(text))
}

/**
 * Which codes of a multi-code Google Authenticator export have been scanned:
 * [feed] each export code, then show [missing] ("code 2 of 3 still to scan").
 */
class MigrationScanProgress : Closeable {
    private val progress = MigrationProgress.empty()

    /**
     * Records an export code: `true` if new, `false` if scanned before. Throws
     * [VaktException.InvalidUri] for a code that contradicts its export,
     * [VaktException.InvalidInput] for a code that is not an export code.
     */
    fun feed(qr: ScannedQr): Boolean = ffi { progress.feed(qr.code) }

    /** Every export with codes still missing (0-based indices). */
    val missing: List<MissingExportCodes> get() = ffi { progress.missing() }

    /** Whether every code of every export fed so far has been scanned. */
    val isComplete: Boolean get() = ffi { progress.isComplete() }

    override fun close() = progress.destroy()
}
