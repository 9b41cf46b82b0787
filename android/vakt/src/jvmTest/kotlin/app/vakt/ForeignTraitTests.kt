package app.vakt

import app.vakt.ffi.DeviceKeystore
import app.vakt.ffi.KeystoreFailure
import app.vakt.ffi.UnreadableReason
import app.vakt.ffi.Vault
import app.vakt.ffi.createVault
import app.vakt.ffi.fixedClock
import app.vakt.ffi.softwareKeystore
import app.vakt.ffi.systemClock
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import app.vakt.ffi.VaktException as FfiError

/** A keystore that counts calls and can be told to fail. */
private class ScriptedKeystore(
    private val inner: DeviceKeystore,
) : DeviceKeystore {
    val wraps = AtomicInteger()
    val unwraps = AtomicInteger()

    @Volatile var failWrap: Throwable? = null

    @Volatile var failUnwrap: Throwable? = null

    override fun wrap(plaintext: ByteArray): ByteArray {
        wraps.incrementAndGet()
        failWrap?.let { throw it }
        return inner.wrap(plaintext)
    }

    override fun unwrap(wrapped: ByteArray): ByteArray {
        unwraps.incrementAndGet()
        failUnwrap?.let { throw it }
        return inner.unwrap(wrapped)
    }

    override fun createSigningKey(alias: String, bits: UInt): ByteArray = inner.createSigningKey(alias, bits)

    override fun sign(alias: String, message: ByteArray): ByteArray = inner.sign(alias, message)

    override fun deleteSigningKey(alias: String) = inner.deleteSigningKey(alias)
}

/** Clock and DeviceKeystore implemented in Kotlin and called from Rust, and the Rust defaults. */
fun Tests.foreignTraitTests() =
    suite("foreign traits") {
        test("the Rust defaults: systemClock, fixedClock, softwareKeystore") {
            val now = System.currentTimeMillis() / 1000
            val system = systemClock().nowUnix().toLong()
            assertTrue(system in now - 5..now + 5, "systemClock is the wall clock: $system vs $now")
            assertEquals(1234uL, fixedClock(1234u).nowUnix())
            // The software keystore is a DeviceKeystore Kotlin can call directly too.
            val ks = softwareKeystore(path("device.key"))
            val blob = ks.wrap(byteArrayOf(1, 2, 3))
            assertContentEquals(byteArrayOf(1, 2, 3), ks.unwrap(blob))
            assertFalse(blob.contentEquals(byteArrayOf(1, 2, 3)))
            assertThrows<KeystoreFailure.Rejected> { softwareKeystore(path("other.key")).unwrap(blob) }
            assertThrows<FfiError.Keystore> { softwareKeystore(dir.path) } // a directory is not a key file
        }

        test("a Kotlin Clock drives codes(), read on every call") {
            val clock = ManualClock(59)
            createVault(path("v/vault.sqlite3"), softwareKeystore(path("v/k")), clock, PIN, FAST).vault.unlock(PIN).use { s ->
                s.addUri(rfcUri("SHA1"))
                assertEquals("94287082", s.codes()[0].code)
                clock.set(1111111109)
                assertEquals("07081804", s.codes()[0].code)
                clock.set(20000000000)
                assertEquals("65353130", s.codes()[0].code)
                assertTrue(clock.reads.get() >= 3)
            }
        }

        test("a Kotlin AES-GCM DeviceKeystore creates a vault and reopens it") {
            val key = newAesKey()
            val keystore = ScriptedKeystore(AesGcmKeystore(key))
            val created = createVault(path("v/vault.sqlite3"), keystore, fixedClock(59u), PIN, FAST)
            assertEquals(2, keystore.wraps.get(), "PIN slot and unblock slot")
            created.vault.unlock(PIN).use { it.addUri(EXAMPLE_URI) }
            created.vault.close()
            // Reopened with a new keystore object over the same key (as after an app restart).
            val reopened = Vault.open(path("v/vault.sqlite3"), AesGcmKeystore(key), fixedClock(59u), FAST)
            reopened.unlock(PIN).use { assertEquals(1, it.accounts().size) }
            // The unblock path goes through the Kotlin keystore too.
            reopened.unblock(created.unblockCode.reveal(), OTHER_PIN).session.close()
            reopened.unlock(OTHER_PIN).close()
        }

        test("the AES-GCM keystore format: nonce ‖ ciphertext+tag, fresh nonce each time") {
            val ks = AesGcmKeystore(newAesKey())
            val plain = ByteArray(48) { it.toByte() }
            val a = ks.wrap(plain)
            val b = ks.wrap(plain)
            assertEquals(AesGcmKeystore.NONCE_BYTES + plain.size + AesGcmKeystore.TAG_BYTES, a.size)
            assertFalse(a.copyOf(12).contentEquals(b.copyOf(12)), "fresh nonce")
            assertContentEquals(plain, ks.unwrap(a))
            val flipped = a.copyOf().also { it[20] = (it[20].toInt() xor 1).toByte() }
            assertThrows<KeystoreFailure.Rejected> { ks.unwrap(flipped) }
            assertThrows<KeystoreFailure.Rejected> { ks.unwrap(ByteArray(5)) }
            assertThrows<KeystoreFailure.Rejected> { AesGcmKeystore(newAesKey()).unwrap(a) }
            assertThrows<KeystoreFailure.KeyMissing> { AesGcmKeystore({ newAesKey() }, { null }).unwrap(a) }
        }

        test("another device's Kotlin keystore: VaultUnreadable WrongDevice") {
            createVault(path("v/vault.sqlite3"), AesGcmKeystore(newAesKey()), fixedClock(0u), PIN, FAST)
            val vault = Vault.open(path("v/vault.sqlite3"), AesGcmKeystore(newAesKey()), fixedClock(0u), FAST)
            assertEquals(UnreadableReason.WRONG_DEVICE, assertThrows<FfiError.VaultUnreadable> { vault.unlock(PIN) }.reason)
            assertEquals(0u, vault.status().failedPinAttempts, "not counted as a PIN attempt")
        }

        test("keystore failures thrown in Kotlin map to Rejected/KeyMissing → WrongDevice, else Keystore") {
            val keystore = ScriptedKeystore(AesGcmKeystore(newAesKey()))
            val vault = createVault(path("v/vault.sqlite3"), keystore, fixedClock(0u), PIN, FAST).vault
            keystore.failUnwrap = KeystoreFailure.Rejected()
            assertEquals(UnreadableReason.WRONG_DEVICE, assertThrows<FfiError.VaultUnreadable> { vault.unlock(PIN) }.reason)
            keystore.failUnwrap = KeystoreFailure.KeyMissing()
            assertEquals(UnreadableReason.WRONG_DEVICE, assertThrows<FfiError.VaultUnreadable> { vault.unlock(PIN) }.reason)
            keystore.failUnwrap = KeystoreFailure.Failed("hardware busy")
            assertTrue(assertThrows<FfiError.Keystore> { vault.unlock(PIN) }.detail.contains("hardware busy"))
            // An exception the interface does not declare still arrives as Keystore, not a crash.
            keystore.failUnwrap = IllegalStateException("the phone is locked")
            assertTrue(assertThrows<FfiError.Keystore> { vault.unlock(PIN) }.detail.contains("the phone is locked"))
            keystore.failUnwrap = null
            assertEquals(3u, vault.status().attemptsLeft, "keystore failures are not PIN attempts")
            vault.unlock(PIN).close()
        }

        test("a keystore that fails to wrap: createVault reports Keystore and leaves no vault") {
            val keystore = ScriptedKeystore(AesGcmKeystore(newAesKey()))
            keystore.failWrap = RuntimeException("no key")
            assertThrows<FfiError.Keystore> { createVault(path("v/vault.sqlite3"), keystore, fixedClock(0u), PIN, FAST) }
            keystore.failWrap = null
            createVault(path("v/vault.sqlite3"), keystore, fixedClock(0u), PIN, FAST).vault.unlock(PIN).close()
        }
    }
