package app.vakt

import app.vakt.ffi.KeystoreFailure
import java.security.GeneralSecurityException
import java.security.ProviderException
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * A [DeviceKeystore] over an AES-256 key of any JCA provider: the Android
 * Keystore ([AndroidDeviceKeystore]) on a phone, a plain `SecretKey` in tests.
 *
 * Format: `wrap(p) = nonce (12 bytes) ‖ AES-GCM(p) with its 16-byte tag`, the
 * associated data fixed to [ASSOCIATED_DATA]. The provider picks the nonce (the
 * Android Keystore insists on it). A blob that does not authenticate — another
 * device's key, or damaged — is [KeystoreFailure.Rejected]; a missing key is
 * [KeystoreFailure.KeyMissing]; anything else is [KeystoreFailure.Failed]
 * (see [failure]). Rust reports the first two as
 * `VaktException.VaultUnreadable(WRONG_DEVICE)`, the last as
 * `VaktException.Keystore`.
 *
 * [keyForWrap] may create the key; [keyForUnwrap] returns null when there is none.
 *
 * Signing keys: this class holds none — [createSigningKey], [sign],
 * [createEcdsaKey], [signEcdsa] and [deleteSigningKey] throw
 * [KeystoreFailure.Failed] (push enrolment then fails with
 * [VaktException.Keystore]). [AndroidDeviceKeystore] overrides them with RSA
 * (push) and P-384 (privacyIDEA container) keys in the Android Keystore.
 */
open class AesGcmKeystore(
    private val keyForWrap: () -> SecretKey,
    private val keyForUnwrap: () -> SecretKey?,
) : DeviceKeystore {
    /** A keystore over one fixed key. */
    constructor(key: SecretKey) : this({ key }, { key })

    companion object {
        /** Nonce length (GCM's standard 96 bits). */
        const val NONCE_BYTES = 12

        /** Authentication tag length. */
        const val TAG_BYTES = 16

        /** Binds every blob to this use of the key. */
        val ASSOCIATED_DATA: ByteArray = "vakt/device-key/v1".toByteArray()

        private const val TRANSFORMATION = "AES/GCM/NoPadding"
    }

    override fun wrap(plaintext: ByteArray): ByteArray =
        guarded {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.ENCRYPT_MODE, keyForWrap())
            val nonce = cipher.iv
            if (nonce == null || nonce.size != NONCE_BYTES) {
                throw KeystoreFailure.Failed("unexpected nonce length ${nonce?.size}")
            }
            cipher.updateAAD(ASSOCIATED_DATA)
            nonce + cipher.doFinal(plaintext)
        }

    override fun unwrap(wrapped: ByteArray): ByteArray =
        guarded {
            if (wrapped.size < NONCE_BYTES + TAG_BYTES) throw KeystoreFailure.Rejected()
            val key = keyForUnwrap() ?: throw KeystoreFailure.KeyMissing()
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(TAG_BYTES * 8, wrapped, 0, NONCE_BYTES))
            cipher.updateAAD(ASSOCIATED_DATA)
            try {
                cipher.doFinal(wrapped, NONCE_BYTES, wrapped.size - NONCE_BYTES)
            } catch (e: AEADBadTagException) {
                throw KeystoreFailure.Rejected()
            }
        }

    override fun createSigningKey(alias: String, bits: UInt): ByteArray = throw noSigningKeys()

    override fun sign(alias: String, message: ByteArray): ByteArray = throw noSigningKeys()

    override fun deleteSigningKey(alias: String): Unit = throw noSigningKeys()

    override fun createEcdsaKey(alias: String): ByteArray = throw noSigningKeys()

    override fun signEcdsa(alias: String, message: ByteArray): ByteArray = throw noSigningKeys()

    private fun noSigningKeys() = KeystoreFailure.Failed("this keystore cannot hold signing keys")

    /**
     * What a provider's exception during [wrap] or [unwrap] tells Rust:
     * [KeystoreFailure.Failed] (the app may retry) unless a subclass knows it
     * means the key is gone for good ([AndroidDeviceKeystore]: a permanently
     * invalidated key is [KeystoreFailure.KeyMissing]).
     */
    protected open fun failure(e: Exception): KeystoreFailure =
        // The class name only: provider messages can be long and are not for users.
        KeystoreFailure.Failed("keystore: ${e.javaClass.simpleName}")

    private inline fun guarded(block: () -> ByteArray): ByteArray =
        try {
            block()
        } catch (e: KeystoreFailure) {
            throw e
        } catch (e: GeneralSecurityException) {
            throw failure(e)
        } catch (e: ProviderException) {
            // The Android Keystore reports some failures unchecked (StrongBox, hardware).
            throw failure(e)
        }
}
