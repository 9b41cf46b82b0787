package app.vakt

import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.graphics.Color
import android.net.Uri
import android.os.Build
import app.vakt.ffi.ScannedContent
import java.io.ByteArrayInputStream
import java.io.ByteArrayOutputStream
import java.io.File
import javax.crypto.KeyGenerator
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode
import org.robolectric.util.ReflectionHelpers

/**
 * `AndroidImages.kt` with the platform's real decoders (Robolectric's native
 * graphics: Android's Skia, BitmapFactory and ImageDecoder built for the
 * host) into the FFI's `scanStillImage` of the host library (JNA).
 *
 * Robolectric's native graphics needs API 29 or later (its runtime registers
 * `HardwareRenderer`), so these run on API 35 — the decoding ones twice: as
 * API 35 (ImageDecoder) and with `SDK_INT` reading 27 (the BitmapFactory path
 * of phones before Android 9).
 */
@RunWith(RobolectricTestRunner::class)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
@Config(sdk = [35])
class AndroidImagesTest {
    @get:Rule val tmp = TemporaryFolder()

    private fun fixture(path: String): ByteArray = File("fixtures", path).readBytes()

    /** What the fixture's text says the code holds, classified by the core. */
    private fun expected(textFixture: String): QrContent = QrScanner.fromText(fixture(textFixture).decodeToString().trim()).use { it.content }

    private fun List<ScannedQr>.contents(): List<QrContent> = map { qr -> qr.use { it.content } }

    /** Runs [body] with `Build.VERSION.SDK_INT` reading [level]. */
    private fun <T> asApi(level: Int, body: () -> T): T {
        val real = Build.VERSION.SDK_INT
        ReflectionHelpers.setStaticField(Build.VERSION::class.java, "SDK_INT", level)
        try {
            assertEquals(level, Build.VERSION.SDK_INT)
            return body()
        } finally {
            ReflectionHelpers.setStaticField(Build.VERSION::class.java, "SDK_INT", real)
        }
    }

    /** Both decoding paths: BitmapFactory (as API 27) and ImageDecoder (API 35). */
    private fun onBothPaths(body: () -> Unit) {
        asApi(27) {
            assertNull(Api28.orNull(), "as API 27: the BitmapFactory path")
            body()
        }
        assertEquals(35, Build.VERSION.SDK_INT)
        body()
    }

    @Test
    fun `the API-28 guard is exactly at 28`() {
        assertNull(asApi(26) { Api28.orNull() })
        assertNull(asApi(27) { Api28.orNull() })
        assertNotNull(asApi(28) { Api28.orNull() })
        assertNotNull(Api28.orNull())
    }

    @Test
    fun `image files are decoded by the platform and read through the FFI (PNG, JPEG, several codes)`() =
        onBothPaths {
            assertEquals(listOf(expected("qr/generated/clean.txt")), QrScanner.scanImage(fixture("qr/generated/clean.png")).contents())
            assertEquals(listOf(expected("qr/generated/jpeg_q30.txt")), QrScanner.scanImage(fixture("qr/generated/jpeg_q30.jpg")).contents())
            val issuers = QrScanner.scanImage(fixture("qr/generated/multi.png")).contents().map { assertIs<ScannedContent.Account>(it).details.issuer }
            assertEquals(setOf("OVH", "npm", "Dropbox"), issuers.toSet())
            assertEquals(3, issuers.size)
        }

    @Test
    fun `a Google Authenticator export code is read with its batch`() {
        val first = assertIs<ScannedContent.Migration>(QrScanner.scanImage(fixture("migration/vakt-export-1-of-2.png")).contents().single())
        assertEquals(0, first.batch.index)
        assertEquals(2u, first.batch.size)
        assertEquals("GitHub", first.accounts.first().issuer)
    }

    @Test
    fun `a content Uri, as the photo picker gives, is decoded through the ContentResolver`() = onBothPaths {
        val resolver = RuntimeEnvironment.getApplication().contentResolver
        val uri = Uri.parse("content://app.vakt.test.provider/picked/1")
        val bytes = fixture("qr/generated/jpeg_q30.jpg")
        var opened = 0
        shadowOf(resolver).registerInputStreamSupplier(uri) {
            opened++
            ByteArrayInputStream(bytes)
        }
        assertEquals(listOf(expected("qr/generated/jpeg_q30.txt")), QrScanner.scanImage(resolver, uri).contents())
        assertTrue(opened >= 1, "read through the resolver")
        val missing = Uri.parse("content://app.vakt.test.provider/picked/2")
        shadowOf(resolver).registerInputStreamSupplier(missing) { ByteArrayInputStream("not an image".toByteArray()) }
        assertFailsWith<VaktException.NotAnImage> { QrScanner.scanImage(resolver, missing) }
    }

    @Test
    fun `bytes that are no image are NotAnImage, an image without a code is NoQrCode`() = onBothPaths {
        assertFailsWith<VaktException.NotAnImage> { QrScanner.scanImage("not an image".toByteArray()) }
        val blank = Bitmap.createBitmap(120, 80, Bitmap.Config.ARGB_8888).apply { eraseColor(Color.WHITE) }
        val png = ByteArrayOutputStream().also { assertTrue(blank.compress(Bitmap.CompressFormat.PNG, 100, it)) }.toByteArray()
        assertFailsWith<VaktException.NoQrCode> { QrScanner.scanImage(png) }
        assertFailsWith<VaktException.NoQrCode> { QrScanner.scanImage(blank) }
    }

    @Test
    fun `a bitmap of another config is copied to ARGB_8888 and left to its owner`() {
        val bytes = fixture("qr/generated/clean.png")
        val rgb565 = BitmapFactory.decodeByteArray(bytes, 0, bytes.size, BitmapFactory.Options().apply { inPreferredConfig = Bitmap.Config.RGB_565 })
        assertEquals(Bitmap.Config.RGB_565, rgb565.config)
        assertEquals(listOf(expected("qr/generated/clean.txt")), QrScanner.scanImage(rgb565).contents())
        assertFalse(rgb565.isRecycled, "the caller's bitmap is not recycled")
    }

    @Test
    fun `QrImage toBitmap draws an account's code that scans back to the same account`() {
        val key = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
        runBlocking {
            val created = VaktVault.create(File(tmp.root, "vault.sqlite3"), AesGcmKeystore(key), "4829", options = VaktVault.Options().also { app.vakt.ffi.testSupportUseFastKdf() })
            created.vault.use { vault ->
                vault.unlock("4829").use { session ->
                    val uri = fixture("qr/generated/clean.txt").decodeToString().trim()
                    val id = session.addUri(uri)
                    val image = session.accountQr("4829", id)
                    val bitmap = image.toBitmap(4)
                    assertEquals(image.side.toInt() * 4, bitmap.width)
                    assertEquals(Color.BLACK, bitmap.getPixel(4 * 4, 4 * 4), "the finder pattern's corner, after the quiet zone")
                    assertEquals(Color.WHITE, bitmap.getPixel(0, 0), "the quiet zone")
                    val scanned = assertIs<ScannedContent.Account>(QrScanner.scanImage(bitmap).contents().single())
                    val stored = session.accounts().single { it.id == id }
                    assertEquals(stored.issuer, scanned.details.issuer)
                    assertEquals(stored.accountName, scanned.details.accountName)
                }
            }
        }
    }
}
