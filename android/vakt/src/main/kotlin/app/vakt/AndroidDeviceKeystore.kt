package app.vakt

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import app.vakt.ffi.KeystoreFailure
import java.security.GeneralSecurityException
import java.security.KeyPairGenerator
import java.security.KeyStore
import java.security.ProviderException
import java.security.Signature
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey

/**
 * The device key in the Android Keystore: AES-256-GCM, generated inside the
 * keystore (TEE, or StrongBox where the phone has one) and never exportable —
 * the app only ever asks the keystore to encrypt or decrypt with it. Blobs are
 * `nonce ‖ ciphertext+tag` as described in [AesGcmKeystore].
 *
 * The key is created on the first [wrap] (vault creation); [unwrap] never creates
 * it, so a lost key (app data restored onto another phone, keystore reset)
 * surfaces as [VaktException.VaultUnreadable] with `WRONG_DEVICE`.
 *
 * **Push signing keys** ([createSigningKey], [sign], [deleteSigningKey]): RSA
 * key pairs generated inside the Android Keystore (`PURPOSE_SIGN`, SHA-256,
 * PKCS#1 v1.5 signature padding), under the alias `app.vakt.push.<alias>`.
 * Android Keystore private keys are never exportable; the public key is
 * returned as `SubjectPublicKeyInfo` (`getEncoded()`), which the core accepts.
 * They are kept in the TEE: StrongBox holds RSA 2048 at most, and the core
 * asks for 3072 bits. They are usable while the phone is locked, so that a
 * background poll can sign; answering is up to the app's UI.
 *
 * Compiled against Android API 26 and 35 by scripts/test.d/42-android.sh; the
 * JVM tests exercise the same format through [AesGcmKeystore] with a JCE key.
 */
class AndroidDeviceKeystore(
    private val alias: String = DEFAULT_ALIAS,
) : AesGcmKeystore(keyForWrap = { getOrCreateKey(alias) }, keyForUnwrap = { existingKey(alias) }) {
    companion object {
        /** The alias of the device key in the Android Keystore. */
        const val DEFAULT_ALIAS = "app.vakt.device-key"

        /** Prefix of push signing keys' aliases in the Android Keystore. */
        const val SIGNING_KEY_PREFIX = "app.vakt.push."

        private const val PROVIDER = "AndroidKeyStore"

        private fun keyStore(): KeyStore = KeyStore.getInstance(PROVIDER).apply { load(null) }

        private fun existingKey(alias: String): SecretKey? =
            (keyStore().getEntry(alias, null) as? KeyStore.SecretKeyEntry)?.secretKey

        @Synchronized
        private fun getOrCreateKey(alias: String): SecretKey {
            existingKey(alias)?.let { return it }
            if (Api28.orNull() != null) {
                try {
                    return generate(alias, strongBox = true)
                } catch (e: ProviderException) {
                    // StrongBoxUnavailableException (API 28+) is a ProviderException:
                    // no secure element on this phone, so the TEE it is.
                }
            }
            return generate(alias, strongBox = false)
        }

        private fun generate(alias: String, strongBox: Boolean): SecretKey {
            val spec =
                KeyGenParameterSpec
                    .Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                    .setKeySize(256)
                    .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                    .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                    // The keystore chooses every nonce; a caller-supplied one is refused.
                    .setRandomizedEncryptionRequired(true)
                    .let { builder -> Api28.orNull()?.strongBoxAndUnlocked(builder, strongBox) ?: builder }
                    .build()
            val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, PROVIDER)
            generator.init(spec)
            return generator.generateKey()
        }
    }

    override fun createSigningKey(alias: String, bits: UInt): ByteArray =
        signing {
            val spec =
                KeyGenParameterSpec
                    .Builder(SIGNING_KEY_PREFIX + alias, KeyProperties.PURPOSE_SIGN)
                    .setKeySize(bits.toInt())
                    .setDigests(KeyProperties.DIGEST_SHA256)
                    .setSignaturePaddings(KeyProperties.SIGNATURE_PADDING_RSA_PKCS1)
                    .build()
            val generator = KeyPairGenerator.getInstance(KeyProperties.KEY_ALGORITHM_RSA, PROVIDER)
            generator.initialize(spec)
            generator.generateKeyPair().public.encoded
        }

    override fun sign(alias: String, message: ByteArray): ByteArray =
        signing {
            val entry =
                keyStore().getEntry(SIGNING_KEY_PREFIX + alias, null)
                    as? KeyStore.PrivateKeyEntry ?: throw KeystoreFailure.KeyMissing()
            Signature.getInstance("SHA256withRSA").run {
                initSign(entry.privateKey)
                update(message)
                sign()
            }
        }

    override fun deleteSigningKey(alias: String) {
        signing {
            keyStore().deleteEntry(SIGNING_KEY_PREFIX + alias)
            ByteArray(0)
        }
    }

    private inline fun signing(block: () -> ByteArray): ByteArray =
        try {
            block()
        } catch (e: KeystoreFailure) {
            throw e
        } catch (e: GeneralSecurityException) {
            throw KeystoreFailure.Failed("keystore: ${e.javaClass.simpleName}")
        } catch (e: ProviderException) {
            throw KeystoreFailure.Failed("keystore: ${e.javaClass.simpleName}")
        }
}
