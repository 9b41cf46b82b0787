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
            assertEquals(1, session.codesAt(0u).size)
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
            var clockRef: WeakReference<ManualClock>? = null
            repeat(200) { i ->
                vault.unlock(PIN).addUri("otpauth://totp/I:$i?secret=JBSWY3DPEHPK3PXP") // never closed
                Vault.open(path("vault/vault.sqlite3"), softwareKeystore(path("vault/device.key")), fixedClock(0u), FAST)
            }
            // A Kotlin clock handed to Rust is held by the vault, and let go with it.
            run {
                val clock = ManualClock(0)
                clockRef = WeakReference(clock)
                Vault.open(path("vault/vault.sqlite3"), softwareKeystore(path("vault/device.key")), clock, FAST).close()
            }
            repeat(20) {
                System.gc()
                Thread.sleep(20)
            }
            assertTrue(clockRef?.get() == null, "the Kotlin clock was released when its vault was destroyed")
            vault.unlock(PIN).use { assertEquals(200, it.accounts().size) }
        }
    }
