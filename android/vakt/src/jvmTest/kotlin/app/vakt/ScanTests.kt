package app.vakt

import app.vakt.ffi.AddOutcome
import app.vakt.ffi.HashAlgorithm
import app.vakt.ffi.MigrationProgress
import app.vakt.ffi.MissingExportCodes
import app.vakt.ffi.OtpType
import app.vakt.ffi.ScannedCode
import app.vakt.ffi.ScannedContent
import app.vakt.ffi.scanCameraFrame
import app.vakt.ffi.scanStillImage
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue
import app.vakt.ffi.VaktException as FfiError

/** The content of the one code in [image] (decoded by ImageIO, see [scanFile]). */
private fun onlyContent(image: ByteArray): ScannedContent = scanFile(image).single().content()

/** QR scanning: images, camera frames, the platform scanner's text, and adding what was scanned. */
fun Tests.scanTests() =
    suite("scan") {
        test("scanStillImage: an otpauth QR gives the account, without its key") {
            val account = assertIs<ScannedContent.Account>(onlyContent(fixture("privacyidea/totp_qr.png")))
            assertEquals("privacyIDEA", account.details.issuer)
            assertEquals("TOTP0000F42C", account.details.accountName)
            assertEquals(OtpType.TOTP, account.details.otpType)
            assertEquals(java.time.Duration.ofSeconds(30), account.details.period)
            assertFalse(account.toString().contains("ZOS4PCTV"), "no key in what crosses")
        }

        test("scanStillImage: several codes in one image; JPEG, GIF and BMP too") {
            val texts = fixtureText("qr/generated/multi.txt").lines()
            val found = scanFile(fixture("qr/generated/multi.png")).map { it.content() }
            assertEquals(texts.size, found.size)
            val issuers = found.map { assertIs<ScannedContent.Account>(it).details.issuer }.toSet()
            assertEquals(setOf("OVH", "npm", "Dropbox"), issuers)
            assertIs<ScannedContent.Account>(onlyContent(fixture("qr/generated/jpeg_q30.jpg")))
            assertIs<ScannedContent.Account>(onlyContent(reencoded(fixture("qr/generated/clean.png"), "gif")))
            assertIs<ScannedContent.Account>(onlyContent(reencoded(fixture("privacyidea/totp_qr.png"), "bmp")))
        }

        test("scanStillImage: a Google Authenticator export code lists its accounts and batch") {
            val first = assertIs<ScannedContent.Migration>(onlyContent(fixture("migration/vakt-export-1-of-2.png")))
            val second = assertIs<ScannedContent.Migration>(onlyContent(fixture("migration/vakt-export-2-of-2.png")))
            assertEquals(0, first.batch.index)
            assertEquals(1, second.batch.index)
            assertEquals(2u, first.batch.size)
            assertEquals(1234567, first.batch.id)
            assertEquals(12, first.accounts.size + second.accounts.size)
            assertEquals("GitHub", first.accounts[0].issuer)
            assertTrue(first.unusable.isEmpty())
            val published = assertIs<ScannedContent.Migration>(onlyContent(fixture("migration/published-four-accounts.png")))
            assertEquals(4, published.accounts.size)
            assertEquals(1u, published.batch.size)
        }

        test("scanStillImage: a privacyIDEA push enrolment, typed and without its credential") {
            val push = assertIs<ScannedContent.PushEnrolment>(onlyContent(fixture("privacyidea/push_qr.png"))).details
            assertEquals("PIPU0000668B", push.serial)
            assertEquals("privacyIDEA", push.issuer)
            assertEquals("http://127.0.0.1:5077/ttype/push", push.url)
            assertEquals(java.time.Duration.ofMinutes(10), push.ttl)
            assertFalse(push.sslverify)
            assertTrue(push.pollOnly)
            assertNull(push.firebase)
            assertFalse(push.toString().contains("6ed5882c"), "the enrolment credential stays in Rust")
        }

        test("NoQrCode, NotAnAuthenticatorQr (scheme only)") {
            assertThrows<FfiError.NoQrCode> { scanFile(blankPng()) }
            val url = scanFile(reencoded(fixture("qr/zxing-cpp-samples/qrcode-2/35.png"), "gif")).single()
            assertEquals("http", assertThrows<FfiError.NotAnAuthenticatorQr> { url.content() }.scheme)
            val wifi = ScannedCode.fromText("WIFI:S:home;T:WPA;P:hunter2;;")
            val e = assertThrows<FfiError.NotAnAuthenticatorQr> { wifi.content() }
            assertEquals("wifi", e.scheme)
            assertFalse(e.message.orEmpty().contains("hunter2"))
            assertNull(assertThrows<FfiError.NotAnAuthenticatorQr> { ScannedCode.fromText("hunter2").content() }.scheme)
        }

        test("scanStillImage: a code on a transparent background reads (alpha composited over white)") {
            // Dark modules opaque black, the rest black with alpha 0: what a PNG with a clear background holds.
            val code = argbOf(fixture("privacyidea/totp_qr.png"))
            val img = java.awt.image.BufferedImage(code.width, code.height, java.awt.image.BufferedImage.TYPE_INT_ARGB)
            img.setRGB(0, 0, code.width, code.height, IntArray(code.pixels.size) { i -> if ((code.pixels[i] and 0xFF) < 128) 0xFF000000.toInt() else 0 }, 0, code.width)
            val png = java.io.ByteArrayOutputStream().also { javax.imageio.ImageIO.write(img, "png", it) }.toByteArray()
            val argb = argbOf(png)
            assertEquals(0, argb.pixels.first(), "the corner is transparent black")
            val account = assertIs<ScannedContent.Account>(onlyContent(png))
            assertEquals("TOTP0000F42C", account.details.accountName)
            // Without compositing (alpha dropped) every pixel is black: no code.
            val opaque = IntArray(argb.pixels.size) { argb.pixels[it] or 0xFF000000.toInt() }
            val naive = argbToLuma(opaque, argb.width, argb.height)
            assertThrows<FfiError.NoQrCode> { scanStillImage(naive, argb.width.toUInt(), argb.height.toUInt(), argb.width.toUInt()) }
        }

        test("argbToLuma: Rec. 709 weights; alpha over white") {
            val pixels = intArrayOf(0xFFFF0000.toInt(), 0xFF00FF00.toInt(), 0xFF0000FF.toInt(), -1, 0xFF000000.toInt(), 0, 0x80000000.toInt(), 0x80FFFFFF.toInt())
            expect(listOf(54, 182, 18, 255, 0, 255, 127, 255), argbToLuma(pixels, 4, 2).map { it.toInt() and 0xFF })
            assertThrows<IllegalArgumentException> { argbToLuma(IntArray(3), 2, 2) }
        }

        test("scanStillImage: geometry errors are InvalidInput; row padding is skipped") {
            val plane = lumaOf(fixture("qr/generated/clean.png"), padding = 24)
            val found = scanStillImage(plane.data, plane.width.toUInt(), plane.height.toUInt(), plane.stride.toUInt())
            assertEquals("Amazon Web Services", assertIs<ScannedContent.Account>(found.single().content()).details.issuer)
            assertTrue(assertThrows<FfiError.InvalidInput> { scanStillImage(ByteArray(10), 120u, 120u, 120u) }.detail.contains("bytes"))
            assertThrows<FfiError.InvalidInput> { scanStillImage(ByteArray(100), 10u, 10u, 9u) }
            assertThrows<FfiError.InvalidInput> { scanStillImage(ByteArray(0), 0u, 0u, 0u) }
            assertThrows<FfiError.InvalidInput> { scanStillImage(ByteArray(0), 10_000u, 10_000u, 10_000u) }
        }

        test("fromText: the platform scanner's text is classified the same way") {
            assertIs<ScannedContent.Account>(ScannedCode.fromText(fixtureText("privacyidea/totp_otpauth_url.txt")).content())
            assertIs<ScannedContent.PushEnrolment>(ScannedCode.fromText(fixtureText("privacyidea/push_enroll_url.txt")).content())
            val m = assertIs<ScannedContent.Migration>(ScannedCode.fromText(MIGRATION_URI).content())
            assertEquals("alice@google.com", m.accounts.single().accountName)
            val bad = assertThrows<FfiError.InvalidUri> { ScannedCode.fromText("otpauth://totp/A?secret=").content() }
            assertEquals("secret", bad.field)
            assertEquals("data", assertThrows<FfiError.InvalidUri> { ScannedCode.fromText("otpauth-migration://offline?data=%%%").content() }.field)
        }

        test("scanCameraFrame: a luma plane with row padding, as a camera hands it over") {
            val plane = lumaOf(fixture("qr/generated/clean.png"), padding = 40)
            val found = scanCameraFrame(plane.data, plane.width.toUInt(), plane.height.toUInt(), plane.stride.toUInt())
            val account = assertIs<ScannedContent.Account>(found.single().content())
            assertEquals("Amazon Web Services", account.details.issuer)
            assertEquals(HashAlgorithm.SHA1, account.details.algorithm)
            val blank = lumaOf(blankPng(120))
            assertEquals(0, scanCameraFrame(blank.data, 120u, 120u, 120u).size, "no code in this frame: an empty list")
            val short = assertThrows<FfiError.InvalidInput> { scanCameraFrame(ByteArray(10), 120u, 120u, 120u) }
            assertTrue(short.detail.contains("bytes"))
            assertThrows<FfiError.InvalidInput> { scanCameraFrame(ByteArray(100), 10u, 10u, 9u) }
            assertThrows<FfiError.InvalidInput> { scanCameraFrame(ByteArray(0), 0u, 0u, 0u) }
        }

        test("addScanned: one account, then every account of an export code; duplicates named") {
            newVault().vault.unlock(PIN).use { s ->
                val totp = scanFile(fixture("privacyidea/totp_qr.png")).single()
                val added = s.addScanned(totp).single()
                val id = assertIs<AddOutcome.Added>(added.outcome).id
                assertEquals("TOTP0000F42C", added.accountName)
                assertEquals(AddOutcome.Duplicate(id), s.addScanned(totp).single().outcome)
                val batch = s.addScanned(scanFile(fixture("migration/vakt-export-1-of-2.png")).single())
                assertTrue(batch.size > 1 && batch.all { it.outcome is AddOutcome.Added })
                assertEquals("GitHub", batch[0].issuer)
                assertEquals(1 + batch.size, s.accounts().size)
                // The published export's key is GitHub's in the fixture: the same codes under other
                // names is added (nothing is dropped) and named as a look-alike of the first.
                val again = s.addScanned(ScannedCode.fromText(MIGRATION_URI)).single()
                assertEquals("alice@google.com", again.accountName)
                val like = assertIs<AddOutcome.AddedLike>(again.outcome)
                assertEquals(assertIs<AddOutcome.Added>(batch[0].outcome).id, like.likeId)
                assertEquals(2 + batch.size, s.accounts().size)
            }
        }

        test("MigrationProgress: which codes of a two-code export are still missing") {
            val progress = MigrationProgress.empty()
            assertTrue(progress.isComplete(), "nothing fed: nothing missing")
            val second = scanFile(fixture("migration/vakt-export-2-of-2.png")).single()
            assertTrue(progress.feed(second))
            assertEquals(listOf(MissingExportCodes(1234567, 2u, listOf(0u))), progress.missing())
            assertFalse(progress.isComplete())
            assertFalse(progress.feed(second), "scanned again")
            assertTrue(progress.feed(scanFile(fixture("migration/vakt-export-1-of-2.png")).single()))
            assertTrue(progress.isComplete())
            assertEquals(emptyList(), progress.missing())
            assertTrue(progress.feed(ScannedCode.fromText(MIGRATION_URI)), "a code without batch fields stands alone")
            assertThrows<FfiError.InvalidInput> { progress.feed(ScannedCode.fromText(EXAMPLE_URI)) }
            assertThrows<FfiError.NotAnAuthenticatorQr> { progress.feed(ScannedCode.fromText("https://x")) }
        }

        test("addScanned refuses what holds no account: push, foreign, invalid; nothing added") {
            newVault().vault.unlock(PIN).use { s ->
                val push = ScannedCode.fromText(fixtureText("privacyidea/push_enroll_url.txt"))
                assertThrows<FfiError.InvalidInput> { s.addScanned(push) }
                assertThrows<FfiError.NotAnAuthenticatorQr> { s.addScanned(ScannedCode.fromText("https://example.com")) }
                assertThrows<FfiError.InvalidUri> { s.addScanned(ScannedCode.fromText("otpauth://totp/A?digits=6")) }
                assertEquals(0, s.accounts().size)
                s.lock()
                assertThrows<FfiError.Locked> { s.addScanned(ScannedCode.fromText(EXAMPLE_URI)) }
            }
        }
    }
