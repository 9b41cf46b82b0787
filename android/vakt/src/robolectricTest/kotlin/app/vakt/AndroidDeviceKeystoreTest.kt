package app.vakt

import android.os.Build
import android.security.keystore.KeyProperties
import java.io.File
import java.security.ProviderException
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config

/**
 * `AndroidDeviceKeystore` over a stand-in `AndroidKeyStore` provider
 * ([FakeAndroidKeyStore]; Robolectric has no Android Keystore): the key's
 * properties, StrongBox and its fallback, and what the app sees when the key is
 * lost — through the vault in the host library, as on a phone. The real
 * keystore (TEE, StrongBox, lock-screen events) runs only on a device.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [26, 35])
class AndroidDeviceKeystoreTest {
    @get:Rule val tmp = TemporaryFolder()

    private var provider: FakeAndroidKeyStore? = null

    private fun keystore(strongBox: Boolean = false): FakeAndroidKeyStore = FakeAndroidKeyStore(strongBox).install().also { provider = it }

    @After
    fun uninstall() {
        provider?.uninstall()
    }

    private val fast = VaktVault.Options().also { app.vakt.ffi.testSupportUseFastKdf() }
    private val alias = AndroidDeviceKeystore.DEFAULT_ALIAS

    /** A vault with one account; returns its unblock code and a backup. */
    private fun vaultWithAccount(file: File): Pair<String, ByteArray> =
        runBlocking {
            val created = VaktVault.create(file, AndroidDeviceKeystore(), "4829", options = fast)
            created.vault.use { vault ->
                vault.unlock("4829").use { s ->
                    s.addUri("otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example")
                    created.unblockCode.reveal() to s.backup()
                }
            }
        }

    private fun unlockFails(file: File): VaktException =
        runBlocking {
            assertFailsWith<VaktException> {
                VaktVault.open(file, AndroidDeviceKeystore(), options = fast).use { vault -> vault.unlock("4829").close() }
            }
        }

    private fun failedPinAttempts(file: File): Int =
        runBlocking { VaktVault.open(file, AndroidDeviceKeystore(), options = fast).use { it.status().failedPinAttempts.toInt() } }

    @Test
    fun `the device key is AES-256-GCM with keystore nonces, not bound to the lock screen, in StrongBox where there is one`() {
        val fake = keystore(strongBox = true)
        vaultWithAccount(File(tmp.root, "vault.sqlite3"))
        val spec = fake.specs.single()
        assertEquals(alias, spec.keystoreAlias)
        assertEquals(256, spec.keySize)
        assertEquals(KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT, spec.purposes)
        assertEquals(listOf(KeyProperties.BLOCK_MODE_GCM), spec.blockModes.toList())
        assertEquals(listOf(KeyProperties.ENCRYPTION_PADDING_NONE), spec.encryptionPaddings.toList())
        assertTrue(spec.isRandomizedEncryptionRequired, "the keystore picks every nonce")
        assertFalse(spec.isUserAuthenticationRequired, "no user authentication: lock-screen changes would invalidate the key")
        if (Build.VERSION.SDK_INT >= 28) {
            assertFalse(spec.isUnlockedDeviceRequired, "Android 12-14 delete such keys when the lock screen is removed")
            assertTrue(spec.isStrongBoxBacked, "StrongBox when the phone has one")
        }
    }

    @Test
    fun `without StrongBox the key is made in the TEE instead`() {
        val fake = keystore(strongBox = false)
        vaultWithAccount(File(tmp.root, "vault.sqlite3"))
        if (Build.VERSION.SDK_INT >= 28) {
            assertEquals(listOf(true, false), fake.specs.map { it.isStrongBoxBacked }, "StrongBox asked first, then not")
        } else {
            assertEquals(1, fake.specs.size, "API 26-27: no StrongBox to ask for")
        }
        assertTrue(fake.stored.containsKey(alias))
        runBlocking { VaktVault.open(File(tmp.root, "vault.sqlite3"), AndroidDeviceKeystore(), options = fast).use { it.unlock("4829").close() } }
    }

    @Test
    fun `a key deleted by the keystore is WRONG_DEVICE, spends no PIN attempt, and a backup restores into a new vault`() {
        val fake = keystore()
        val file = File(tmp.root, "vault.sqlite3")
        val (unblockCode, backup) = vaultWithAccount(file)
        fake.stored.remove(alias) // what Android 12-14 did to unlocked-device-required keys when the lock screen was removed
        repeat(4) {
            val e = assertIsUnreadable(unlockFails(file))
            assertEquals(UnreadableReason.WRONG_DEVICE, e.reason)
        }
        assertEquals(0, failedPinAttempts(file), "a lost key is not a wrong PIN: the lockout is untouched")
        assertFalse(fake.stored.containsKey(alias), "opening never makes a key")
        restoreInto(File(tmp.root, "restored.sqlite3"), backup, unblockCode)
        assertTrue(fake.stored.containsKey(alias), "the restore made a new device key")
    }

    @Test
    fun `a permanently invalidated key is WRONG_DEVICE, not a keystore failure, and is deleted so a restore can make a new one`() {
        val fake = keystore()
        val file = File(tmp.root, "vault.sqlite3")
        val (unblockCode, backup) = vaultWithAccount(file)
        fake.stored.getValue(alias).invalidated = true
        assertEquals(UnreadableReason.WRONG_DEVICE, assertIsUnreadable(unlockFails(file)).reason)
        assertFalse(fake.stored.containsKey(alias), "the dead key is deleted")
        assertEquals(0, failedPinAttempts(file))
        restoreInto(File(tmp.root, "restored.sqlite3"), backup, unblockCode)
        // The old vault stays unreadable (its key is gone), and says so.
        assertEquals(UnreadableReason.WRONG_DEVICE, assertIsUnreadable(unlockFails(file)).reason)
    }

    @Test
    fun `any other keystore failure is Keystore (retry) and keeps the key`() {
        val fake = keystore()
        val file = File(tmp.root, "vault.sqlite3")
        vaultWithAccount(file)
        fake.failNextInit = ProviderException("keystore busy")
        val e = unlockFails(file)
        assertTrue(e is VaktException.Keystore, "got ${e::class.simpleName}: ${e.message}")
        assertFalse(e.message.orEmpty().contains("busy"), "only the exception's class reaches the message")
        assertTrue(fake.stored.containsKey(alias))
        assertEquals(0, failedPinAttempts(file))
        runBlocking { VaktVault.open(file, AndroidDeviceKeystore(), options = fast).use { it.unlock("4829").close() } }
    }

    private fun assertIsUnreadable(e: VaktException): VaktException.VaultUnreadable {
        assertTrue(e is VaktException.VaultUnreadable, "got ${e::class.simpleName}: ${e.message}")
        return e
    }

    private fun restoreInto(file: File, backup: ByteArray, unblockCode: String) =
        runBlocking {
            val restored = VaktVault.restore(file, AndroidDeviceKeystore(), backup, VaktVault.BackupSecret.UnblockCode(unblockCode), "7351", options = fast)
            restored.session.use { s -> assertEquals(listOf("alice"), s.accounts().map { it.accountName }) }
            restored.vault.close()
            VaktVault.open(file, AndroidDeviceKeystore(), options = fast).use { it.unlock("7351").close() }
        }
}
