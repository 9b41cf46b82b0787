package app.vakt

import app.vakt.ffi.parseOrgKey
import app.vakt.ffi.testSupportOpenEscrowRecord
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue
import app.vakt.ffi.VaktException as FfiError

/** The organisation key of the saved escrow record and vault (its secret key file, and the public key it names). */
private val ORG_KEY_FILE = fixtureText("escrow/org.key")
private val ORG_PUBLIC_KEY = ORG_KEY_FILE.lines().first { it.startsWith("# public key: ") }.removePrefix("# public key: ")

/** Escrow of the unblock code: the organisation's key, enrolment, records handed over with no PIN, disable. */
fun Tests.escrowTests() =
    suite("escrow") {
        test("parseOrgKey reads a scanned key and shows its fingerprint; a mistyped key is refused") {
            val info = parseOrgKey(" $ORG_PUBLIC_KEY\n")
            assertEquals(ORG_PUBLIC_KEY, info.publicKey)
            assertTrue(Regex("[0-9a-f]{4}(-[0-9a-f]{4}){7}").matches(info.fingerprint), info.fingerprint)
            val typo = ORG_PUBLIC_KEY.dropLast(1) + (if (ORG_PUBLIC_KEY.last() == 'a') "b" else "a")
            assertThrows<FfiError.InvalidOrgKey> { parseOrgKey(typo) }
            assertThrows<FfiError.InvalidOrgKey> { parseOrgKey("") }
        }

        test("a blocked vault hands its escrow record over; the code in it unblocks, and the new code is escrowed") {
            val created = newVault()
            val vault = created.vault
            val off = vault.escrowStatus()
            assertFalse(off.enabled)
            assertNull(off.org)
            assertEquals(32, off.vaultId.length)
            val enrolCode =
                vault.unlock(PIN).use { s ->
                    assertThrows<FfiError.InvalidOrgKey> { s.enrolEscrow("vakt-org-x", "alice@example.org") }
                    s.enrolEscrow(ORG_PUBLIC_KEY, "alice@example.org").reveal()
                }
            assertNotEquals(created.unblockCode.reveal(), enrolCode, "enrolling makes a new code")
            val on = vault.escrowStatus()
            assertTrue(on.enabled)
            assertEquals(parseOrgKey(ORG_PUBLIC_KEY), on.org)
            assertEquals(1u, on.pending)

            repeat(3) { runCatching { vault.unlock(OTHER_PIN) } }
            assertThrows<FfiError.Blocked> { vault.unlock(PIN) }
            val pending = vault.escrowPending()
            assertEquals(1, pending.size)
            assertTrue(pending[0].fileName.contains(on.vaultId), pending[0].fileName)
            val opened = testSupportOpenEscrowRecord(pending[0].record, ORG_KEY_FILE)
            assertEquals(enrolCode, opened.unblockCode.reveal())
            assertEquals(pending[0].generation, opened.generation)
            assertEquals(on.vaultId, opened.vaultId)
            assertFalse(opened.toString().contains(enrolCode.take(5)), "the opened code prints nothing")
            vault.escrowDelivered(listOf(pending[0].id))
            assertTrue(vault.escrowPending().isEmpty())
            assertEquals(at(59), vault.escrowStatus().lastDeliveredAt)

            val unblocked = vault.unblock(opened.unblockCode.reveal(), OTHER_PIN)
            val newer = vault.escrowPending().single()
            assertTrue(newer.generation > pending[0].generation)
            assertEquals(unblocked.unblockCode.reveal(), testSupportOpenEscrowRecord(newer.record, ORG_KEY_FILE).unblockCode.reveal())
            assertThrows<FfiError.WrongUnblockCode> { vault.unblock(enrolCode, PIN) }

            unblocked.session.use { s ->
                assertTrue(s.disableEscrow())
                assertFalse(s.disableEscrow())
            }
            assertFalse(vault.escrowStatus().enabled)
            assertTrue(vault.escrowPending().isEmpty(), "records not yet handed over are dropped")
        }
    }
