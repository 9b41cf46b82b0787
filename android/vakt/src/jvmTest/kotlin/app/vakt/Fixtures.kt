package app.vakt

import app.vakt.ffi.CreatedVault
import app.vakt.ffi.ScannedCode
import app.vakt.ffi.VaultOptions
import app.vakt.ffi.createVault
import app.vakt.ffi.fixedClock
import app.vakt.ffi.scanStillImage
import app.vakt.ffi.softwareKeystore
import app.vakt.ffi.testSupportUseFastKdf
import java.security.SecureRandom
import java.util.concurrent.atomic.AtomicLong
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.test.fail
import app.vakt.ffi.Clock as FfiClock

/** Fast, test-only vault options: PINs of 4+ digits, trivial key derivation. */
/** Cheap key derivation for every vault these tests make (a test door of the test-support build). */
val FAST = run {
    testSupportUseFastKdf()
    VaultOptions(minPinLength = 4u)
}

/** The same for the wrapper. */
val FAST_WRAPPER = run {
    FAST
    VaktVault.Options(minPinLength = 4)
}

/** A PIN the default policy accepts, and another. */
const val PIN = "4829"
const val OTHER_PIN = "7351"

/** RFC 6238 appendix B seeds, base32 without padding. */
const val RFC_SHA1 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
const val RFC_SHA256 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"
const val RFC_SHA512 =
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA"

/** A TOTP URI over the RFC 6238 seed for [algorithm] with 8 digits. */
fun rfcUri(algorithm: String = "SHA1", label: String = "RFC:6238"): String {
    val secret =
        when (algorithm) {
            "SHA1" -> RFC_SHA1
            "SHA256" -> RFC_SHA256
            else -> RFC_SHA512
        }
    return "otpauth://totp/$label?secret=$secret&issuer=RFC&algorithm=$algorithm&digits=8&period=30"
}

/** A plain 6-digit TOTP account. */
const val EXAMPLE_URI = "otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example"

/** An HOTP account at counter 0 (RFC 4226 seed: codes 755224, 287082, …). */
const val HOTP_URI = "otpauth://hotp/Hotp:bob?secret=$RFC_SHA1&issuer=Hotp&counter=0"

/** A vault in the test directory with the Rust software keystore and a fixed clock. */
fun TestContext.newVault(
    at: Long = 59,
    pin: String = PIN,
    name: String = "vault",
): CreatedVault =
    createVault(
        path("$name/vault.sqlite3"),
        softwareKeystore(path("$name/device.key")),
        fixedClock(at.toULong()),
        pin,
        FAST,
    )

/** A fresh AES-256 key (what the Android Keystore would hold). */
fun newAesKey(): SecretKey = KeyGenerator.getInstance("AES").apply { init(256, SecureRandom()) }.generateKey()

/** A Kotlin clock that tests move by hand, counting how often Rust reads it. */
class ManualClock(start: Long) : FfiClock {
    private val now = AtomicLong(start)
    val reads = AtomicLong()

    fun set(seconds: Long) = now.set(seconds)

    override fun nowUnix(): ULong {
        reads.incrementAndGet()
        return now.get().toULong()
    }
}

/** Asserts that [block] throws [T] and returns it for further checks. */
inline fun <reified T : Throwable> assertThrows(block: () -> Unit): T {
    try {
        block()
    } catch (e: Throwable) {
        if (e is T) return e
        fail("expected ${T::class.simpleName}, got ${e::class.qualifiedName}: ${e.message}")
    }
    fail("expected ${T::class.simpleName}, nothing was thrown")
}

/** Asserts that a code has [digits] decimal digits. */
fun assertCode(code: String?, digits: Int = 6) {
    assertTrue(code != null && code.length == digits && code.all { it.isDigit() }, "not a $digits-digit code: $code")
}

/** assertEquals with the expected value first, for readability in tables. */
fun <T> expect(expected: T, actual: T, what: String = "") = assertEquals(expected, actual, what)

/** A file of the repository's fixtures/ folder (the tests run from the repository root). */
fun fixture(path: String): ByteArray = java.io.File("fixtures", path).readBytes()

/** A fixture's text (trimmed). */
fun fixtureText(path: String): String = fixture(path).decodeToString().trim()

/**
 * An image as a camera's luma (Y) plane: 8-bit grey, [stride] bytes per row
 * (padding bytes are junk, as a camera's may be), the last row only [width].
 */
class LumaPlane(val data: ByteArray, val width: Int, val height: Int, val stride: Int)

fun lumaOf(image: ByteArray, padding: Int = 0): LumaPlane {
    val img = javax.imageio.ImageIO.read(java.io.ByteArrayInputStream(image))
    val (w, h) = img.width to img.height
    val stride = w + padding
    val data = ByteArray(stride * (h - 1) + w) { 0x5A }
    for (y in 0 until h) {
        for (x in 0 until w) {
            val rgb = img.getRGB(x, y)
            val grey = (((rgb shr 16) and 0xFF) * 299 + ((rgb shr 8) and 0xFF) * 587 + (rgb and 0xFF) * 114) / 1000
            data[y * stride + x] = grey.toByte()
        }
    }
    return LumaPlane(data, w, h, stride)
}

/** Decoded pixels: ARGB, rows packed. */
class Argb(val pixels: IntArray, val width: Int, val height: Int)

/** An image file decoded as an app's platform would: here by `javax.imageio` (PNG, JPEG, GIF, BMP). */
fun argbOf(image: ByteArray): Argb {
    val img = javax.imageio.ImageIO.read(java.io.ByteArrayInputStream(image)) ?: fail("ImageIO cannot read this image")
    return Argb(img.getRGB(0, 0, img.width, img.height, null, 0, img.width), img.width, img.height)
}

/** Every QR code in an image file, as an app scans one: decoded by the platform, to luma, [scanStillImage]. */
fun scanFile(image: ByteArray): List<ScannedCode> {
    val argb = argbOf(image)
    val luma = argbToLuma(argb.pixels, argb.width, argb.height)
    return scanStillImage(luma, argb.width.toUInt(), argb.height.toUInt(), argb.width.toUInt())
}

/** The same image in another file [format] (`gif`, `bmp`, …), written by `javax.imageio`. */
fun reencoded(image: ByteArray, format: String): ByteArray {
    val img = javax.imageio.ImageIO.read(java.io.ByteArrayInputStream(image))
    val rgb = java.awt.image.BufferedImage(img.width, img.height, java.awt.image.BufferedImage.TYPE_INT_RGB)
    rgb.createGraphics().apply { drawImage(img, 0, 0, null) }.dispose()
    val out = java.io.ByteArrayOutputStream()
    assertTrue(javax.imageio.ImageIO.write(rgb, format, out), "no ImageIO writer for $format")
    return out.toByteArray()
}

/** A white PNG without any code. */
fun blankPng(size: Int = 64): ByteArray {
    val img = java.awt.image.BufferedImage(size, size, java.awt.image.BufferedImage.TYPE_BYTE_GRAY)
    val g = img.createGraphics()
    g.color = java.awt.Color.WHITE
    g.fillRect(0, 0, size, size)
    g.dispose()
    return java.io.ByteArrayOutputStream().also { javax.imageio.ImageIO.write(img, "png", it) }.toByteArray()
}

/** The published one-account Google Authenticator export (`Example:alice@google.com`). */
const val MIGRATION_URI =
    "otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZTAC"

/**
 * A user-authenticated key as a test would have it: XOR with [key] (what the platform
 * would seal), and a scripted failure for the next open ([failNext]).
 */
class FakeBiometricKey(private val key: Byte) : app.vakt.ffi.UserAuthKeystore {
    @Volatile var failNext: app.vakt.ffi.UserAuthFailure? = null
    val opens = java.util.concurrent.atomic.AtomicInteger()

    override fun seal(plain: ByteArray): ByteArray = ByteArray(plain.size) { (plain[it].toInt() xor key.toInt()).toByte() }

    override fun unseal(sealed: ByteArray): ByteArray {
        opens.incrementAndGet()
        failNext?.let {
            failNext = null
            throw it
        }
        return seal(sealed)
    }
}

/** The instant [epochSeconds] after 1970 (FFI times are `Instant`s). */
fun at(epochSeconds: Long): java.time.Instant = java.time.Instant.ofEpochSecond(epochSeconds)

/** The instant [epochSeconds] after 1970. */
fun at(epochSeconds: Int): java.time.Instant = at(epochSeconds.toLong())

/** [millis] milliseconds (FFI durations are `java.time.Duration`s). */
fun ms(millis: Int): java.time.Duration = java.time.Duration.ofMillis(millis.toLong())
