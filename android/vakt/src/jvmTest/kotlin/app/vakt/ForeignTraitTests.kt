package app.vakt

import app.vakt.ffi.DeviceKeystore
import app.vakt.ffi.KeystoreFailure
import app.vakt.ffi.UnreadableReason
import app.vakt.ffi.Vault
import app.vakt.ffi.createVault
import app.vakt.ffi.fixedClock
import app.vakt.ffi.softwareKeystore
import app.vakt.ffi.systemClock
import app.vakt.ffi.testSupportCheckContainerKey
import java.security.KeyFactory
import java.security.Signature
import java.security.interfaces.ECPublicKey
import java.security.spec.X509EncodedKeySpec
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

    override fun createEcdsaKey(alias: String): ByteArray = inner.createEcdsaKey(alias)

    override fun signEcdsa(alias: String, message: ByteArray): ByteArray = inner.signEcdsa(alias, message)
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

        test("P-384 container keys: softwareKeystore and the JCA keystore sign SHA256withECDSA that SunEC verifies") {
            val message = "nonce|time|SMPH0001|https://pi.example/container/register/finalize".toByteArray()

            fun publicKey(spki: ByteArray) = KeyFactory.getInstance("EC").generatePublic(X509EncodedKeySpec(spki)) as ECPublicKey

            fun verifies(
                spki: ByteArray,
                algorithm: String,
                signature: ByteArray,
            ) = Signature.getInstance(algorithm).run {
                initVerify(publicKey(spki))
                update(message)
                verify(signature)
            }
            // The Rust software keystore of the test library (built with vakt-core's p384-keys).
            val ks = softwareKeystore(path("c/device.key"))
            val spki = ks.createEcdsaKey("vakt-container-1")
            assertEquals(120, spki.size, "SPKI of an uncompressed P-384 point")
            assertEquals(384, publicKey(spki).params.order.bitLength())
            val signature = ks.signEcdsa("vakt-container-1", message)
            assertTrue(verifies(spki, "SHA256withECDSA", signature))
            assertFalse(verifies(spki, "SHA384withECDSA", signature), "SHA-256, not the curve's SHA-384")
            assertThrows<KeystoreFailure.Failed> { ks.sign("vakt-container-1", message) } // not an RSA key
            ks.deleteSigningKey("vakt-container-1")
            assertThrows<KeystoreFailure.KeyMissing> { ks.signEcdsa("vakt-container-1", message) }
            // The Kotlin JCA keystore: the same key format, its signatures verify too.
            val jca = JcaRsaKeystore()
            val jcaSpki = jca.createEcdsaKey("c")
            assertContentEquals(spki.copyOf(23), jcaSpki.copyOf(23), "the fixed P-384 SPKI prefix")
            assertTrue(verifies(jcaSpki, "SHA256withECDSA", jca.signEcdsa("c", message)))
            assertThrows<KeystoreFailure.Failed> { jca.sign("c", message) }
            jca.deleteSigningKey("c")
            assertThrows<KeystoreFailure.KeyMissing> { jca.signEcdsa("c", message) }
            // A keystore without signing keys refuses.
            assertThrows<KeystoreFailure.Failed> { AesGcmKeystore(newAesKey()).createEcdsaKey("c") }
            assertThrows<KeystoreFailure.Failed> { AesGcmKeystore(newAesKey()).signEcdsa("c", message) }
        }

        test("the core makes and checks container keys through Kotlin keystores (testSupportCheckContainerKey)") {
            val message = "nonce|time|SMPH0001|scope".toByteArray()
            // Rust calls the Kotlin JCA keystore's createEcdsaKey and signEcdsa, and verifies.
            val jca = JcaRsaKeystore()
            val pem = testSupportCheckContainerKey(jca, "vakt-container-1", message)
            assertTrue(pem.startsWith("-----BEGIN PUBLIC KEY-----\n") && pem.endsWith("-----END PUBLIC KEY-----\n"))
            assertTrue(pem.lines().filter { !it.startsWith("-----") && it.isNotEmpty() }.all { it.length <= 64 })
            assertEquals(setOf("vakt-container-1"), jca.aliases)
            // Rust → Kotlin → Rust: the software keystore behind a Kotlin wrapper.
            val scripted = ScriptedKeystore(softwareKeystore(path("c/device.key")))
            assertTrue(testSupportCheckContainerKey(scripted, "vakt-container-2", message).contains("PUBLIC KEY"))
            // A keystore whose signatures do not verify, or that has no signing keys: Keystore.
            val forged =
                object : DeviceKeystore by jca {
                    override fun signEcdsa(
                        alias: String,
                        message: ByteArray,
                    ): ByteArray = jca.signEcdsa(alias, message + byteArrayOf(1))
                }
            assertTrue(assertThrows<FfiError.Keystore> { testSupportCheckContainerKey(forged, "vakt-container-3", message) }.detail.contains("container key check"))
            assertTrue(assertThrows<FfiError.Keystore> { testSupportCheckContainerKey(AesGcmKeystore(newAesKey()), "k", message) }.detail.contains("signing keys"))
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
