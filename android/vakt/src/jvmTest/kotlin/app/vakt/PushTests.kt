package app.vakt

import app.vakt.ffi.BackupSecretKind
import app.vakt.ffi.ChallengeRefusal
import app.vakt.ffi.DeclineReason
import app.vakt.ffi.HttpMethod
import app.vakt.ffi.FakePrivacyIdea
import app.vakt.ffi.FakeRequest
import app.vakt.ffi.HttpRequest
import app.vakt.ffi.HttpResponse
import app.vakt.ffi.HttpTransport
import app.vakt.ffi.KeystoreFailure
import app.vakt.ffi.PushChallengeState
import app.vakt.ffi.PushDecision
import app.vakt.ffi.PushNetworkKind
import app.vakt.ffi.PushProblemKind
import app.vakt.ffi.PushTokenState
import app.vakt.ffi.ScannedCode
import app.vakt.ffi.Session
import app.vakt.ffi.TransportFailure
import app.vakt.ffi.createVault
import app.vakt.ffi.restoreBackup
import app.vakt.ffi.softwareKeystore
import java.net.ServerSocket
import java.security.KeyFactory
import java.security.Signature
import java.security.interfaces.RSAPublicKey
import java.security.spec.X509EncodedKeySpec
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import app.vakt.ffi.VaktException as FfiError

/** A moment the tests start at (any will do; the fake clock moves from here). */
const val T0 = 1_795_311_434L

/** A phone: a vault with a Kotlin JCA keystore and a clock the test moves, and a fake server. */
class PushPhone(
    ctx: TestContext,
    name: String = "phone",
    val fake: FakePrivacyIdea = FakePrivacyIdea(),
    val keystore: JcaRsaKeystore = JcaRsaKeystore(),
    val clock: ManualClock = ManualClock(T0),
) {
    /** The fake server as the transport the library calls. */
    val transport: HttpTransport = fake.transport()

    val created = createVault(ctx.path("$name/vault.sqlite3"), keystore, clock, PIN, FAST)
    val session: Session = created.vault.unlock(PIN)

    fun enrol() = session.enrolPushUri(fake.enrolmentUri(), transport, false, null)

}

/** Runs [body] on [n] threads released together. */
private fun <T> together(n: Int, body: (Int) -> T): List<Result<T>> {
    val pool = Executors.newFixedThreadPool(n)
    val start = CountDownLatch(1)
    try {
        val futures = (0 until n).map { i -> pool.submit<Result<T>> { start.await(); runCatching { body(i) } } }
        start.countDown()
        return futures.map { it.get(60, TimeUnit.SECONDS) }
    } finally {
        pool.shutdownNow()
    }
}

/** A Kotlin transport that throws [failure] (declared or not) for every request. */
private fun failing(failure: Throwable) =
    object : HttpTransport {
        override fun send(request: HttpRequest): HttpResponse = throw failure
    }

/** A port on this machine where nothing listens. */
private fun closedPort(): Int = ServerSocket(0).use { it.localPort }

/** Push approval through the generated bindings, against an in-memory privacyIDEA. */
fun Tests.pushTests() =
    suite("push") {
        test("softwareKeystore makes no signing keys in the phone library (Failed; enrolment: Keystore); the Kotlin JCA keystore does") {
            // The phone library is built without RSA key generation (vakt-core's rsa-keygen):
            // push signing keys come from the platform keystore.
            val ks = softwareKeystore(path("k/device.key"))
            val refused = assertThrows<KeystoreFailure.Failed> { ks.createSigningKey("vakt-push-test", 3072u) }
            assertEquals("this keystore cannot hold signing keys", refused.detail)
            assertThrows<KeystoreFailure.KeyMissing> { ks.sign("vakt-push-test", ByteArray(1)) }
            ks.deleteSigningKey("vakt-push-test")
            assertFalse(java.io.File(path("k/push-keys")).exists(), "no key folder")
            // What the app sees: enrolment fails with Keystore; nothing is stored or sent.
            val vault = createVault(path("v/vault.sqlite3"), softwareKeystore(path("v/device.key")), ManualClock(T0), PIN, FAST).vault
            vault.unlock(PIN).use { s ->
                val fake = FakePrivacyIdea()
                assertTrue(assertThrows<FfiError.Keystore> { s.enrolPushUri(fake.enrolmentUri(), fake.transport(), false, null) }.detail.contains("signing keys"))
                assertTrue(s.pushTokens().isEmpty())
                assertTrue(fake.requests().isEmpty())
            }
            // The Kotlin keystore used by the other tests (SPKI out, SHA256withRSA).
            val jca = JcaRsaKeystore()
            val jcaKey = KeyFactory.getInstance("RSA").generatePublic(X509EncodedKeySpec(jca.createSigningKey("a", 3072u))) as RSAPublicKey
            assertEquals(2048, jcaKey.modulus.bitLength(), "JcaRsaKeystore makes 2048-bit keys whatever is asked")
            val signature = jca.sign("a", "x".toByteArray())
            assertTrue(Signature.getInstance("SHA256withRSA").run { initVerify(jcaKey); update("x".toByteArray()); verify(signature) })
            assertThrows<KeystoreFailure.KeyMissing> { jca.sign("b", ByteArray(0)) }
            jca.deleteSigningKey("a")
            assertThrows<KeystoreFailure.KeyMissing> { jca.sign("a", ByteArray(0)) }
        }

        test("enrol from a ScannedCode; duplicate; list; delete reaches the token and its key") {
            val p = PushPhone(this)
            val code = ScannedCode.fromText(p.fake.enrolmentUri())
            val token = p.session.enrolPush(code, p.transport, false, "firebase-token")
            assertEquals("PIPU0000TEST", token.serial)
            assertEquals("privacyIDEA", token.issuer)
            assertEquals(p.fake.url(), token.url)
            assertEquals(PushTokenState.ENROLLED, token.state)
            assertEquals(at(T0), token.enrolledAt, "enrolled by the vault's clock")
            assertTrue(token.pollOnly)
            assertFalse(token.requireAppPin)
            assertEquals("firebase-token", p.fake.fbtoken())
            assertEquals(3072, p.keystore.requestedBits.get(), "the core asks for 3072-bit keys")
            assertEquals(1, p.keystore.aliases.size)
            assertEquals(token.id, assertThrows<FfiError.Duplicate> { p.enrol() }.existingId)
            assertEquals(listOf(token), p.session.pushTokens())
            p.session.delete(token.id)
            assertTrue(p.session.pushTokens().isEmpty())
            assertTrue(p.keystore.aliases.isEmpty(), "the signing key went with it")
            assertThrows<FfiError.NoSuchAccount> { p.session.delete(token.id) }
        }

        test("poll, approve (display code), decline with a reason") {
            val p = PushPhone(this)
            p.enrol()
            assertTrue(p.session.pollPush(p.transport, false).challenges.isEmpty())
            val a = p.fake.trigger(displayCode = "42")
            val b = p.fake.trigger()
            val report = p.session.pollPush(p.transport, false)
            assertEquals(2u, report.newCount)
            assertTrue(report.problems.isEmpty())
            val (first, second) = report.challenges
            assertEquals("privacyIDEA: PIPU0000TEST", first.account)
            assertEquals("DemoIdP", first.title)
            assertEquals("Log in to 127.0.0.1?", first.question)
            assertTrue(first.presenceOptions.isEmpty())
            assertEquals(at(T0), first.receivedAt)
            assertEquals(at(T0 + 120), first.expiresAt)
            assertEquals(PushChallengeState.Open, first.state)
            assertTrue(first.declineReasonsSupported)
            assertEquals(0u, p.session.pollPush(p.transport, false).newCount, "known challenges are not new")
            assertEquals("42", p.session.approvePush(first.id, p.transport, false, null))
            assertEquals(true, a.answered())
            p.session.declinePush(second.id, p.transport, false, DeclineReason.UNKNOWN_TRIGGER)
            assertEquals(false, b.answered())
            assertEquals("unknown_trigger", b.declineReason())
            assertTrue(p.session.pushChallenges().isEmpty())
            val answered = p.session.pushChallenge(first.id)
            assertEquals(PushChallengeState.Answered(PushDecision.Approve(null)), answered.state)
            assertEquals("42", answered.displayCode)
            assertEquals(PushChallengeState.Answered(PushDecision.Decline(DeclineReason.UNKNOWN_TRIGGER)), p.session.pushChallenge(second.id).state)
        }

        test("presence check: missing, not an option, wrong (declines the sign-in), right") {
            val p = PushPhone(this)
            p.enrol()
            val c = p.fake.trigger(presenceOptions = "X,L,Z", presenceAnswer = "L")
            val challenge = p.session.pollPush(p.transport, false).challenges.single()
            assertEquals(listOf("X", "L", "Z"), challenge.presenceOptions)
            assertEquals(listOf("X", "L", "Z"), assertThrows<FfiError.PresenceRequired> { p.session.approvePush(challenge.id, p.transport, false, null) }.options)
            assertThrows<FfiError.NotAnOption> { p.session.approvePush(challenge.id, p.transport, false, "Q") }
            assertNull(c.answered(), "nothing was sent for a missing or unknown option")
            assertThrows<FfiError.WrongPresenceAnswer> { p.session.approvePush(challenge.id, p.transport, false, "X") }
            assertEquals(false, c.answered(), "a wrong pick declines the sign-in on the server")
            assertTrue(p.session.pushChallenges().isEmpty())
            assertEquals(PushChallengeState.Answered(PushDecision.Decline(null)), p.session.pushChallenge(challenge.id).state)
            assertThrows<FfiError.AlreadyAnswered> { p.session.approvePush(challenge.id, p.transport, false, "L") }
            // On a new challenge the right option approves.
            val right = p.fake.trigger(presenceOptions = "X,L,Z", presenceAnswer = "L")
            val next = p.session.pollPush(p.transport, false).challenges.single()
            assertNull(p.session.approvePush(next.id, p.transport, false, "L"))
            assertEquals(true, right.answered())
            // A presence answer to a challenge without options is not an option either.
            p.fake.trigger()
            val plain = p.session.pollPush(p.transport, false).challenges.single()
            assertThrows<FfiError.NotAnOption> { p.session.approvePush(plain.id, p.transport, false, "L") }
        }

        test("notification path: receivePush with the data map; replay; unknown token; malformed") {
            val p = PushPhone(this)
            p.enrol()
            val c = p.fake.trigger()
            val data = c.item() + ("google.message_id" to "0:123") // unknown keys are ignored
            val challenge = p.session.receivePush(data)
            assertEquals("DemoIdP", challenge.title)
            assertEquals(challenge.id, p.session.receivePush(data).id, "the same challenge again is the same one")
            assertEquals(0, p.fake.polls().toInt(), "no network")
            p.session.approvePush(challenge.id, p.transport, false, null)
            assertThrows<FfiError.AlreadyAnswered> { p.session.receivePush(data) }
            val other = p.fake.trigger().item().toMutableMap()
            assertThrows<FfiError.UnknownPushToken> { p.session.receivePush(other + ("serial" to "PIPU9999")) }
            val missing = assertThrows<FfiError.ChallengeRefused> { p.session.receivePush(other - "nonce") }
            assertEquals(ChallengeRefusal.MALFORMED, missing.reason)
            assertEquals("nonce", missing.field)
        }

        test("forged challenges are refused: in a poll (problem, not stored) and from a notification") {
            val p = PushPhone(this)
            val token = p.enrol()
            p.fake.setTamper(true)
            val c = p.fake.trigger()
            val report = p.session.pollPush(p.transport, false)
            assertTrue(report.challenges.isEmpty())
            assertEquals(0u, report.newCount)
            val problem = report.problems.single()
            assertEquals(token.id, problem.tokenId)
            assertEquals(PushProblemKind.ChallengeRefused(ChallengeRefusal.FORGED), problem.kind)
            assertTrue(problem.message.isNotEmpty())
            val forged = assertThrows<FfiError.ChallengeRefused> { p.session.receivePush(c.item()) }
            assertEquals(ChallengeRefusal.FORGED, forged.reason)
            assertNull(forged.field)
            // An altered question, with the genuine signature: forged too.
            p.fake.setTamper(false)
            val altered = c.item() + ("question" to "Log in to bank.example?")
            assertEquals(ChallengeRefusal.FORGED, assertThrows<FfiError.ChallengeRefused> { p.session.receivePush(altered) }.reason)
            assertTrue(p.session.pushChallenges().isEmpty())
        }

        test("expiry by the vault's clock: gone from the list, ChallengeExpired") {
            val p = PushPhone(this)
            p.enrol()
            val id = p.session.receivePush(p.fake.trigger().item()).id
            p.clock.set(T0 + 119)
            assertEquals(1, p.session.pushChallenges().size)
            p.clock.set(T0 + 120)
            assertTrue(p.session.pushChallenges().isEmpty())
            assertThrows<FfiError.ChallengeExpired> { p.session.approvePush(id, p.transport, false, null) }
            assertTrue(p.session.pollPush(p.transport, false).challenges.isEmpty(), "the server still lists it; not shown again")
        }

        test("already answered, closed by the server, no such challenge") {
            val p = PushPhone(this)
            p.enrol()
            p.fake.trigger(displayCode = "7")
            val id = p.session.pollPush(p.transport, false).challenges.single().id
            assertEquals("7", p.session.approvePush(id, p.transport, false, null))
            assertEquals("7", p.session.approvePush(id, p.transport, false, null), "the same answer again: same outcome")
            assertThrows<FfiError.AlreadyAnswered> { p.session.declinePush(id, p.transport, false, null) }
            // Answered on another device: the server no longer has it open.
            val c = p.fake.trigger()
            val closed = p.session.pollPush(p.transport, false).challenges.single().id
            c.setAnswered(true)
            assertThrows<FfiError.ChallengeClosed> { p.session.approvePush(closed, p.transport, false, null) }
            assertEquals(PushChallengeState.Closed, p.session.pushChallenge(closed).state)
            assertEquals(999L, assertThrows<FfiError.NoSuchChallenge> { p.session.approvePush(999L, p.transport, false, null) }.id)
            assertThrows<FfiError.NoSuchChallenge> { p.session.pushChallenge(999L) }
        }

        test("a lost answer is retried with the same decision only") {
            val p = PushPhone(this)
            p.enrol()
            p.fake.trigger()
            val id = p.session.pollPush(p.transport, false).challenges.single().id
            assertEquals(PushNetworkKind.TIMEOUT, assertThrows<FfiError.PushNetwork> { p.session.approvePush(id, failing(TransportFailure.Timeout()), false, null) }.kind)
            assertEquals(PushChallengeState.Sending(PushDecision.Approve(null)), p.session.pushChallenges().single().state)
            assertThrows<FfiError.AlreadyAnswered> { p.session.declinePush(id, p.transport, false, null) }
            p.session.approvePush(id, p.transport, false, null)
            assertEquals(true, p.fake.challenges().single().answered())
        }

        test("restored on a new phone: NeedsReenrolment until enrolled again (same id)") {
            val p = PushPhone(this)
            val token = p.enrol()
            val backup = p.session.backup()
            val restored =
                restoreBackup(path("new/vault.sqlite3"), JcaRsaKeystore(), p.clock, backup, BackupSecretKind.UNBLOCK_CODE, p.created.unblockCode.reveal(), OTHER_PIN, FAST)
            assertEquals(listOf("privacyIDEA: PIPU0000TEST"), restored.needsReenrolment)
            val listed = restored.session.pushTokens().single()
            assertEquals(PushTokenState.NEEDS_REENROLMENT, listed.state)
            val data = p.fake.trigger().item()
            assertEquals(listed.id, assertThrows<FfiError.NeedsReenrolment> { restored.session.receivePush(data) }.tokenId)
            val report = restored.session.pollPush(p.transport, false)
            assertTrue(report.challenges.isEmpty() && report.problems.isEmpty(), "not polled")
            val fresh = FakePrivacyIdea() // the server issues a new enrolment code
            val again = restored.session.enrolPushUri(fresh.enrolmentUri(), fresh.transport(), false, null)
            assertEquals(listed.id, again.id)
            assertEquals(PushTokenState.ENROLLED, again.state)
            assertEquals(token.serial, again.serial)
        }

        test("8 threads polling one session at once: every challenge stored once") {
            val p = PushPhone(this)
            p.enrol()
            repeat(3) { p.fake.trigger() }
            val reports = together(8) { p.session.pollPush(p.transport, false) }.map { it.getOrThrow() }
            assertEquals(3, reports.sumOf { it.newCount.toInt() }, "each challenge is new to exactly one poll")
            assertTrue(reports.all { it.challenges.size == 3 && it.problems.isEmpty() })
            assertEquals(3, p.session.pushChallenges().map { it.id }.toSet().size)
            // Polls and answers from threads at once.
            val ids = p.session.pushChallenges().map { it.id }
            together(6) { i -> if (i < 3) p.session.approvePush(ids[i], p.transport, false, null) else p.session.pollPush(p.transport, false) }
                .forEach { it.getOrThrow() }
            assertTrue(p.fake.challenges().all { it.answered() == true })
        }

        test("server errors: used code (PushServer), not privacyIDEA (UnexpectedPushReply), http (InsecureServer)") {
            val p = PushPhone(this)
            p.enrol()
            val second = PushPhone(this, name = "second", fake = p.fake)
            val used = assertThrows<FfiError.PushServer> { second.enrol() }
            assertEquals(404.toUShort(), used.status)
            assertEquals(601L, used.code)
            assertTrue(second.session.pushTokens().isEmpty(), "nothing stored")
            assertTrue(second.keystore.aliases.isEmpty(), "the new key was deleted")
            val odd = FakePrivacyIdea().apply { setReply(HttpResponse(200u, "{}".toByteArray())) }
            assertThrows<FfiError.UnexpectedPushReply> { second.session.enrolPushUri(odd.enrolmentUri(), odd.transport(), false, null) }
            val remote = FakePrivacyIdea(url = "http://pi.example/ttype/push")
            assertThrows<FfiError.InsecureServer> { second.session.enrolPushUri(remote.enrolmentUri(), remote.transport(), false, null) }
            assertTrue(remote.requests().isEmpty(), "refused before any request")
            assertEquals(PushTokenState.ENROLLED, second.session.enrolPushUri(remote.enrolmentUri(), remote.transport(), true, null).state)
        }

        test("a Kotlin transport's failures: PushNetwork of each kind; in a poll, a problem per token") {
            val p = PushPhone(this)
            val token = p.enrol()
            val cases =
                listOf(
                    TransportFailure.Timeout() to PushNetworkKind.TIMEOUT,
                    TransportFailure.Unreachable("no network") to PushNetworkKind.UNREACHABLE,
                    TransportFailure.Tls("untrusted") to PushNetworkKind.TLS,
                    TransportFailure.Other("odd") to PushNetworkKind.OTHER,
                    IllegalStateException("not declared") to PushNetworkKind.OTHER,
                )
            for ((failure, kind) in cases) {
                val problem = p.session.pollPush(failing(failure), false).problems.single()
                assertEquals(token.id, problem.tokenId)
                assertEquals(PushProblemKind.Network(kind), problem.kind)
            }
            val b = PushPhone(this, name = "b")
            val e = assertThrows<FfiError.PushNetwork> { b.session.enrolPushUri(b.fake.enrolmentUri(), failing(TransportFailure.Unreachable("no network")), false, null) }
            assertEquals(PushNetworkKind.UNREACHABLE, e.kind)
            assertEquals("no network", e.detail)
            p.fake.setReply(HttpResponse(500u, "<html>oops</html>".toByteArray()))
            assertEquals(PushProblemKind.Server(500u, null), p.session.pollPush(p.transport, false).problems.single().kind)
        }

        test("a new registration token: signed to the server; a failing server keeps it for the next poll; empty refused") {
            val p = PushPhone(this)
            val token = p.session.enrolPushUri(p.fake.enrolmentUri(), p.transport, false, "fcm-1")
            val sent = p.session.updatePushRegistration("fcm-2", p.transport, false).single()
            assertEquals(token.id, sent.tokenId)
            assertEquals("PIPU0000TEST", sent.serial)
            assertNull(sent.problem)
            assertEquals("fcm-2", p.fake.fbtoken(), "the fake verified new_fb_token|serial|timestamp")
            p.fake.setReply(HttpResponse(500u, "<html>oops</html>".toByteArray()))
            val failed = p.session.updatePushRegistration("fcm-3", p.transport, false).single()
            assertEquals(PushProblemKind.Server(500u, null), failed.problem?.kind)
            assertEquals(listOf(token), p.session.pushTokens(), "the token is kept")
            p.fake.setReply(null)
            assertTrue(p.session.pollPush(p.transport, false).problems.isEmpty())
            assertEquals("fcm-3", p.fake.fbtoken(), "the poll sent it again")
            assertThrows<FfiError.InvalidInput> { p.session.updatePushRegistration("", p.transport, false) }
        }

        test("the platform transport against a closed loopback port: PushNetwork UNREACHABLE") {
            val p = PushPhone(this, fake = FakePrivacyIdea(url = "http://127.0.0.1:${closedPort()}/ttype/push"))
            val e = assertThrows<FfiError.PushNetwork> { p.session.enrolPushUri(p.fake.enrolmentUri(), UrlConnectionTransport(), false, null) }
            assertEquals(PushNetworkKind.UNREACHABLE, e.kind)
            assertTrue(p.session.pushTokens().isEmpty())
            val request = HttpRequest(HttpMethod.GET, p.fake.url(), ByteArray(0), true, ms(2000))
            assertThrows<TransportFailure.Unreachable> { UrlConnectionTransport().send(request) }
        }

        test("a keystore without signing keys (AES-GCM only): Keystore; other codes are not push codes") {
            val vault = createVault(path("v/vault.sqlite3"), AesGcmKeystore(newAesKey()), ManualClock(T0), PIN, FAST).vault
            vault.unlock(PIN).use { s ->
                val fake = FakePrivacyIdea()
                assertTrue(assertThrows<FfiError.Keystore> { s.enrolPushUri(fake.enrolmentUri(), fake.transport(), false, null) }.detail.contains("signing keys"))
                assertTrue(s.pushTokens().isEmpty())
                assertThrows<FfiError.InvalidInput> { s.enrolPush(ScannedCode.fromText(EXAMPLE_URI), fake.transport(), false, null) }
                assertThrows<FfiError.InvalidUri> { s.enrolPushUri("otpauth://pipush/X?url=https%3A//x", fake.transport(), false, null) }
                assertThrows<FfiError.InvalidInput> { s.addScanned(ScannedCode.fromText(fake.enrolmentUri())) }
                assertTrue(fake.requests().isEmpty())
            }
        }

        test("the fake server itself: a request as the core sends it") {
            val fake = FakePrivacyIdea()
            val response = fake.handle(HttpRequest(HttpMethod.GET, fake.url() + "?serial=X", ByteArray(0), true, ms(1000)))
            assertEquals(400.toUShort(), response.status, "not enrolled: refused")
            assertTrue(response.body.decodeToString().contains("\"code\":905"), "privacyIDEA's error 905: ${response.body.decodeToString()}")
            assertEquals(listOf(FakeRequest(HttpMethod.GET, fake.url())), fake.requests(), "recorded, without its query")
            assertEquals(1, fake.polls().toInt())
            val again = fake.transport().send(HttpRequest(HttpMethod.GET, fake.url() + "?serial=X", ByteArray(0), true, ms(1000)))
            assertEquals(400.toUShort(), again.status, "the same through its transport")
        }
    }
