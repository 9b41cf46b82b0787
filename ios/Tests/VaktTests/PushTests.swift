import Foundation
import class Vakt.URLSessionTransport
import VaktFFI
import XCTest

// Push approval through the generated bindings against an in-memory
// privacyIDEA (FakePrivacyIdea.swift); the same cases as PushTests.kt.

let t0: UInt64 = 1_795_311_434

/// A phone: a vault with a Swift RSA keystore and a clock the test moves, and a fake server.
final class PushPhone {
    let fake: FakePrivacyIdea
    let keystore = RsaTestKeystore()
    let clock = ManualClock(t0)
    let created: CreatedVault
    let session: VaktFFI.Session

    init(_ test: VaktTestCase, name: String = "phone", fake: FakePrivacyIdea = FakePrivacyIdea()) throws {
        self.fake = fake
        created = try createVault(path: test.path("\(name)/vault.sqlite3"), keystore: keystore, clock: clock, pin: pin, options: fast)
        session = try created.vault.unlock(pin: pin)
    }

    @discardableResult
    func enrol() throws -> VaktFFI.PushToken {
        try session.enrolPushUri(uri: fake.enrolmentUri, transport: fake, allowInsecure: false, notificationToken: nil)
    }

    func poll() throws -> PushPollReport {
        try session.pollPush(transport: fake, allowInsecure: false)
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
            try s.enrolPushUri(uri: fake.enrolmentUri, transport: fake, allowInsecure: false, notificationToken: nil)
        }) else { return XCTFail("keystore") }
        XCTAssertTrue(try s.pushTokens().isEmpty)
        // The Swift keystore used by the other tests (PKCS#1 out), and base32 as privacyIDEA spells it.
        let swift = RsaTestKeystore()
        let publicKey = try XCTUnwrap(RsaPublicKey(der: try swift.createSigningKey(alias: "a", bits: 3072)))
        let signature = try swift.sign(alias: "a", message: Data("hello".utf8))
        XCTAssertTrue(rsaVerify(publicKey, "hello", Base32.encode(signature)), "the test keystore signs what verifies")
        XCTAssertFalse(rsaVerify(publicKey, "hello!", Base32.encode(signature)), "and only that")
        try swift.deleteSigningKey(alias: "a")
        XCTAssertThrowsError(try swift.sign(alias: "a", message: Data([1]))) {
            XCTAssertEqual($0 as? KeystoreFailure, .KeyMissing)
        }
        XCTAssertEqual(Base32.encode(Data("foobar".utf8)), "MZXW6YTBOI======")
        XCTAssertEqual(Base32.decode("MZXW6YTBOI======"), Data("foobar".utf8))
    }

    func testEnrolFromScannedCodeDuplicateListDelete() throws {
        let p = try PushPhone(self)
        let token = try p.session.enrolPush(
            code: ScannedCode.fromText(text: p.fake.enrolmentUri), transport: p.fake, allowInsecure: false,
            notificationToken: "apns-token"
        )
        XCTAssertEqual(token.serial, "PIPU0000TEST")
        XCTAssertEqual(token.state, .enrolled)
        XCTAssertEqual(token.enrolledAt, t0)
        XCTAssertTrue(token.pollOnly)
        XCTAssertEqual(p.fake.fbtoken, "apns-token")
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
        XCTAssertEqual(first.expiresAt, t0 + 120)
        XCTAssertEqual(first.state, .open)
        XCTAssertTrue(first.declineReasonsSupported)
        XCTAssertEqual(try p.poll().newCount, 0)
        XCTAssertEqual(try p.session.approvePush(id: first.id, transport: p.fake, allowInsecure: false, presenceAnswer: nil), "42")
        XCTAssertEqual(a.answered, true)
        try p.session.declinePush(id: second.id, transport: p.fake, allowInsecure: false, reason: .unknownTrigger)
        XCTAssertEqual(b.answered, false)
        XCTAssertEqual(b.declineReason, "unknown_trigger")
        XCTAssertTrue(try p.session.pushChallenges().isEmpty)
        XCTAssertEqual(try p.session.pushChallenge(id: first.id).state, .answered(decision: .approve(presenceAnswer: nil)))
    }

    func testPresenceMissingNotAnOptionWrongRight() throws {
        let p = try PushPhone(self)
        try p.enrol()
        let c = p.fake.trigger(presence: (options: "X,L,Z", correct: "L"))
        let id = try p.poll().challenges[0].id
        let approve = { (answer: String?) in
            try p.session.approvePush(id: id, transport: p.fake, allowInsecure: false, presenceAnswer: answer)
        }
        guard case let .PresenceRequired(options)? = ffiError({ try approve(nil) }) else { return XCTFail("not PresenceRequired") }
        XCTAssertEqual(options, ["X", "L", "Z"])
        guard case .NotAnOption? = ffiError({ try approve("Q") }) else { return XCTFail("not NotAnOption") }
        XCTAssertNil(c.answered, "nothing was sent for a missing or unknown option")
        guard case .WrongPresenceAnswer? = ffiError({ try approve("X") }) else { return XCTFail("not WrongPresenceAnswer") }
        XCTAssertEqual(c.answered, false, "a wrong pick declines the sign-in on the server")
        XCTAssertTrue(try p.session.pushChallenges().isEmpty)
        guard case .AlreadyAnswered? = ffiError({ try approve("L") }) else { return XCTFail("not AlreadyAnswered") }
        // On a new challenge the right option approves.
        let right = p.fake.trigger(presence: (options: "X,L,Z", correct: "L"))
        let next = try p.poll().challenges[0].id
        XCTAssertNil(try p.session.approvePush(id: next, transport: p.fake, allowInsecure: false, presenceAnswer: "L"))
        XCTAssertEqual(right.answered, true)
    }

    func testNotificationPathReplayUnknownMalformedForged() throws {
        let p = try PushPhone(self)
        try p.enrol()
        var data = p.fake.item(p.fake.trigger())
        data["aps"] = "ignored"
        let challenge = try p.session.receivePush(data: data)
        XCTAssertEqual(p.fake.polls, 0, "no network")
        try p.session.approvePush(id: challenge.id, transport: p.fake, allowInsecure: false, presenceAnswer: nil)
        guard case .AlreadyAnswered? = ffiError({ try p.session.receivePush(data: data) }) else { return XCTFail("replay") }
        var other = p.fake.item(p.fake.trigger())
        other["serial"] = "PIPU9999"
        guard case .UnknownPushToken? = ffiError({ try p.session.receivePush(data: other) }) else { return XCTFail("unknown") }
        var missing = p.fake.item(p.fake.trigger())
        missing["nonce"] = nil
        guard case let .ChallengeRefused(reason, field)? = ffiError({ try p.session.receivePush(data: missing) }) else {
            return XCTFail("malformed")
        }
        XCTAssertEqual(reason, .malformed)
        XCTAssertEqual(field, "nonce")
        p.fake.tamper = true
        let forged = p.fake.trigger()
        let report = try p.poll()
        XCTAssertEqual(report.problems.first?.kind, .challengeRefused(reason: .forged))
        XCTAssertFalse(report.challenges.contains { $0.title != "DemoIdP" })
        guard case .ChallengeRefused(.forged, nil)? = ffiError({ try p.session.receivePush(data: p.fake.item(forged)) }) else {
            return XCTFail("forged")
        }
    }

    func testExpiryAlreadyAnsweredClosedNoSuchChallenge() throws {
        let p = try PushPhone(self)
        try p.enrol()
        let expiring = try p.session.receivePush(data: p.fake.item(p.fake.trigger()))
        p.clock.set(t0 + 120)
        XCTAssertTrue(try p.session.pushChallenges().isEmpty)
        guard case .ChallengeExpired? = ffiError({
            try p.session.approvePush(id: expiring.id, transport: p.fake, allowInsecure: false, presenceAnswer: nil)
        }) else { return XCTFail("expired") }
        let answered = try p.session.receivePush(data: p.fake.item(p.fake.trigger()))
        try p.session.approvePush(id: answered.id, transport: p.fake, allowInsecure: false, presenceAnswer: nil)
        guard case .AlreadyAnswered? = ffiError({
            try p.session.declinePush(id: answered.id, transport: p.fake, allowInsecure: false, reason: nil)
        }) else { return XCTFail("already answered") }
        let c = p.fake.trigger()
        let closing = try p.session.receivePush(data: p.fake.item(c))
        c.answered = true
        guard case .ChallengeClosed? = ffiError({
            try p.session.approvePush(id: closing.id, transport: p.fake, allowInsecure: false, presenceAnswer: nil)
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
            try restored.session.receivePush(data: p.fake.item(p.fake.trigger()))
        }) else { return XCTFail("needs re-enrolment") }
        XCTAssertEqual(tokenId, listed.id)
        let fresh = FakePrivacyIdea()
        let again = try restored.session.enrolPushUri(uri: fresh.enrolmentUri, transport: fresh, allowInsecure: false, notificationToken: nil)
        XCTAssertEqual(again.id, listed.id)
        XCTAssertEqual(again.state, .enrolled)
    }

    func testEightThreadsPollingAtOnce() throws {
        let p = try PushPhone(self)
        try p.enrol()
        for _ in 0 ..< 3 { p.fake.trigger() }
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
        odd.reply = (status: 200, body: "{}")
        guard case .UnexpectedPushReply? = ffiError({
            try second.session.enrolPushUri(uri: odd.enrolmentUri, transport: odd, allowInsecure: false, notificationToken: nil)
        }) else { return XCTFail("unexpected reply") }
        let remote = FakePrivacyIdea(url: "http://pi.example/ttype/push", serial: "PIPU0000REMOTE")
        guard case .InsecureServer? = ffiError({
            try second.session.enrolPushUri(uri: remote.enrolmentUri, transport: remote, allowInsecure: false, notificationToken: nil)
        }) else { return XCTFail("insecure") }
        XCTAssertEqual(remote.requests, 0)
        let failures: [(Error, PushNetworkKind)] = [
            (TransportFailure.Timeout, .timeout),
            (TransportFailure.Unreachable(message: "no network"), .unreachable),
            (TransportFailure.Tls(message: "untrusted"), .tls),
            (TransportFailure.Other(message: "odd"), .other),
            (UnexpectedError(description: "not declared"), .other),
        ]
        for (failure, kind) in failures {
            p.fake.fail = failure
            XCTAssertEqual(try p.poll().problems.first?.kind, .network(kind: kind))
        }
        let down = FakePrivacyIdea(url: "http://127.0.0.1:\(closedPort())/ttype/push", serial: "PIPU0000DOWN")
        guard case .PushNetwork(.unreachable, _)? = ffiError({
            try p.session.enrolPushUri(uri: down.enrolmentUri, transport: URLSessionTransport(), allowInsecure: false, notificationToken: nil)
        }) else { return XCTFail("unreachable") }
        let request = HttpRequest(method: .get, url: down.url, body: Data(), verifyTls: true, timeoutMs: 2000)
        XCTAssertThrowsError(try URLSessionTransport().send(request: request))
        XCTAssertEqual(try p.fake.send(request: request).status, 400)
    }

    func testKeystoreWithoutSigningKeys() throws {
        let vault = try createVault(path: path("v/vault.sqlite3"), keystore: AESGCMKeystore(), clock: ManualClock(t0), pin: pin, options: fast).vault
        let s = try vault.unlock(pin: pin)
        let fake = FakePrivacyIdea()
        guard case .Keystore? = ffiError({
            try s.enrolPushUri(uri: fake.enrolmentUri, transport: fake, allowInsecure: false, notificationToken: nil)
        }) else { return XCTFail("keystore") }
        guard case .InvalidInput? = ffiError({
            try s.enrolPush(code: ScannedCode.fromText(text: exampleUri), transport: fake, allowInsecure: false, notificationToken: nil)
        }) else { return XCTFail("not a push code") }
    }
}
