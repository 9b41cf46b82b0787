package app.vakt

import app.vakt.ffi.HttpMethod
import app.vakt.ffi.HttpRequest
import app.vakt.ffi.HttpResponse
import app.vakt.ffi.TransportFailure
import java.io.ByteArrayOutputStream
import java.io.IOException
import java.io.InputStream
import java.net.ConnectException
import java.net.HttpURLConnection
import java.net.MalformedURLException
import java.net.NoRouteToHostException
import java.net.SocketTimeoutException
import java.net.URL
import java.net.UnknownHostException
import java.time.Instant
import javax.net.ssl.HttpsURLConnection
import javax.net.ssl.SSLException
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

/**
 * Sends push requests with the platform's HTTP stack: implement it (OkHttp,
 * Cronet…) or use [UrlConnectionTransport]. Called on a background thread; it
 * may block. **The request body may carry the enrolment credential, and URLs
 * and bodies carry device signatures: never log them.** Throw
 * `app.vakt.ffi.TransportFailure` (`Timeout`, `Unreachable`, `Tls`, `Other`);
 * any other exception arrives in Rust as `Other`.
 */
typealias HttpTransport = app.vakt.ffi.HttpTransport

/** Why the user declined a login request. */
typealias DeclineReason = app.vakt.ffi.DeclineReason

/** Where a push token stands: enrolled, needs re-enrolment (restored), interrupted. */
typealias PushTokenState = app.vakt.ffi.PushTokenState

/** Where a login request stands: open, sending (answer again to retry), answered, closed. */
typealias PushChallengeState = app.vakt.ffi.PushChallengeState

/** How a login request was answered. */
typealias PushDecision = app.vakt.ffi.PushDecision

/** How a push server could not be reached. */
typealias PushNetworkKind = app.vakt.ffi.PushNetworkKind

/** Why a login request was refused: forged or malformed. */
typealias ChallengeRefusal = app.vakt.ffi.ChallengeRefusal

/** What went wrong with one token during a poll. */
typealias PushProblemKind = app.vakt.ffi.PushProblemKind

/** A privacyIDEA push token (`id` is shared with accounts: [VaktSession.delete] deletes it). */
typealias PushToken = app.vakt.ffi.PushToken

/** A verified login request, ready to show (`receivedAt`, `expiresAt` as `Instant`s). */
typealias PushChallenge = app.vakt.ffi.PushChallenge

/** One token's problem during a poll; `message` is for people. */
typealias PushProblem = app.vakt.ffi.PushProblem

/** What a poll found: every waiting challenge, how many are new, and per-token problems. */
typealias PushPollResult = app.vakt.ffi.PushPollReport

/** What became of a new registration token at one push token's server: `problem` null means it took it. */
typealias PushRegistrationUpdate = app.vakt.ffi.PushRegistrationUpdate

/**
 * Push approval on an open session: enrol privacyIDEA push tokens, receive
 * login requests (poll, or a notification's data) and answer them. Get one
 * from [VaktSession.push]. Every call is a `suspend` function run off the main
 * thread; calls that talk to the server go through [transport].
 *
 * [allowInsecure] allows plain http to other machines and honours a server's
 * request not to verify its certificate (`sslverify=0`). Leave it off outside
 * test set-ups; even with it, [UrlConnectionTransport] verifies certificates
 * unless it was given its own TLS set-up.
 */
class VaktPush internal constructor(
    private val session: VaktSession,
    /** The transport of every network call. */
    val transport: HttpTransport,
    /** See the class documentation. */
    val allowInsecure: Boolean,
) {
    /**
     * Enrols the push token of a scanned enrolment code: a signing key is made
     * in the keystore and registered with the server. [notificationToken] is
     * the Firebase token (null: poll only). Throws [VaktException.Duplicate]
     * if it is already enrolled, [VaktException.PushServer] (404) if the code
     * was already used or expired, [VaktException.InvalidInput] for another
     * kind of code.
     */
    suspend fun enrol(qr: ScannedQr, notificationToken: String? = null): PushToken =
        session.call { it.enrolPush(qr.code, transport, allowInsecure, notificationToken) }

    /** The same for an `otpauth://pipush/` URI's text. */
    suspend fun enrol(uri: String, notificationToken: String? = null): PushToken =
        session.call { it.enrolPushUri(uri, transport, allowInsecure, notificationToken) }

    /** Every push token. */
    suspend fun tokens(): List<PushToken> = session.call { it.pushTokens() }

    /** Asks every enrolled token's server for login requests; problems are reported per token, not thrown. */
    suspend fun poll(): PushPollResult = session.call { it.pollPush(transport, allowInsecure) }

    /**
     * Gives every enrolled token's server the new Firebase registration token
     * (call it from `FirebaseMessagingService.onNewToken`), signed by each
     * token's device key. It is stored first; a server that fails is reported
     * in that token's [PushRegistrationUpdate.problem], not thrown, and gets
     * it again at the next [poll]. Throws [VaktException.InvalidInput] for an
     * empty token.
     */
    suspend fun updateRegistration(registrationToken: String): List<PushRegistrationUpdate> =
        session.call { it.updatePushRegistration(registrationToken, transport, allowInsecure) }

    /**
     * Polls at once and then every [every] for as long as it is collected.
     * Completes when the session is closed; server problems are in each result.
     */
    fun polling(every: Duration = 10.seconds): Flow<PushPollResult> =
        flow {
            while (true) {
                val result =
                    try {
                        poll()
                    } catch (e: VaktException.Locked) {
                        return@flow
                    }
                emit(result)
                delay(every)
            }
        }

    /**
     * A login request from a push notification: its data map as Firebase
     * delivers it (`RemoteMessage.data`). Verified before anything is stored.
     * Throws [VaktException.ChallengeRefused] (forged or malformed),
     * [VaktException.UnknownPushToken], [VaktException.NeedsReenrolment], or a
     * [VaktException.ChallengeGone] for a replay.
     */
    suspend fun receive(data: Map<String, String>): PushChallenge = session.call { it.receivePush(data) }

    /** The login requests waiting for an answer, oldest first (no network). */
    suspend fun challenges(): List<PushChallenge> = session.call { it.pushChallenges() }

    /** One login request, whatever its state. */
    suspend fun challenge(id: Long): PushChallenge = session.call { it.pushChallenge(id) }

    /**
     * Approves login request [id] ([presenceAnswer]: the option the login
     * screen shows, when it has options). Returns the code to show, if any.
     * After a network failure, approving again retries the same answer.
     */
    suspend fun approve(id: Long, presenceAnswer: String? = null): String? =
        session.call { it.approvePush(id, transport, allowInsecure, presenceAnswer) }

    /** Declines login request [id]; [reason] is sent if the server accepts reasons. */
    suspend fun decline(id: Long, reason: DeclineReason? = null): Unit =
        session.call { it.declinePush(id, transport, allowInsecure, reason) }
}

/**
 * An [HttpTransport] over `HttpURLConnection` (no dependency): the platform's
 * trust store, proxy and network security config apply.
 *
 * Certificates are always verified. A request with `verifyTls = false` (the app
 * allowed insecure servers *and* the server asked not to verify) is refused
 * with `TransportFailure.Tls` — unless the app passes [unverifiedTls], which
 * then sets up that connection itself (its own `SSLSocketFactory` and
 * `HostnameVerifier`, e.g. pinning a self-signed test certificate). This class
 * never installs a trust-all `TrustManager`.
 *
 * `timeout` applies to connecting and to reading each (not to the exchange
 * as a whole). Redirects are not followed. The body is wiped after sending.
 */
class UrlConnectionTransport(
    private val unverifiedTls: ((HttpsURLConnection) -> Unit)? = null,
) : HttpTransport {
    private companion object {
        const val MAX_BODY = 1 shl 20
        const val FORM = "application/x-www-form-urlencoded"
    }

    override fun send(request: HttpRequest): HttpResponse {
        val url =
            try {
                URL(request.url)
            } catch (e: MalformedURLException) {
                throw TransportFailure.Other("malformed URL")
            }
        val timeout = request.timeout.toMillis().coerceIn(1, Int.MAX_VALUE.toLong()).toInt()
        var connection: HttpURLConnection? = null
        try {
            val conn = url.openConnection() as HttpURLConnection
            connection = conn
            conn.connectTimeout = timeout
            conn.readTimeout = timeout
            conn.instanceFollowRedirects = false
            conn.useCaches = false
            if (!request.verifyTls && conn is HttpsURLConnection) {
                val setUp =
                    unverifiedTls
                        ?: throw TransportFailure.Tls("the server asks not to verify its certificate; this transport verifies every certificate")
                setUp(conn)
            }
            when (request.method) {
                HttpMethod.GET -> conn.requestMethod = "GET"
                HttpMethod.POST -> {
                    conn.requestMethod = "POST"
                    conn.doOutput = true
                    conn.setRequestProperty("Content-Type", FORM)
                    conn.setFixedLengthStreamingMode(request.body.size)
                    conn.outputStream.use { it.write(request.body) }
                }
            }
            val status = conn.responseCode
            val stream = if (status >= 400) conn.errorStream else conn.inputStream
            val body = stream?.use(::readLimited) ?: ByteArray(0)
            return HttpResponse(status.toUShort(), body)
        } catch (e: TransportFailure) {
            throw e
        } catch (e: SocketTimeoutException) {
            throw TransportFailure.Timeout()
        } catch (e: SSLException) {
            throw TransportFailure.Tls(e.javaClass.simpleName)
        } catch (e: UnknownHostException) {
            throw TransportFailure.Unreachable("host not found")
        } catch (e: ConnectException) {
            throw TransportFailure.Unreachable("connection refused")
        } catch (e: NoRouteToHostException) {
            throw TransportFailure.Unreachable("no route to host")
        } catch (e: IOException) {
            // The class name only: messages may name the URL.
            throw TransportFailure.Other(e.javaClass.simpleName)
        } finally {
            request.body.fill(0)
            connection?.disconnect()
        }
    }

    /**
     * The whole answer, refused past [MAX_BODY]. A read loop, not
     * `InputStream.readNBytes` (Java 11, Android API 33: minSdk is 26).
     */
    private fun readLimited(input: InputStream): ByteArray {
        val out = ByteArrayOutputStream()
        val buffer = ByteArray(8192)
        while (true) {
            val n = input.read(buffer, 0, minOf(buffer.size, MAX_BODY + 1 - out.size()))
            if (n < 0) break
            out.write(buffer, 0, n)
            if (out.size() > MAX_BODY) throw TransportFailure.Other("answer too large")
        }
        return out.toByteArray()
    }
}
