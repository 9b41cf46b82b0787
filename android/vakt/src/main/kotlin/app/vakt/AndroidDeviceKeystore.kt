package app.vakt

import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.security.KeyStore
import java.security.ProviderException
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
 * This file needs android.jar: it is compiled by Gradle only (the JVM tests
 * exercise the same format through [AesGcmKeystore] with a JCE key).
 */
class AndroidDeviceKeystore(
    private val alias: String = DEFAULT_ALIAS,
) : AesGcmKeystore(keyForWrap = { getOrCreateKey(alias) }, keyForUnwrap = { existingKey(alias) }) {
    companion object {
        /** The alias of the device key in the Android Keystore. */
        const val DEFAULT_ALIAS = "app.vakt.device-key"

        private const val PROVIDER = "AndroidKeyStore"

        private fun keyStore(): KeyStore = KeyStore.getInstance(PROVIDER).apply { load(null) }

        private fun existingKey(alias: String): SecretKey? =
            (keyStore().getEntry(alias, null) as? KeyStore.SecretKeyEntry)?.secretKey

        @Synchronized
        private fun getOrCreateKey(alias: String): SecretKey {
            existingKey(alias)?.let { return it }
            if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) {
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
                    .apply {
                        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) {
                            setIsStrongBoxBacked(strongBox)
                            // Usable only while the phone is unlocked.
                            setUnlockedDeviceRequired(true)
                        }
                    }.build()
            val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, PROVIDER)
            generator.init(spec)
            return generator.generateKey()
        }
    }
}
