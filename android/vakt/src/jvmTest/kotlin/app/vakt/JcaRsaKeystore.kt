package app.vakt

import app.vakt.ffi.KeystoreFailure
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.Signature
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import javax.crypto.SecretKey

/**
 * A Kotlin DeviceKeystore as an app might write one on the desktop JVM: AES-GCM
 * wrap/unwrap ([AesGcmKeystore]) and RSA signing keys from java.security
 * (KeyPairGenerator RSA 2048 — whatever size the core asks for, to keep the
 * tests quick; Signature SHA256withRSA). Public keys go out as SPKI.
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

    override fun sign(alias: String, message: ByteArray): ByteArray {
        val pair = keys[alias] ?: throw KeystoreFailure.KeyMissing()
        signatures.incrementAndGet()
        return Signature.getInstance("SHA256withRSA").run {
            initSign(pair.private)
            update(message)
            sign()
        }
    }

    override fun deleteSigningKey(alias: String) {
        keys.remove(alias)
    }
}
