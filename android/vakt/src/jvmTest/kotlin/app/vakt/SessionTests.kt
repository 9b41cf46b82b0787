package app.vakt

import app.vakt.ffi.HashAlgorithm
import app.vakt.ffi.ManualEntry
import app.vakt.ffi.OtpType
import app.vakt.ffi.codeForUri
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue
import app.vakt.ffi.VaktException as FfiError

private fun manual(
    key: String = "abcd efgh ijkl mnop",
    type: OtpType = OtpType.TOTP,
    digits: Int = 6,
    period: Long = 30,
) = ManualEntry("Manual", "dora", key, type, HashAlgorithm.SHA1, digits.toUInt(), java.time.Duration.ofSeconds(period.toLong()), 0u)

/** The unlocked session: every method and the errors its inputs can cause. */
fun Tests.sessionTests() =
    suite("session") {
        test("addUri, addManual and accounts in display order") {
            newVault().vault.unlock(PIN).use { s ->
                val a = s.addUri(EXAMPLE_URI)
                val b = s.addManual(manual())
                val c = s.addUri(HOTP_URI)
                assertEquals(3, setOf(a, b, c).size, "distinct ids")
                val accounts = s.accounts()
                assertEquals(listOf(a, b, c), accounts.map { it.id })
                assertEquals(listOf("Example", "Manual", "Hotp"), accounts.map { it.issuer })
                assertEquals(accounts.map { it.position }.sorted(), accounts.map { it.position })
                val hotp = accounts[2]
                assertEquals(OtpType.HOTP, hotp.otpType)
                assertEquals(0uL, hotp.counter)
                assertNull(hotp.period)
                assertEquals(java.time.Duration.ofSeconds(30), accounts[0].period)
            }
        }

        test("InvalidKey and InvalidParameter from a key typed by hand") {
            newVault().vault.unlock(PIN).use { s ->
                assertTrue(assertThrows<FfiError.InvalidKey> { s.addManual(manual(key = "not base32!")) }.detail.isNotBlank())
                assertThrows<FfiError.InvalidKey> { s.addManual(manual(key = "")) }
                assertThrows<FfiError.InvalidParameter> { s.addManual(manual(digits = 11)) }
                assertThrows<FfiError.InvalidParameter> { s.addManual(manual(digits = 0)) }
                assertThrows<FfiError.InvalidParameter> { s.addManual(manual(period = 0)) }
                assertThrows<FfiError.InvalidUri> { s.addUri("otpauth://totp/x?issuer=no-secret") }
                assertEquals(0, s.accounts().size, "nothing was added")
            }
        }

        test("Duplicate names the existing account") {
            newVault().vault.unlock(PIN).use { s ->
                val id = s.addUri(EXAMPLE_URI)
                assertEquals(id, assertThrows<FfiError.Duplicate> { s.addUri(EXAMPLE_URI) }.existingId)
            }
        }

        test("rename, delete, reorder; NoSuchAccount and InvalidInput") {
            newVault().vault.unlock(PIN).use { s ->
                val a = s.addUri(EXAMPLE_URI)
                val b = s.addUri(HOTP_URI)
                s.rename(a, null, "alice (work)")
                s.rename(b, "Hotp Inc", "bob")
                assertEquals(listOf("alice (work)", "bob"), s.accounts().map { it.accountName })
                assertEquals("Hotp Inc", s.accounts()[1].issuer)
                s.reorder(listOf(b, a))
                assertEquals(listOf(b, a), s.accounts().map { it.id })
                assertTrue(assertThrows<FfiError.InvalidInput> { s.reorder(listOf(a)) }.detail.isNotBlank())
                assertEquals(99L, assertThrows<FfiError.NoSuchAccount> { s.rename(99L, null, "x") }.id)
                assertEquals(99L, assertThrows<FfiError.NoSuchAccount> { s.delete(99L) }.id)
                assertEquals(-1L, assertThrows<FfiError.NoSuchAccount> { s.delete(-1L) }.id, "a negative id names no account")
                s.delete(a)
                assertEquals(listOf(b), s.accounts().map { it.id })
            }
        }

        test("codesAt: TOTP rows with code, seconds left and next code; HOTP rows without") {
            newVault().vault.unlock(PIN).use { s ->
                s.addUri(rfcUri("SHA1"))
                s.addUri(HOTP_URI)
                val rows = s.codesAt(at(59))
                assertEquals("94287082", rows[0].code)
                assertEquals(java.time.Duration.ofSeconds(1), rows[0].timeLeft)
                assertEquals(at(60), rows[0].validUntil)
                assertFalse(rows[0].counterBased)
                assertEquals(codeForUri(rfcUri("SHA1"), at(60)), rows[0].nextCode)
                assertEquals(8u, rows[0].account.digits)
                assertNull(rows[1].code, "no HOTP code without nextCode()")
                assertNull(rows[1].timeLeft)
                assertTrue(rows[1].counterBased)
                assertEquals("14050471", s.codesAt(at(1111111111))[0].code)
            }
        }

        test("codes uses the vault's clock") {
            newVault(at = 1234567890).vault.unlock(PIN).use { s ->
                s.addUri(rfcUri("SHA512"))
                assertEquals("93441116", s.codes()[0].code)
            }
        }

        test("nextCode advances the HOTP counter; NotCounterBased for TOTP") {
            newVault().vault.unlock(PIN).use { s ->
                val hotp = s.addUri(HOTP_URI)
                val totp = s.addUri(EXAMPLE_URI)
                assertEquals("755224", s.nextCode(hotp))
                assertEquals("287082", s.nextCode(hotp))
                assertEquals(2uL, s.accounts().first { it.id == hotp }.counter)
                assertEquals(totp, assertThrows<FfiError.NotCounterBased> { s.nextCode(totp) }.id)
                assertThrows<FfiError.NoSuchAccount> { s.nextCode(12345L) }
            }
        }

        test("clock offset: set, read, applied to codes, bounded; measured from an HTTP Date") {
            val created = newVault(at = 1_000_000)
            created.vault.unlock(PIN).use { s ->
                s.addUri(EXAMPLE_URI)
                assertEquals(0L, s.clockOffset())
                s.setClockOffset(3_600L)
                assertEquals(3_600L, s.clockOffset())
                assertEquals(s.codesAt(java.time.Instant.ofEpochSecond(1_003_600)).single().code, s.codes().single().code, "codes use the corrected time")
                assertThrows<FfiError.InvalidInput> { s.setClockOffset(90_000L) }
                assertEquals(3_600L, s.clockOffset())
            }
            val sent = java.time.Instant.ofEpochSecond(784_111_677)
            assertEquals(99L, app.vakt.ffi.clockOffsetFromDate("Sun, 06 Nov 1994 08:49:37 GMT", sent, sent.plusSeconds(2)))
            assertNull(app.vakt.ffi.clockOffsetFromDate("yesterday", sent, sent))
        }

        test("setIdleTimeout, enteredBackground, enteredForeground across the FFI") {
            val created = newVault(at = 1_000)
            created.vault.unlock(PIN).use { s ->
                s.setIdleTimeout(java.time.Duration.ZERO)
                assertTrue(s.isLocked(), "an idle timeout of 0 has passed at once")
            }
            created.vault.unlock(PIN).use { s ->
                s.setIdleTimeout(null)
                s.enteredBackground(java.time.Duration.ofSeconds(60))
                assertTrue(s.enteredForeground(), "the clock stands still: back in time")
                s.enteredBackground(java.time.Duration.ZERO)
                assertTrue(s.isLocked())
                assertFalse(s.enteredForeground())
                assertThrows<FfiError.Locked> { s.accounts() }
            }
        }

        test("reissueUnblockCode replaces the unblock code") {
            val created = newVault()
            val fresh = created.vault.unlock(PIN).use { it.reissueUnblockCode().reveal() }
            assertNotEquals(created.unblockCode.reveal(), fresh)
            assertThrows<FfiError.WrongUnblockCode> { created.vault.unblock(created.unblockCode.reveal(), OTHER_PIN) }
            created.vault.unblock(fresh, OTHER_PIN).session.close()
        }

        test("lock: isLocked, then every call is Locked") {
            val s = newVault().vault.unlock(PIN)
            val id = s.addUri(HOTP_URI)
            assertFalse(s.isLocked())
            s.lock()
            assertTrue(s.isLocked())
            s.lock() // idempotent
            val calls: List<() -> Unit> =
                listOf(
                    { s.accounts() },
                    { s.addUri(EXAMPLE_URI) },
                    { s.addManual(manual()) },
                    { s.rename(id, null, "x") },
                    { s.delete(id) },
                    { s.reorder(listOf(id)) },
                    { s.codes() },
                    { s.codesAt(at(0)) },
                    { s.nextCode(id) },
                    { s.reissueUnblockCode() },
                )
            for (call in calls) assertThrows<FfiError.Locked> { call() }
            s.close()
        }
    }
