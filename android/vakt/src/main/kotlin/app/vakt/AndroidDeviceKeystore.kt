package app.vakt

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import app.vakt.ffi.KeystoreFailure
import java.security.GeneralSecurityException
import java.security.KeyPairGenerator
import java.security.KeyStore
import java.security.ProviderException
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey

/**
 * The device key in the Android Keystore: AES-256-GCM, generated inside the
 * keystore (StrongBox where the phone has one, else the TEE) and never
 * exportable — the app only ever asks the keystore to encrypt or decrypt with
 * it. Blobs are `nonce ‖ ciphertext+tag` as described in [AesGcmKeystore].
 *
 * **Its properties** ([deviceKeySpec]; the reasons are in docs/threat-model.md,
 * "The Android device key"): usable without user authentication and whether or
 * not the phone is locked. Keys bound to the lock screen
 * (`setUserAuthenticationRequired`, and `setUnlockedDeviceRequired` on Android
 * 12–14) cannot be made on a phone without a secure lock screen and are deleted
 * or invalidated when the lock screen is removed — with them every account.
 * The PIN, with its three-strike lockout, is what guards the vault.
 *
 * The key is created on the first [wrap] (vault creation, restore); [unwrap]
 * never creates it. **A lost key is a typed state**: a key that is missing
 * (app data restored onto another phone, keystore reset) or permanently
 * invalidated is `KeyMissing`, which the vault reports as
 * [VaktException.VaultUnreadable] with reason `WRONG_DEVICE` — the vault can
 * no longer be opened on this phone: offer to restore a backup
 * ([VaktVault.restore]) into a new file. An invalidated key is deleted when it
 * is found, so the restore makes a new one. Other keystore failures
 * (busy, hardware) are [VaktException.Keystore]: retrying may help.
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
 * **Container keys** ([createEcdsaKey], [signEcdsa]; privacyIDEA smartphone
 * containers): P-384 (`secp384r1`) EC key pairs generated inside the Android
 * Keystore (`PURPOSE_SIGN`, SHA-256 — the server names `SHA256`, not the
 * curve's usual SHA-384), signing with `SHA256withECDSA` (DER signatures); the
 * public key is returned as `SubjectPublicKeyInfo`. They share the alias
 * prefix (one namespace, so [deleteSigningKey] deletes either kind) and the
 * properties of the push keys: in the TEE (StrongBox holds P-256 only), usable
 * while the phone is locked.
 *
 * Compiled against Android API 26 and 35 and run under Robolectric with a
 * stand-in `AndroidKeyStore` provider by scripts/test.d/42-android.sh; the
 * real keystore runs only on a device.
 */
class AndroidDeviceKeystore(
    private val alias: String = DEFAULT_ALIAS,
) : AesGcmKeystore(keyForWrap = { getOrCreateKey(alias) }, keyForUnwrap = { existingKey(alias) }) {
    companion object {
        /** The alias of the device key in the Android Keystore. */
        const val DEFAULT_ALIAS = "app.vakt.device-key"

        /**
         * Prefix of signing keys' aliases in the Android Keystore: push (RSA)
         * and container (P-384) keys alike.
         */
        const val SIGNING_KEY_PREFIX = "app.vakt.push."

        private const val PROVIDER = "AndroidKeyStore"

        /**
         * What the device key is made with: AES-256, GCM without padding, for
         * encryption and decryption, every nonce chosen by the keystore; no
         * user authentication, no unlocked-device requirement; in StrongBox
         * when [strongBox] is given (API 28+).
         */
        internal fun deviceKeySpec(alias: String, strongBox: Api28?): KeyGenParameterSpec {
            val builder =
                KeyGenParameterSpec
                    .Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                    .setKeySize(256)
                    .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                    .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                    // The keystore chooses every nonce; a caller-supplied one is refused.
                    .setRandomizedEncryptionRequired(true)
                    // Never bound to the lock screen (see the class documentation).
                    .setUserAuthenticationRequired(false)
            return (strongBox?.inStrongBox(builder) ?: builder).build()
        }

        private fun keyStore(): KeyStore = KeyStore.getInstance(PROVIDER).apply { load(null) }

        private fun existingKey(alias: String): SecretKey? =
            (keyStore().getEntry(alias, null) as? KeyStore.SecretKeyEntry)?.secretKey

        @Synchronized
        private fun getOrCreateKey(alias: String): SecretKey {
            existingKey(alias)?.let { return it }
            Api28.orNull()?.let { api ->
                try {
                    return generate(deviceKeySpec(alias, strongBox = api))
                } catch (e: ProviderException) {
                    // StrongBoxUnavailableException (a ProviderException): no
                    // secure element on this phone, so the TEE it is.
                }
            }
            return generate(deviceKeySpec(alias, strongBox = null))
        }

        private fun generate(spec: KeyGenParameterSpec): SecretKey {
            val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, PROVIDER)
            generator.init(spec)
            return generator.generateKey()
        }

        /** Whether [e] (or what caused it) says the key can never be used again. */
        private fun isKeyLost(e: Throwable): Boolean =
            generateSequence(e) { it.cause }.take(8).any { it is KeyPermanentlyInvalidatedException }
    }

    /**
     * A permanently invalidated key is `KeyMissing` (the vault then says
     * `WRONG_DEVICE`), and it is deleted: it can decrypt nothing any more, and
     * a restore needs the alias free for a new key.
     */
    override fun failure(e: Exception): KeystoreFailure {
        if (!isKeyLost(e)) return super.failure(e)
        try {
            keyStore().deleteEntry(alias)
        } catch (ignored: GeneralSecurityException) {
            // Still lost; the next wrap tries again.
        }
        return KeystoreFailure.KeyMissing()
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

    override fun createEcdsaKey(alias: String): ByteArray =
        signing {
            val spec =
                KeyGenParameterSpec
                    .Builder(SIGNING_KEY_PREFIX + alias, KeyProperties.PURPOSE_SIGN)
                    .setAlgorithmParameterSpec(ECGenParameterSpec("secp384r1"))
                    .setDigests(KeyProperties.DIGEST_SHA256)
                    .build()
            val generator = KeyPairGenerator.getInstance(KeyProperties.KEY_ALGORITHM_EC, PROVIDER)
            generator.initialize(spec)
            generator.generateKeyPair().public.encoded
        }

    override fun signEcdsa(alias: String, message: ByteArray): ByteArray =
        signing {
            val entry =
                keyStore().getEntry(SIGNING_KEY_PREFIX + alias, null)
                    as? KeyStore.PrivateKeyEntry ?: throw KeystoreFailure.KeyMissing()
            if (entry.privateKey.algorithm != KeyProperties.KEY_ALGORITHM_EC) {
                throw KeystoreFailure.Failed("the key of this alias is not a P-384 key")
            }
            Signature.getInstance("SHA256withECDSA").run {
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
