import Foundation
import class Vakt.URLSessionTransport
import VaktFFI
import XCTest

// Push approval through the generated bindings against the in-memory
// privacyIDEA of the library's test doors (FakePrivacyIdea, written once in
// Rust: bindings/src/test_support/); the same cases as PushTests.kt.

let t0: UInt64 = 1_795_311_434

/// A phone: a vault with a Swift RSA keystore and a clock the test moves, and a fake server.
final class PushPhone {
    let fake: FakePrivacyIdea
    /// The fake server as the transport the library calls.
    let transport: VaktFFI.HttpTransport
    let keystore = RsaTestKeystore()
    let clock = ManualClock(t0)
    let created: CreatedVault
    let session: VaktFFI.Session

    init(_ test: VaktTestCase, name: String = "phone", fake: FakePrivacyIdea = FakePrivacyIdea()) throws {
        self.fake = fake
        transport = fake.transport()
        created = try createVault(path: test.path("\(name)/vault.sqlite3"), keystore: keystore, clock: clock, pin: pin, options: fast)
        session = try created.vault.unlock(pin: pin)
    }

    @discardableResult
    func enrol() throws -> VaktFFI.PushToken {
        try session.enrolPushUri(uri: fake.enrolmentUri(), transport: transport, allowInsecure: false, notificationToken: nil)
    }

    func poll() throws -> PushPollReport {
        try session.pollPush(transport: transport, allowInsecure: false)
    }
}

/// A Swift transport that throws `failure` (declared or not) for every request.
private final class FailingTransport: VaktFFI.HttpTransport, @unchecked Sendable {
    private let failure: Error

    init(_ failure: Error) {
        self.failure = failure
    }

    func send(request _: HttpRequest) throws -> HttpResponse {
        throw failure
    }
}

final class PushTests: VaktTestCase {
    func testSoftwareKeystoreMakesNoSigningKeysSwiftKeystoreDoes() throws {
        // The phone library is built without RSA key generation (vakt-core's
        // rsa-keygen): push signing keys come from the platform keystore.
        let keystore = try softwareKeystore(keyFile: path("k/device.key"))
        XCTAssertThrowsError(try keystore.createSigningKey(alias: "vakt-push-test", bits: 3072)) {
            XCTAssertEqual($0 as? KeystoreFailure, .Failed(message: "this keystore cannot hold signing keys"))
        }
        XCTAssertThrowsError(try keystore.sign(alias: "vakt-push-test", message: Data([1]))) {
            XCTAssertEqual($0 as? KeystoreFailure, .KeyMissing)
        }
        try keystore.deleteSigningKey(alias: "vakt-push-test")
        // What the app sees: enrolment fails with Keystore; nothing is stored or sent.
        let vault = try createVault(path: path("v/vault.sqlite3"), keystore: try softwareKeystore(keyFile: path("v/device.key")),
                                    clock: ManualClock(t0), pin: pin, options: fast).vault
        let s = try vault.unlock(pin: pin)
        let fake = FakePrivacyIdea()
        guard case .Keystore? = ffiError({
            try s.enrolPushUri(uri: fake.enrolmentUri(), transport: fake.transport(), allowInsecure: false, notificationToken: nil)
        }) else { return XCTFail("keystore") }
        XCTAssertTrue(try s.pushTokens().isEmpty)
        // The Swift keystore used by the other tests (PKCS#1 out).
        let swift = RsaTestKeystore()
        let publicKey = try XCTUnwrap(RsaPublicKey(der: try swift.createSigningKey(alias: "a", bits: 3072)))
        let signature = try swift.sign(alias: "a", message: Data("hello".utf8))
        XCTAssertTrue(publicKey.verify(Data("hello".utf8), signature: signature), "the test keystore signs what verifies")
        XCTAssertFalse(publicKey.verify(Data("hello!".utf8), signature: signature), "and only that")
        try swift.deleteSigningKey(alias: "a")
        XCTAssertThrowsError(try swift.sign(alias: "a", message: Data([1]))) {
            XCTAssertEqual($0 as? KeystoreFailure, .KeyMissing)
        }
    }

    func testEnrolFromScannedCodeDuplicateListDelete() throws {
        let p = try PushPhone(self)
        let token = try p.session.enrolPush(
            code: ScannedCode.fromText(text: p.fake.enrolmentUri()), transport: p.transport, allowInsecure: false,
            notificationToken: "apns-token"
        )
        XCTAssertEqual(token.serial, "PIPU0000TEST")
        XCTAssertEqual(token.state, .enrolled)
        XCTAssertEqual(token.enrolledAt, at(t0))
        XCTAssertTrue(token.pollOnly)
        XCTAssertEqual(p.fake.fbtoken(), "apns-token")
        XCTAssertEqual(p.keystore.requestedBits, 3072)
        guard case let .Duplicate(existing)? = ffiError({ try p.enrol() }) else { return XCTFail("not Duplicate") }
        XCTAssertEqual(existing, token.id)
        XCTAssertEqual(try p.session.pushTokens(), [token])
        try p.session.delete(id: token.id)
        XCTAssertTrue(try p.session.pushTokens().isEmpty)
        XCTAssertTrue(p.keystore.aliases.isEmpty, "the signing key went with it")
    }

    func testPollApproveDecline() throws {
        let p = try PushPhone(self)
        try p.enrol()
        let a = p.fake.trigger(displayCode: "42")
        let b = p.fake.trigger()
        let report = try p.poll()
        XCTAssertEqual(report.newCount, 2)
        XCTAssertTrue(report.problems.isEmpty)
        let first = report.challenges[0]
        let second = report.challenges[1]
        XCTAssertEqual(first.account, "privacyIDEA: PIPU0000TEST")
        XCTAssertEqual(first.title, "DemoIdP")
        XCTAssertEqual(first.expiresAt, at(t0 + 120))
        XCTAssertEqual(first.state, .open)
        XCTAssertTrue(first.declineReasonsSupported)
        XCTAssertEqual(try p.poll().newCount, 0)
        XCTAssertEqual(try p.session.approvePush(id: first.id, transport: p.transport, allowInsecure: false, presenceAnswer: nil), "42")
        XCTAssertEqual(a.answered(), true)
        try p.session.declinePush(id: second.id, transport: p.transport, allowInsecure: false, reason: .unknownTrigger)
        XCTAssertEqual(b.answered(), false)
        XCTAssertEqual(b.declineReason(), "unknown_trigger")
        XCTAssertTrue(try p.session.pushChallenges().isEmpty)
        XCTAssertEqual(try p.session.pushChallenge(id: first.id).state, .answered(decision: .approve(presenceAnswer: nil)))
    }

    func testPresenceMissingNotAnOptionWrongRight() throws {
        let p = try PushPhone(self)
        try p.enrol()
        let c = p.fake.trigger(presenceOptions: "X,L,Z", presenceAnswer: "L")
        let id = try p.poll().challenges[0].id
        let approve = { (answer: String?) in
            try p.session.approvePush(id: id, transport: p.transport, allowInsecure: false, presenceAnswer: answer)
        }
        guard case let .PresenceRequired(options)? = ffiError({ try approve(nil) }) else { return XCTFail("not PresenceRequired") }
        XCTAssertEqual(options, ["X", "L", "Z"])
        guard case .NotAnOption? = ffiError({ try approve("Q") }) else { return XCTFail("not NotAnOption") }
        XCTAssertNil(c.answered(), "nothing was sent for a missing or unknown option")
        guard case .WrongPresenceAnswer? = ffiError({ try approve("X") }) else { return XCTFail("not WrongPresenceAnswer") }
        XCTAssertEqual(c.answered(), false, "a wrong pick declines the sign-in on the server")
        XCTAssertTrue(try p.session.pushChallenges().isEmpty)
        guard case .AlreadyAnswered? = ffiError({ try approve("L") }) else { return XCTFail("not AlreadyAnswered") }
        // On a new challenge the right option approves.
        let right = p.fake.trigger(presenceOptions: "X,L,Z", presenceAnswer: "L")
        let next = try p.poll().challenges[0].id
        XCTAssertNil(try p.session.approvePush(id: next, transport: p.transport, allowInsecure: false, presenceAnswer: "L"))
        XCTAssertEqual(right.answered(), true)
    }

    func testNotificationPathReplayUnknownMalformedForged() throws {
        let p = try PushPhone(self)
        try p.enrol()
        var data = p.fake.trigger().item()
        data["aps"] = "ignored"
        let challenge = try p.session.receivePush(data: data)
        XCTAssertEqual(p.fake.polls(), 0, "no network")
        try p.session.approvePush(id: challenge.id, transport: p.transport, allowInsecure: false, presenceAnswer: nil)
        guard case .AlreadyAnswered? = ffiError({ try p.session.receivePush(data: data) }) else { return XCTFail("replay") }
        var other = p.fake.trigger().item()
        other["serial"] = "PIPU9999"
        guard case .UnknownPushToken? = ffiError({ try p.session.receivePush(data: other) }) else { return XCTFail("unknown") }
        var missing = p.fake.trigger().item()
        missing["nonce"] = nil
        guard case let .ChallengeRefused(reason, field)? = ffiError({ try p.session.receivePush(data: missing) }) else {
            return XCTFail("malformed")
        }
        XCTAssertEqual(reason, .malformed)
        XCTAssertEqual(field, "nonce")
        p.fake.setTamper(tamper: true)
        let forged = p.fake.trigger()
        let report = try p.poll()
        XCTAssertEqual(report.problems.first?.kind, .challengeRefused(reason: .forged))
        XCTAssertFalse(report.challenges.contains { $0.title != "DemoIdP" })
        guard case .ChallengeRefused(.forged, nil)? = ffiError({ try p.session.receivePush(data: forged.item()) }) else {
            return XCTFail("forged")
        }
    }

    func testExpiryAlreadyAnsweredClosedNoSuchChallenge() throws {
        let p = try PushPhone(self)
        try p.enrol()
        let expiring = try p.session.receivePush(data: p.fake.trigger().item())
        p.clock.set(t0 + 120)
        XCTAssertTrue(try p.session.pushChallenges().isEmpty)
        guard case .ChallengeExpired? = ffiError({
            try p.session.approvePush(id: expiring.id, transport: p.transport, allowInsecure: false, presenceAnswer: nil)
        }) else { return XCTFail("expired") }
        let answered = try p.session.receivePush(data: p.fake.trigger().item())
        try p.session.approvePush(id: answered.id, transport: p.transport, allowInsecure: false, presenceAnswer: nil)
        guard case .AlreadyAnswered? = ffiError({
            try p.session.declinePush(id: answered.id, transport: p.transport, allowInsecure: false, reason: nil)
        }) else { return XCTFail("already answered") }
        let c = p.fake.trigger()
        let closing = try p.session.receivePush(data: c.item())
        c.setAnswered(approved: true)
        guard case .ChallengeClosed? = ffiError({
            try p.session.approvePush(id: closing.id, transport: p.transport, allowInsecure: false, presenceAnswer: nil)
        }) else { return XCTFail("closed") }
        guard case .NoSuchChallenge(999)? = ffiError({ try p.session.pushChallenge(id: 999) }) else { return XCTFail("no such") }
    }

    func testRestoredNeedsReenrolment() throws {
        let p = try PushPhone(self)
        try p.enrol()
        let restored = try restoreBackup(
            path: path("new/vault.sqlite3"), keystore: RsaTestKeystore(), clock: p.clock, backup: try p.session.backup(),
            secretKind: .unblockCode, secret: p.created.unblockCode.reveal(), newPin: otherPin, options: fast
        )
        XCTAssertEqual(restored.needsReenrolment, ["privacyIDEA: PIPU0000TEST"])
        let listed = try XCTUnwrap(try restored.session.pushTokens().first)
        XCTAssertEqual(listed.state, .needsReenrolment)
        guard case let .NeedsReenrolment(tokenId)? = ffiError({
            try restored.session.receivePush(data: p.fake.trigger().item())
        }) else { return XCTFail("needs re-enrolment") }
        XCTAssertEqual(tokenId, listed.id)
        let fresh = FakePrivacyIdea()
        let again = try restored.session.enrolPushUri(uri: fresh.enrolmentUri(), transport: fresh.transport(), allowInsecure: false, notificationToken: nil)
        XCTAssertEqual(again.id, listed.id)
        XCTAssertEqual(again.state, .enrolled)
    }

    func testEightThreadsPollingAtOnce() throws {
        let p = try PushPhone(self)
        try p.enrol()
        for _ in 0 ..< 3 { _ = p.fake.trigger() }
        var counts = [UInt32](repeating: 0, count: 8)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let report = try? p.poll()
            lock.lock()
            counts[i] = report?.newCount ?? 99
            lock.unlock()
        }
        XCTAssertEqual(counts.reduce(0, +), 3, "each challenge is new to exactly one poll")
        XCTAssertEqual(try p.session.pushChallenges().count, 3)
    }

    func testServerAndNetworkErrors() throws {
        let p = try PushPhone(self)
        try p.enrol()
        let second = try PushPhone(self, name: "second", fake: p.fake)
        guard case .PushServer(404, 601)? = ffiError({ try second.enrol() }) else { return XCTFail("used code") }
        XCTAssertTrue(second.keystore.aliases.isEmpty)
        let odd = FakePrivacyIdea(serial: "PIPU0000ODD")
        odd.setReply(reply: HttpResponse(status: 200, body: Data("{}".utf8)))
        guard case .UnexpectedPushReply? = ffiError({
            try second.session.enrolPushUri(uri: odd.enrolmentUri(), transport: odd.transport(), allowInsecure: false, notificationToken: nil)
        }) else { return XCTFail("unexpected reply") }
        let remote = FakePrivacyIdea(url: "http://pi.example/ttype/push", serial: "PIPU0000REMOTE")
        guard case .InsecureServer? = ffiError({
            try second.session.enrolPushUri(uri: remote.enrolmentUri(), transport: remote.transport(), allowInsecure: false, notificationToken: nil)
        }) else { return XCTFail("insecure") }
        XCTAssertEqual(remote.requests().count, 0)
        let failures: [(Error, PushNetworkKind)] = [
            (TransportFailure.Timeout, .timeout),
            (TransportFailure.Unreachable(message: "no network"), .unreachable),
            (TransportFailure.Tls(message: "untrusted"), .tls),
            (TransportFailure.Other(message: "odd"), .other),
            (UnexpectedError(description: "not declared"), .other),
        ]
        for (failure, kind) in failures {
            let problems = try p.session.pollPush(transport: FailingTransport(failure), allowInsecure: false).problems
            XCTAssertEqual(problems.first?.kind, .network(kind: kind))
        }
        let down = FakePrivacyIdea(url: "http://127.0.0.1:\(closedPort())/ttype/push", serial: "PIPU0000DOWN")
        guard case .PushNetwork(.unreachable, _)? = ffiError({
            try p.session.enrolPushUri(uri: down.enrolmentUri(), transport: URLSessionTransport(), allowInsecure: false, notificationToken: nil)
        }) else { return XCTFail("unreachable") }
        let request = HttpRequest(method: .get, url: down.url(), body: Data(), verifyTls: true, timeout: 2)
        XCTAssertThrowsError(try URLSessionTransport().send(request: request))
        XCTAssertEqual(p.fake.handle(request: request).status, 400)
        XCTAssertEqual(try p.fake.transport().send(request: request).status, 400, "the same through its transport")
    }

    func testNewRegistrationTokenSignedFailingServerRetriedByPollEmptyRefused() throws {
        let p = try PushPhone(self)
        let token = try p.session.enrolPushUri(uri: p.fake.enrolmentUri(), transport: p.transport, allowInsecure: false, notificationToken: "fcm-1")
        let sent = try p.session.updatePushRegistration(registrationToken: "fcm-2", transport: p.transport, allowInsecure: false)
        XCTAssertEqual(sent.map(\.tokenId), [token.id])
        XCTAssertEqual(sent.first?.serial, "PIPU0000TEST")
        XCTAssertNil(sent.first?.problem)
        XCTAssertEqual(p.fake.fbtoken(), "fcm-2", "the fake verified new_fb_token|serial|timestamp")
        p.fake.setReply(reply: HttpResponse(status: 500, body: Data("<html>oops</html>".utf8)))
        let failed = try p.session.updatePushRegistration(registrationToken: "fcm-3", transport: p.transport, allowInsecure: false)
        XCTAssertEqual(failed.first?.problem?.kind, .server(status: 500, code: nil))
        XCTAssertEqual(try p.session.pushTokens(), [token], "the token is kept")
        p.fake.setReply(reply: nil)
        XCTAssertTrue(try p.poll().problems.isEmpty)
        XCTAssertEqual(p.fake.fbtoken(), "fcm-3", "the poll sent it again")
        guard case .InvalidInput? = ffiError({
            try p.session.updatePushRegistration(registrationToken: "", transport: p.transport, allowInsecure: false)
        }) else { return XCTFail("empty") }
    }

    func testKeystoreWithoutSigningKeys() throws {
        let vault = try createVault(path: path("v/vault.sqlite3"), keystore: AESGCMKeystore(), clock: ManualClock(t0), pin: pin, options: fast).vault
        let s = try vault.unlock(pin: pin)
        let fake = FakePrivacyIdea()
        guard case .Keystore? = ffiError({
            try s.enrolPushUri(uri: fake.enrolmentUri(), transport: fake.transport(), allowInsecure: false, notificationToken: nil)
        }) else { return XCTFail("keystore") }
        guard case .InvalidInput? = ffiError({
            try s.enrolPush(code: ScannedCode.fromText(text: exampleUri), transport: fake.transport(), allowInsecure: false, notificationToken: nil)
        }) else { return XCTFail("not a push code") }
    }
}
