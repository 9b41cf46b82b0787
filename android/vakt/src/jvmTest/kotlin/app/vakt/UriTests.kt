package app.vakt

import app.vakt.ffi.HashAlgorithm
import app.vakt.ffi.OtpType
import app.vakt.ffi.codeForUri
import app.vakt.ffi.parseUri
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import app.vakt.ffi.VaktException as FfiError

/** `parse_uri` and `code_for_uri`: records, enums, optionals and InvalidUri across the FFI. */
fun Tests.uriTests() =
    suite("uri") {
        test("parseUri returns every field of a TOTP URI") {
            val d = parseUri("otpauth://totp/ACME:jane?secret=JBSWY3DPEHPK3PXP&issuer=ACME&algorithm=SHA256&digits=8&period=60")
            assertEquals("ACME", d.issuer)
            assertEquals("jane", d.accountName)
            assertEquals(OtpType.TOTP, d.otpType)
            assertEquals(HashAlgorithm.SHA256, d.algorithm)
            assertEquals(8u, d.digits)
            assertEquals(java.time.Duration.ofSeconds(60), d.period)
            assertNull(d.counter)
        }

        test("parseUri reads HOTP counters and Steam accounts") {
            val h = parseUri("otpauth://hotp/Hotp:bob?secret=$RFC_SHA1&counter=18446744073709551615")
            assertEquals(OtpType.HOTP, h.otpType)
            assertEquals(ULong.MAX_VALUE, h.counter, "u64 survives the FFI unchanged")
            assertNull(h.period)
            val s = parseUri("otpauth://totp/Steam:carol?secret=JBSWY3DPEHPK3PXP&issuer=Steam&encoder=steam")
            assertEquals(OtpType.STEAM, s.otpType)
            assertEquals(5u, s.digits)
        }

        test("parseUri keeps non-ASCII names intact") {
            val d = parseUri("otpauth://totp/%C3%85se%20%F0%9F%94%91:j%C3%B6rg?secret=JBSWY3DPEHPK3PXP")
            assertEquals("Åse 🔑", d.issuer)
            assertEquals("jörg", d.accountName)
        }

        test("InvalidUri names the field at fault") {
            val cases =
                mapOf(
                    "https://example.com/?secret=JBSWY3DPEHPK3PXP" to "scheme",
                    "otpauth://yotp/A:b?secret=JBSWY3DPEHPK3PXP" to "type",
                    "otpauth://totp/A:b?issuer=A" to "secret",
                    "otpauth://totp/A:b?secret=!!!!" to "secret",
                    "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&algorithm=MD5" to "algorithm",
                    "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&digits=11" to "digits",
                    "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&period=0" to "period",
                    "otpauth://hotp/A:b?secret=JBSWY3DPEHPK3PXP" to "counter",
                    "otpauth://totp/%FF:b?secret=JBSWY3DPEHPK3PXP" to "label",
                )
            for ((uri, field) in cases) {
                val e = assertThrows<FfiError.InvalidUri> { parseUri(uri) }
                assertEquals(field, e.field, uri)
                assertTrue(e.detail.isNotBlank(), "a message for the user: $uri")
                assertFalse(e.detail.contains("JBSWY3DPEHPK3PXP"), "the message never shows the key")
                // The same error through code_for_uri.
                assertEquals(field, assertThrows<FfiError.InvalidUri> { codeForUri(uri, at(0)) }.field)
            }
        }

        test("codeForUri matches the RFC 6238 test vectors") {
            // RFC 6238 appendix B: time, SHA1, SHA256, SHA512 (8 digits).
            val vectors =
                listOf(
                    listOf(59L, "94287082", "46119246", "90693936"),
                    listOf(1111111109L, "07081804", "68084774", "25091201"),
                    listOf(1111111111L, "14050471", "67062674", "99943326"),
                    listOf(1234567890L, "89005924", "91819424", "93441116"),
                    listOf(2000000000L, "69279037", "90698825", "38618901"),
                    listOf(20000000000L, "65353130", "77737706", "47863826"),
                )
            for (v in vectors) {
                val t = v[0] as Long
                assertEquals(v[1], codeForUri(rfcUri("SHA1"), at(t)), "SHA1 at $t")
                assertEquals(v[2], codeForUri(rfcUri("SHA256"), at(t)), "SHA256 at $t")
                assertEquals(v[3], codeForUri(rfcUri("SHA512"), at(t)), "SHA512 at $t")
            }
        }

        test("codeForUri gives HOTP codes at the URI's counter (RFC 4226)") {
            val expected = listOf("755224", "287082", "359152", "969429", "338314")
            expected.forEachIndexed { counter, code ->
                val uri = "otpauth://hotp/H:x?secret=$RFC_SHA1&counter=$counter"
                assertEquals(code, codeForUri(uri, at(0)), "counter $counter")
            }
        }
    }
