package app.vakt

import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.StrongBoxUnavailableException
import java.security.AlgorithmParameters
import java.security.InvalidAlgorithmParameterException
import java.security.InvalidKeyException
import java.security.Key
import java.security.KeyStore
import java.security.KeyStoreSpi
import java.security.Provider
import java.security.SecureRandom
import java.security.Security
import java.security.cert.Certificate
import java.security.spec.AlgorithmParameterSpec
import java.util.Collections
import java.util.Date
import java.util.Enumeration
import java.util.concurrent.ConcurrentHashMap
import javax.crypto.Cipher
import javax.crypto.CipherSpi
import javax.crypto.KeyGeneratorSpi
import javax.crypto.SecretKey
import javax.crypto.spec.SecretKeySpec

/**
 * A stand-in for the Android Keystore's JCA provider (Robolectric has none):
 * `KeyStore.getInstance("AndroidKeyStore")`, `KeyGenerator` "AES" taking a
 * [KeyGenParameterSpec], and "AES/GCM/NoPadding" for its keys — which, as on
 * a phone, do not export their bytes. It behaves as the platform documents:
 * the key's nonce is chosen by the keystore (a caller-supplied one is refused
 * when encrypting), a StrongBox key fails with [StrongBoxUnavailableException]
 * when [strongBox] is false, a permanently invalidated key fails every
 * `Cipher.init` with [KeyPermanentlyInvalidatedException]. It records every
 * spec it was given ([specs]) and can fail the next `Cipher.init` ([failNextInit]).
 *
 * [install] puts it first, as a phone puts its keystore's provider before the
 * general ones: the JDK's `Cipher` reports the first provider's exception when
 * none accepts a key, and other providers fail on keys without bytes in their
 * own ways.
 */
class FakeAndroidKeyStore(private val strongBox: Boolean) : Provider("AndroidKeyStore", "1.0", "test stand-in for the Android Keystore") {
    /** A keystore key: its bytes never leave the provider. */
    class StoredKey(internal val bytes: ByteArray) : SecretKey {
        @Volatile var invalidated = false

        override fun getAlgorithm() = "AES"

        override fun getFormat(): String? = null

        override fun getEncoded(): ByteArray? = null
    }

    val stored = ConcurrentHashMap<String, StoredKey>()
    val specs: MutableList<KeyGenParameterSpec> = Collections.synchronizedList(mutableListOf())

    @Volatile var failNextInit: Exception? = null

    init {
        val self = this
        putService(
            object : Service(this, "KeyStore", "AndroidKeyStore", KeyStoreSpi::class.java.name, null, null) {
                override fun newInstance(constructorParameter: Any?): Any = Store(self)
            },
        )
        putService(
            object : Service(this, "KeyGenerator", "AES", KeyGeneratorSpi::class.java.name, null, null) {
                override fun newInstance(constructorParameter: Any?): Any = Generator(self)
            },
        )
        putService(
            object : Service(this, "Cipher", "AES/GCM/NoPadding", CipherSpi::class.java.name, null, null) {
                override fun newInstance(constructorParameter: Any?): Any = Gcm(self)
            },
        )
    }

    /** Registers it (first) until [uninstall]. */
    fun install() = apply { check(Security.insertProviderAt(this, 1) == 1) { "already installed" } }

    fun uninstall() = Security.removeProvider(name)

    private class Store(private val p: FakeAndroidKeyStore) : KeyStoreSpi() {
        override fun engineLoad(stream: java.io.InputStream?, password: CharArray?) {}

        override fun engineGetEntry(alias: String, protParam: KeyStore.ProtectionParameter?): KeyStore.Entry? =
            p.stored[alias]?.let { KeyStore.SecretKeyEntry(it) }

        override fun engineGetKey(alias: String, password: CharArray?): Key? = p.stored[alias]

        override fun engineContainsAlias(alias: String) = p.stored.containsKey(alias)

        override fun engineDeleteEntry(alias: String) {
            p.stored.remove(alias)
        }

        override fun engineAliases(): Enumeration<String> = Collections.enumeration(p.stored.keys.toList())

        override fun engineSize() = p.stored.size

        override fun engineIsKeyEntry(alias: String) = p.stored.containsKey(alias)

        override fun engineIsCertificateEntry(alias: String) = false

        override fun engineGetCertificateChain(alias: String): Array<Certificate>? = null

        override fun engineGetCertificate(alias: String): Certificate? = null

        override fun engineGetCreationDate(alias: String): Date? = null

        override fun engineGetCertificateAlias(cert: Certificate): String? = null

        override fun engineSetKeyEntry(alias: String, key: Key, password: CharArray?, chain: Array<out Certificate>?) =
            throw UnsupportedOperationException("keys are generated inside the keystore")

        override fun engineSetKeyEntry(alias: String, key: ByteArray, chain: Array<out Certificate>?) =
            throw UnsupportedOperationException("keys are generated inside the keystore")

        override fun engineSetCertificateEntry(alias: String, cert: Certificate) = throw UnsupportedOperationException()

        override fun engineStore(stream: java.io.OutputStream?, password: CharArray?) = throw UnsupportedOperationException()
    }

    private class Generator(private val p: FakeAndroidKeyStore) : KeyGeneratorSpi() {
        private var spec: KeyGenParameterSpec? = null

        override fun engineInit(random: SecureRandom?) = throw IllegalStateException("the Android Keystore needs a KeyGenParameterSpec")

        override fun engineInit(keysize: Int, random: SecureRandom?) = throw IllegalStateException("the Android Keystore needs a KeyGenParameterSpec")

        override fun engineInit(params: AlgorithmParameterSpec?, random: SecureRandom?) {
            spec = params as? KeyGenParameterSpec ?: throw InvalidAlgorithmParameterException("not a KeyGenParameterSpec")
        }

        override fun engineGenerateKey(): SecretKey {
            val spec = spec ?: throw IllegalStateException("not initialised")
            p.specs += spec
            if (Build.VERSION.SDK_INT >= 28 && spec.isStrongBoxBacked && !p.strongBox) {
                throw StrongBoxUnavailableException("no StrongBox on this phone")
            }
            val key = StoredKey(ByteArray(spec.keySize / 8).also { SecureRandom().nextBytes(it) })
            p.stored[spec.keystoreAlias] = key
            return key
        }
    }

    private class Gcm(private val p: FakeAndroidKeyStore) : CipherSpi() {
        private val inner: Cipher = Cipher.getInstance("AES/GCM/NoPadding", "SunJCE")

        private fun key(key: Key?): SecretKeySpec {
            val stored = key as? StoredKey ?: throw InvalidKeyException("not an Android Keystore key")
            p.failNextInit?.let {
                p.failNextInit = null
                throw it
            }
            if (stored.invalidated) throw KeyPermanentlyInvalidatedException()
            return SecretKeySpec(stored.bytes, "AES")
        }

        override fun engineInit(opmode: Int, key: Key?, random: SecureRandom?) = inner.init(opmode, key(key), random)

        override fun engineInit(opmode: Int, key: Key?, params: AlgorithmParameterSpec?, random: SecureRandom?) {
            val spec = key(key)
            if (params != null && opmode == Cipher.ENCRYPT_MODE) throw InvalidAlgorithmParameterException("Caller-provided IV not permitted")
            inner.init(opmode, spec, params, random)
        }

        override fun engineInit(opmode: Int, key: Key?, params: AlgorithmParameters?, random: SecureRandom?) {
            val spec = key(key)
            if (params != null && opmode == Cipher.ENCRYPT_MODE) throw InvalidAlgorithmParameterException("Caller-provided IV not permitted")
            inner.init(opmode, spec, params, random)
        }

        override fun engineSetMode(mode: String?) {}

        override fun engineSetPadding(padding: String?) {}

        override fun engineGetBlockSize() = 16

        override fun engineGetOutputSize(inputLen: Int) = inner.getOutputSize(inputLen)

        override fun engineGetIV(): ByteArray? = inner.iv

        override fun engineGetParameters(): AlgorithmParameters? = inner.parameters

        override fun engineUpdateAAD(src: ByteArray, offset: Int, len: Int) = inner.updateAAD(src, offset, len)

        override fun engineUpdate(input: ByteArray, inputOffset: Int, inputLen: Int): ByteArray? = inner.update(input, inputOffset, inputLen)

        override fun engineUpdate(input: ByteArray, inputOffset: Int, inputLen: Int, output: ByteArray, outputOffset: Int) =
            inner.update(input, inputOffset, inputLen, output, outputOffset)

        override fun engineDoFinal(input: ByteArray?, inputOffset: Int, inputLen: Int): ByteArray = inner.doFinal(input, inputOffset, inputLen)

        override fun engineDoFinal(input: ByteArray?, inputOffset: Int, inputLen: Int, output: ByteArray, outputOffset: Int) =
            inner.doFinal(input, inputOffset, inputLen, output, outputOffset)
    }
}
