package app.vakt

import app.vakt.ffi.HttpMethod
import app.vakt.ffi.FakePrivacyIdea
import app.vakt.ffi.HttpRequest
import app.vakt.ffi.HttpResponse
import app.vakt.ffi.PushChallengeState
import app.vakt.ffi.PushProblemKind
import app.vakt.ffi.TransportFailure
import com.sun.net.httpserver.HttpServer
import java.io.File
import java.net.InetSocketAddress
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

/** The fake privacyIDEA (the library's test door) served over real HTTP on a loopback port (for [UrlConnectionTransport]). */
private fun <T> serving(body: (FakePrivacyIdea) -> T): T {
    val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
    val fake = FakePrivacyIdea(url = "http://127.0.0.1:${server.address.port}/ttype/push")
    server.createContext("/ttype/push") { exchange ->
        val method = if (exchange.requestMethod == "POST") HttpMethod.POST else HttpMethod.GET
        val url = "http://127.0.0.1:${server.address.port}${exchange.requestURI}"
        val response = fake.handle(HttpRequest(method, url, exchange.requestBody.readBytes(), true, ms(5000)))
        exchange.responseHeaders.add("Content-Type", "application/json")
        exchange.sendResponseHeaders(response.status.toInt(), response.body.size.toLong())
        exchange.responseBody.use { it.write(response.body) }
    }
    server.start()
    try {
        return body(fake)
    } finally {
        server.stop(0)
    }
}

/** The wrapper's push API: VaktPush, PushToken/PushChallenge, the polling Flow, UrlConnectionTransport. */
fun Tests.pushWrapperTests() =
    suite("push wrapper") {
        test("VaktPush over UrlConnectionTransport and a loopback HTTP server: enrol, poll, approve, decline, receive") {
            serving { fake ->
                runBlocking {
                    val clock = ManualClock(T0)
                    val keystore = JcaRsaKeystore()
                    val vault = VaktVault.create(File(dir, "w/vault.sqlite3"), keystore, PIN, clock, FAST_WRAPPER).vault
                    vault.unlock(PIN).use { s ->
                        val push = s.push(UrlConnectionTransport())
                        val token = push.enrol(QrScanner.fromText(fake.enrolmentUri()), notificationToken = "fcm")
                        assertEquals("privacyIDEA: PIPU0000TEST", token.displayName)
                        assertEquals(T0, token.enrolledAt?.epochSecond)
                        assertEquals(PushTokenState.ENROLLED, token.state)
                        assertEquals(listOf(token), push.tokens())
                        assertEquals(token.id, assertThrows<VaktException.Duplicate> { push.enrol(fake.enrolmentUri()) }.existingId)

                        fake.trigger(presenceOptions = "X,L,Z", presenceAnswer = "Z")
                        val first = withTimeout(10_000) { push.polling(every = 50.milliseconds).first() }
                        assertEquals(1u, first.newCount)
                        val c = first.challenges.single()
                        assertTrue(c.hasPresenceCheck)
                        assertEquals(T0 + 120, c.expiresAt.epochSecond)
                        assertEquals(listOf("X", "L", "Z"), assertThrows<VaktException.PresenceRequired> { push.approve(c.id) }.options)
                        assertIs<VaktException.BadInput>(assertThrows<VaktException.NotAnOption> { push.approve(c.id, "Q") })
                        assertThrows<VaktException.WrongPresenceAnswer> { push.approve(c.id, "X") }
                        assertEquals(false, fake.challenges().last().answered(), "a wrong pick declines the sign-in")
                        assertIs<VaktException.AlreadyAnswered>(assertThrows<VaktException.ChallengeGone> { push.approve(c.id, "Z") })
                        assertIs<PushChallengeState.Answered>(push.challenge(c.id).state)
                        val right = fake.trigger(presenceOptions = "X,L,Z", presenceAnswer = "Z")
                        val next = push.poll().challenges.single { it.id != c.id }
                        assertNull(push.approve(next.id, "Z"))
                        assertEquals(true, right.answered())

                        val update = push.updateRegistration("fcm-new").single()
                        assertEquals(token.id, update.tokenId)
                        assertNull(update.problem)
                        assertEquals("fcm-new", fake.fbtoken())

                        val notified = push.receive(fake.trigger(displayCode = "88").item())
                        assertEquals(listOf(notified), push.challenges())
                        assertEquals("88", push.approve(notified.id))
                        val declined = push.receive(fake.trigger().item())
                        push.decline(declined.id, DeclineReason.CANCELLED)
                        assertEquals("cancelled", fake.challenges().last().declineReason())
                        assertIs<VaktException.ChallengeGone>(assertThrows<VaktException.AlreadyAnswered> { push.approve(declined.id) })
                        assertThrows<VaktException.NoSuchChallenge> { push.challenge(404) }

                        val expiring = push.receive(fake.trigger().item())
                        clock.set(T0 + 500)
                        assertThrows<VaktException.ChallengeExpired> { push.approve(expiring.id) }
                        val forged = fake.trigger().item() + ("title" to "Bank")
                        assertEquals(ChallengeRefusal.FORGED, assertThrows<VaktException.ChallengeRefused> { push.receive(forged) }.reason)
                        assertThrows<VaktException.UnknownPushToken> { push.receive(fake.trigger().item() + ("serial" to "OTHER")) }

                        s.delete(token.id)
                        assertTrue(push.tokens().isEmpty())
                        assertTrue(keystore.aliases.isEmpty())
                    }
                    // A closed session: the polling flow completes.
                    val session = vault.unlock(PIN)
                    val push = session.push(FakePrivacyIdea().transport())
                    session.close()
                    assertEquals(emptyList(), withTimeout(5_000) { push.polling(10.milliseconds).take(3).toList() })
                    vault.close()
                }
            }
        }

        test("wrapper errors: InsecureServer, PushServer, PushNetwork (closed port), NeedsReenrolment, ChallengeClosed") {
            runBlocking {
                val vault = VaktVault.create(File(dir, "w/vault.sqlite3"), JcaRsaKeystore(), PIN, ManualClock(T0), FAST_WRAPPER)
                val fake = FakePrivacyIdea()
                val backup =
                    vault.vault.unlock(PIN).use { s ->
                        val remote = FakePrivacyIdea(url = "http://pi.example/ttype/push", serial = "PIPU0000REMOTE")
                        assertThrows<VaktException.InsecureServer> { s.push(remote.transport()).enrol(remote.enrolmentUri()) }
                        s.push(remote.transport(), allowInsecure = true).enrol(remote.enrolmentUri())
                        val push = s.push(fake.transport())
                        push.enrol(fake.enrolmentUri())
                        val used = FakePrivacyIdea(serial = "PIPU0000USED").apply { setEnrolled(true) }
                        val e = assertThrows<VaktException.PushServer> { s.push(used.transport()).enrol(used.enrolmentUri()) }
                        assertEquals(404 to 601L, e.status to e.code)
                        val port = java.net.ServerSocket(0).use { it.localPort }
                        val down = FakePrivacyIdea(url = "http://127.0.0.1:$port/ttype/push", serial = "PIPU0000DOWN")
                        val network = assertThrows<VaktException.PushNetwork> { s.push(UrlConnectionTransport()).enrol(down.enrolmentUri()) }
                        assertEquals(PushNetworkKind.UNREACHABLE, network.kind)
                        assertIs<VaktException.Failure>(network)
                        val c = fake.trigger()
                        val id = push.poll().challenges.single().id
                        c.setAnswered(false)
                        assertThrows<VaktException.ChallengeClosed> { push.approve(id) }
                        fake.setReply(HttpResponse(502u, "bad gateway".toByteArray()))
                        val result = push.poll()
                        assertEquals(PushProblemKind.Server(502u, null), result.problems.single { it.kind !is PushProblemKind.InsecureServer }.kind)
                        fake.setReply(null)
                        s.backup()
                    }
                val restored =
                    VaktVault.restore(File(dir, "r/vault.sqlite3"), JcaRsaKeystore(), backup, VaktVault.BackupSecret.UnblockCode(vault.unblockCode.reveal()), OTHER_PIN, ManualClock(T0), FAST_WRAPPER)
                assertEquals(2, restored.needsReenrolment.size)
                restored.session.use { s ->
                    val push = s.push(fake.transport())
                    assertTrue(push.tokens().all { it.state == PushTokenState.NEEDS_REENROLMENT })
                    val e = assertThrows<VaktException.NeedsReenrolment> { push.receive(fake.trigger().item()) }
                    assertEquals(push.tokens().single { it.serial == fake.serial() }.id, e.tokenId)
                }
            }
        }

        test("UrlConnectionTransport never skips certificate checks on its own; the body is wiped") {
            val body = "enrollment_credential=secret".toByteArray()
            val request = HttpRequest(HttpMethod.POST, "https://127.0.0.1:1/ttype/push", body, false, ms(1000))
            assertThrows<TransportFailure.Tls> { UrlConnectionTransport().send(request) }
            assertTrue(body.all { it == 0.toByte() }, "the credential does not linger")
            var configured = false
            val optedIn = UrlConnectionTransport(unverifiedTls = { configured = true })
            val refused = HttpRequest(HttpMethod.GET, "https://127.0.0.1:${java.net.ServerSocket(0).use { it.localPort }}/x", ByteArray(0), false, ms(1000))
            assertThrows<TransportFailure.Unreachable> { optedIn.send(refused) }
            assertTrue(configured, "the app's own TLS set-up was applied")
            assertThrows<TransportFailure.Other> { UrlConnectionTransport().send(HttpRequest(HttpMethod.GET, "not a url", ByteArray(0), true, ms(1000))) }
        }

        test("UrlConnectionTransport never follows a redirect: the 3xx is the answer") {
            var reached = 0
            val target = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
            target.createContext("/") { exchange ->
                reached++
                exchange.sendResponseHeaders(200, -1)
                exchange.close()
            }
            target.start()
            val first = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
            first.createContext("/") { exchange ->
                exchange.responseHeaders.add("Location", "http://127.0.0.1:${target.address.port}/ttype/push")
                exchange.sendResponseHeaders(302, -1)
                exchange.close()
            }
            first.start()
            try {
                for (method in listOf(HttpMethod.GET, HttpMethod.POST)) {
                    val answer = UrlConnectionTransport().send(
                        HttpRequest(method, "http://127.0.0.1:${first.address.port}/ttype/push", "nonce=x".toByteArray(), true, ms(5000)),
                    )
                    assertEquals(302, answer.status.toInt(), "$method")
                }
                assertEquals(0, reached, "the redirect was followed")
            } finally {
                first.stop(0)
                target.stop(0)
            }
        }

        test("UrlConnectionTransport reads answers up to 1 MiB, whole, and refuses larger ones (sized or chunked)") {
            val limit = 1 shl 20
            val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
            server.createContext("/") { exchange ->
                val size = exchange.requestURI.path.trim('/').substringBefore('-').toInt()
                val chunked = exchange.requestURI.path.endsWith("-chunked")
                exchange.sendResponseHeaders(200, if (chunked) 0 else size.toLong())
                // Written in odd-sized pieces, so reads return short counts.
                exchange.responseBody.use { out ->
                    var written = 0
                    while (written < size) {
                        val n = minOf(7777, size - written)
                        out.write(ByteArray(n) { i -> ((written + i) % 251).toByte() })
                        written += n
                    }
                }
            }
            server.start()
            try {
                val base = "http://127.0.0.1:${server.address.port}"
                fun get(path: String) = UrlConnectionTransport().send(HttpRequest(HttpMethod.GET, "$base/$path", ByteArray(0), true, ms(5000)))
                for (path in listOf("0", "1", "$limit", "$limit-chunked", "12345-chunked")) {
                    val size = path.substringBefore('-').toInt()
                    val answer = get(path)
                    assertEquals(200, answer.status.toInt())
                    assertEquals(size, answer.body.size, path)
                    assertTrue(answer.body.withIndex().all { (i, b) -> b == (i % 251).toByte() }, "$path: every byte, in order")
                }
                for (path in listOf("${limit + 1}", "${limit + 1}-chunked", "${3 * limit}")) {
                    val e = assertThrows<TransportFailure.Other> { get(path) }
                    assertEquals("answer too large", e.detail, path)
                }
            } finally {
                server.stop(0)
            }
        }
    }
