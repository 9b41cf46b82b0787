package app.vakt

import app.vakt.ffi.KeystoreFailure
import java.security.GeneralSecurityException
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import javax.crypto.SecretKey

/**
 * A Kotlin DeviceKeystore as an app might write one on the desktop JVM: AES-GCM
 * wrap/unwrap ([AesGcmKeystore]) and signing keys from java.security. RSA keys
 * for push (KeyPairGenerator RSA 2048 — whatever size the core asks for, to keep
 * the tests quick; Signature SHA256withRSA) and P-384 keys for containers
 * (KeyPairGenerator EC on secp384r1, Signature SHA256withECDSA: SunEC). Public
 * keys go out as SPKI. RSA and EC keys share one namespace of aliases.
 */
class JcaRsaKeystore(key: SecretKey = newAesKey()) : AesGcmKeystore(key) {
    private val keys = ConcurrentHashMap<String, KeyPair>()
    val requestedBits = AtomicInteger()
    val signatures = AtomicInteger()

    val aliases: Set<String> get() = keys.keys.toSet()

    override fun createSigningKey(alias: String, bits: UInt): ByteArray {
        requestedBits.set(bits.toInt())
        val pair = KeyPairGenerator.getInstance("RSA").apply { initialize(2048) }.generateKeyPair()
        keys[alias] = pair
        return pair.public.encoded
    }

    override fun sign(alias: String, message: ByteArray): ByteArray = signWith(alias, "RSA", "SHA256withRSA", message)

    override fun createEcdsaKey(alias: String): ByteArray {
        val pair = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp384r1")) }.generateKeyPair()
        keys[alias] = pair
        return pair.public.encoded
    }

    override fun signEcdsa(alias: String, message: ByteArray): ByteArray = signWith(alias, "EC", "SHA256withECDSA", message)

    override fun deleteSigningKey(alias: String) {
        keys.remove(alias)
    }

    private fun signWith(
        alias: String,
        kind: String,
        algorithm: String,
        message: ByteArray,
    ): ByteArray {
        val pair = keys[alias] ?: throw KeystoreFailure.KeyMissing()
        if (pair.private.algorithm != kind) throw KeystoreFailure.Failed("the key of this alias is not a $kind key")
        signatures.incrementAndGet()
        return try {
            Signature.getInstance(algorithm).run {
                initSign(pair.private)
                update(message)
                sign()
            }
        } catch (e: GeneralSecurityException) {
            throw KeystoreFailure.Failed("keystore: ${e.javaClass.simpleName}")
        }
    }
}
