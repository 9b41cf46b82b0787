package app.vakt

import app.vakt.ffi.Vault
import app.vakt.ffi.fixedClock
import app.vakt.ffi.softwareKeystore
import java.lang.ref.WeakReference
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import app.vakt.ffi.VaktException as FfiError

/** Native object lifetimes: close/destroy, use {}, objects outliving their parent, the cleaner. */
fun Tests.lifetimeTests() =
    suite("lifetimes") {
        test("a destroyed Vault refuses calls instead of touching freed memory") {
            val vault = newVault().vault
            vault.destroy()
            vault.destroy() // twice is harmless
            assertThrows<IllegalStateException> { vault.status() }
            assertThrows<IllegalStateException> { vault.unlock(PIN) }
        }

        test("use {} closes the Session; a closed Session refuses calls") {
            val vault = newVault().vault
            val session = vault.unlock(PIN).use { it.also { s -> s.addUri(EXAMPLE_URI) } }
            assertThrows<IllegalStateException> { session.accounts() }
            assertThrows<IllegalStateException> { session.isLocked() }
        }

        test("a Session outlives the Vault that opened it") {
            val created = newVault()
            val session = created.vault.unlock(PIN)
            created.vault.close()
            session.addUri(EXAMPLE_URI)
            assertEquals(1, session.codesAt(at(0)).size)
            session.lock()
            assertThrows<FfiError.Locked> { session.accounts() }
            session.close()
        }

        test("locking one session leaves the others open") {
            val vault = newVault().vault
            val a = vault.unlock(PIN)
            val b = vault.unlock(PIN)
            a.lock()
            b.addUri(EXAMPLE_URI)
            assertThrows<FfiError.Locked> { a.accounts() }
            assertEquals(1, b.accounts().size)
            a.close()
            b.close()
        }

        test("objects and Kotlin callbacks never closed are reclaimed by the cleaner") {
            val vault = newVault().vault
            // A Kotlin clock handed to Rust stays held by Rust until every Rust object that
            // uses it is freed: its release proves the cleaner freed the Rust side of
            // Vaults and Sessions nobody closed (and, for the control, of a closed one).
            val neverClosed = mutableListOf<WeakReference<ManualClock>>()
            repeat(200) { i ->
                vault.unlock(PIN).addUri("otpauth://totp/I:$i?secret=JBSWY3DPEHPK3PXP") // never closed
                if (i % 20 == 0) {
                    val clock = ManualClock(0)
                    neverClosed += WeakReference(clock)
                    // Neither the Vault nor its Session is ever closed.
                    Vault.open(path("vault/vault.sqlite3"), softwareKeystore(path("vault/device.key")), clock, FAST).unlock(PIN)
                } else {
                    Vault.open(path("vault/vault.sqlite3"), softwareKeystore(path("vault/device.key")), fixedClock(0u), FAST)
                }
            }
            val closed =
                run {
                    val clock = ManualClock(0)
                    Vault.open(path("vault/vault.sqlite3"), softwareKeystore(path("vault/device.key")), clock, FAST).close()
                    WeakReference(clock)
                }
            // The cleaner runs on its own thread after a collection; each round gives it a turn.
            var rounds = 0
            while ((neverClosed + closed).any { it.get() != null } && rounds < 200) {
                System.gc()
                Thread.sleep(10)
                rounds++
            }
            assertTrue(closed.get() == null, "the Kotlin clock of a closed vault was released")
            val held = neverClosed.count { it.get() != null }
            assertEquals(0, held, "Kotlin clocks still held by never-closed Vaults/Sessions after $rounds collections")
            vault.unlock(PIN).use { assertEquals(200, it.accounts().size) }
        }
    }
