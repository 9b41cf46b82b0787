package app.vakt

import app.vakt.ffi.HttpMethod
import app.vakt.ffi.HttpRequest
import app.vakt.ffi.HttpResponse
import app.vakt.ffi.HttpTransport
import app.vakt.ffi.KeystoreFailure
import java.math.BigInteger
import java.net.URLDecoder
import java.net.URLEncoder
import java.security.KeyFactory
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.PublicKey
import java.security.SecureRandom
import java.security.Signature
import java.security.interfaces.RSAPublicKey
import java.security.spec.X509EncodedKeySpec
import java.util.Base64
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import javax.crypto.SecretKey

/** RFC 4648 base32, upper case, `=` padded: privacyIDEA's signature spelling. */
object Base32 {
    private const val ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

    fun encode(bytes: ByteArray): String {
        val out = StringBuilder()
        var buffer = 0
        var bits = 0
        for (b in bytes) {
            buffer = (buffer shl 8) or (b.toInt() and 0xFF)
            bits += 8
            while (bits >= 5) {
                out.append(ALPHABET[(buffer shr (bits - 5)) and 31])
                bits -= 5
            }
        }
        if (bits > 0) out.append(ALPHABET[(buffer shl (5 - bits)) and 31])
        while (out.length % 8 != 0) out.append('=')
        return out.toString()
    }

    fun decode(text: String): ByteArray {
        val out = java.io.ByteArrayOutputStream()
        var buffer = 0
        var bits = 0
        for (c in text.trimEnd('=')) {
            val v = ALPHABET.indexOf(c)
            require(v >= 0) { "not base32: $c" }
            buffer = (buffer shl 5) or v
            bits += 5
            if (bits >= 8) {
                out.write((buffer shr (bits - 8)) and 0xFF)
                bits -= 8
            }
        }
        return out.toByteArray()
    }
}

/** SHA256withRSA (RSASSA-PKCS1-v1_5, SHA-256). */
fun rsaSign(key: java.security.PrivateKey, message: String): ByteArray =
    Signature.getInstance("SHA256withRSA").run {
        initSign(key)
        update(message.toByteArray())
        sign()
    }

fun rsaVerify(key: PublicKey, message: String, signatureB32: String): Boolean =
    try {
        Signature.getInstance("SHA256withRSA").run {
            initVerify(key)
            update(message.toByteArray())
            verify(Base32.decode(signatureB32))
        }
    } catch (e: Exception) {
        false
    }

/** PKCS#1 `RSAPublicKey` DER (Java's `getEncoded()` is SPKI): SEQUENCE { INTEGER n, INTEGER e }. */
fun pkcs1(key: RSAPublicKey): ByteArray {
    fun length(n: Int): ByteArray =
        when {
            n < 0x80 -> byteArrayOf(n.toByte())
            n < 0x100 -> byteArrayOf(0x81.toByte(), n.toByte())
            else -> byteArrayOf(0x82.toByte(), (n shr 8).toByte(), n.toByte())
        }
    fun integer(v: BigInteger): ByteArray = v.toByteArray().let { byteArrayOf(0x02) + length(it.size) + it }
    val body = integer(key.modulus) + integer(key.publicExponent)
    return byteArrayOf(0x30) + length(body.size) + body
}

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

private fun form(text: String): Map<String, String> =
    text.split('&').filter { it.isNotEmpty() }.associate {
        val (k, v) = (it.split('=', limit = 2) + "").take(2)
        URLDecoder.decode(k, "UTF-8") to URLDecoder.decode(v, "UTF-8")
    }

private fun json(text: String) = "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\""

/**
 * An in-memory privacyIDEA push server (its answer logic mirrors pushtoken.py,
 * like the core's fake in core/src/push/tests.rs): enrolment answers with its
 * public key (base64 PKCS#1), polls are verified (`serial|timestamp`) and
 * answered with challenges it signs (`nonce|url|serial|question|title|sslverify[|presence]`,
 * base32), answers are verified (`nonce|serial[|X]`, `nonce|serial|decline[|reason]`);
 * a wrong presence answer keeps the challenge open.
 */
class FakePrivacyIdea(
    val url: String = "http://127.0.0.1:5077/ttype/push",
    val serial: String = "PIPU0000TEST",
    val credential: String = "6ed5882c2d97952ad8b8e944c8e7f46274fbb5fe",
) : HttpTransport {
    companion object {
        /** One server key for every test (generation is the slow part). */
        val serverKey: KeyPair by lazy { KeyPairGenerator.getInstance("RSA").apply { initialize(2048) }.generateKeyPair() }

        fun nonce(): String = Base32.encode(ByteArray(20).also { SecureRandom().nextBytes(it) })
    }

    class Challenge(
        val nonce: String,
        /** Options and the right one. */
        val presence: Pair<String, String>?,
        val displayCode: String?,
        /** null open; true approved; false declined. */
        @Volatile var answered: Boolean? = null,
        @Volatile var declineReason: String? = null,
    )

    private val lock = Any()
    private var phone: PublicKey? = null
    val challenges = mutableListOf<Challenge>()
    val requests = mutableListOf<Pair<HttpMethod, String>>()
    val polls = AtomicInteger()

    @Volatile var fbtoken: String? = null

    @Volatile var enrolled = false

    /** Sign challenges with something else (forged). */
    @Volatile var tamper = false

    /** Answer every request with this (status, body) instead. */
    @Volatile var reply: Pair<Int, String>? = null

    /** Throw this from the next request. */
    @Volatile var fail: Throwable? = null

    /** The enrolment code (`otpauth://pipush/…`) this server shows. */
    val enrolmentUri: String
        get() =
            "otpauth://pipush/$serial?url=${URLEncoder.encode(url, "UTF-8")}&ttl=10&issuer=privacyIDEA" +
                "&enrollment_credential=$credential&v=1&serial=$serial&sslverify=0&poll_only=True"

    /** A login: a new open challenge. */
    fun trigger(presence: Pair<String, String>? = null, displayCode: String? = null): Challenge =
        Challenge(nonce(), presence, displayCode).also { synchronized(lock) { challenges += it } }

    /** The challenge as the server sends it (a poll item, or a notification's data). */
    fun item(c: Challenge): Map<String, String> {
        val question = "Log in to 127.0.0.1?"
        val title = "DemoIdP"
        var signed = "${c.nonce}|$url|$serial|$question|$title|0"
        val item =
            linkedMapOf(
                "nonce" to c.nonce,
                "url" to url,
                "serial" to serial,
                "question" to question,
                "title" to title,
                "sslverify" to "0",
                "capabilities" to "{\"decline_reason\": true}",
            )
        c.presence?.let { (options, _) ->
            item["require_presence"] = options
            signed += "|$options"
        }
        val key = serverKey.private
        item["signature"] = Base32.encode(rsaSign(key, if (tamper) "something else" else signed))
        item["capabilities_signature"] =
            Base32.encode(rsaSign(key, "{\"capabilities\":{\"decline_reason\":true},\"nonce\":\"${c.nonce}\"}"))
        return item
    }

    private fun ok(value: String, detail: String = "{}") =
        HttpResponse(200u, "{\"result\":{\"status\":true,\"value\":$value},\"detail\":$detail}".toByteArray())

    private fun error(status: Int, code: Int) =
        HttpResponse(
            status.toUShort(),
            "{\"result\":{\"status\":false,\"error\":{\"code\":$code,\"message\":\"ERR$code\"}}}".toByteArray(),
        )

    override fun send(request: HttpRequest): HttpResponse {
        fail?.let {
            fail = null
            throw it
        }
        reply?.let { (status, body) -> return HttpResponse(status.toUShort(), body.toByteArray()) }
        synchronized(lock) {
            requests += request.method to request.url.substringBefore('?')
            return when (request.method) {
                HttpMethod.GET -> poll(request)
                HttpMethod.POST -> post(form(request.body.decodeToString()))
            }
        }
    }

    private fun poll(request: HttpRequest): HttpResponse {
        polls.incrementAndGet()
        val q = form(request.url.substringAfter('?', ""))
        val phone = phone ?: return error(400, 905)
        val signed = "${q["serial"]}|${q["timestamp"]}"
        if (q["serial"] != serial || !rsaVerify(phone, signed, q["signature"] ?: "")) return error(400, 905)
        val items =
            challenges.filter { it.answered == null }.joinToString(",") { c ->
                item(c).entries.joinToString(",", "{", "}") { (k, v) -> "${json(k)}:${json(v)}" }
            }
        return ok("[$items]")
    }

    private fun post(form: Map<String, String>): HttpResponse {
        form["enrollment_credential"]?.let { credential ->
            if (enrolled) return error(404, 601)
            if (credential != this.credential || form["serial"] != serial) return error(400, 905)
            val spki = Base64.getUrlDecoder().decode(form["pubkey"])
            phone = KeyFactory.getInstance("RSA").generatePublic(X509EncodedKeySpec(spki))
            fbtoken = form["fbtoken"]
            enrolled = true
            val public = Base64.getEncoder().encodeToString(pkcs1(serverKey.public as RSAPublicKey))
            return ok("true", "{\"public_key\":${json(public)},\"rollout_state\":\"enrolled\"}")
        }
        // An answer: privacyIDEA's _handle_auth_response.
        val phone = phone ?: return error(400, 905)
        val decline = form["decline"] == "1"
        var result = false
        var display: String? = null
        for (c in challenges.filter { it.answered == null }) {
            var signed = "${c.nonce}|$serial"
            if (decline) {
                signed += "|decline"
                form["decline_reason"]?.let { signed += "|$it" }
            }
            form["presence_answer"]?.let { signed += "|$it" }
            if (!rsaVerify(phone, signed, form["signature"] ?: "")) continue
            if (decline) {
                c.answered = false
                c.declineReason = form["decline_reason"]
                result = true
            } else if (c.presence != null) {
                if (form["presence_answer"] == c.presence.second) {
                    c.answered = true
                    result = true
                }
            } else {
                c.answered = true
                display = c.displayCode
                result = true
            }
        }
        return ok(result.toString(), display?.let { "{\"display_code\":${json(it)}}" } ?: "{}")
    }
}
