import Foundation
@testable import Vakt
import XCTest

// The wrapper's push API (VaktPush, URLSessionTransport, the VaktError cases);
// the same cases as PushWrapperTests.kt.

final class PushWrapperTests: VaktTestCase {
    func testVaktPushEnrolPollApproveDeclineReceive() async throws {
        let fake = FakePrivacyIdea()
        let keystore = RsaTestKeystore()
        let clock = ManualClock(t0)
        let (vault, _) = try await VaktVault.create(
            at: dir.appendingPathComponent("w/vault.sqlite3"), keystore: keystore, pin: pin, clock: clock,
            options: .init(insecureFastKdfForTests: true)
        )
        let session = try await vault.unlock(pin: pin)
        let push = session.push(transport: fake)
        let token = try await push.enrol(scanned: QrScanner.fromText(fake.enrolmentUri), notificationToken: "apns")
        XCTAssertEqual(token.displayName, "privacyIDEA: PIPU0000TEST")
        XCTAssertEqual(token.enrolledAt, Date(timeIntervalSince1970: TimeInterval(t0)))
        let tokens = try await push.tokens()
        XCTAssertEqual(tokens, [token])

        fake.trigger(presence: (options: "X,L,Z", correct: "Z"))
        var updates = push.pollUpdates(every: 0.05).makeAsyncIterator()
        let first = try XCTUnwrap(try await updates.next())
        XCTAssertEqual(first.newCount, 1)
        let c = first.challenges[0]
        XCTAssertTrue(c.hasPresenceCheck)
        do {
            try await push.approve(id: c.id)
            XCTFail("no presence answer")
        } catch VaktError.presenceRequired(let options) {
            XCTAssertEqual(options, ["X", "L", "Z"])
        }
        do {
            try await push.approve(id: c.id, presenceAnswer: "X")
            XCTFail("wrong answer")
        } catch VaktError.wrongPresenceAnswer {}
        XCTAssertNil(try await push.approve(id: c.id, presenceAnswer: "Z"))

        let notified = try await push.receive(fake.item(fake.trigger(displayCode: "88")))
        let waiting = try await push.challenges()
        XCTAssertEqual(waiting, [notified])
        XCTAssertEqual(try await push.approve(id: notified.id), "88")
        let declined = try await push.receive(fake.item(fake.trigger()))
        try await push.decline(id: declined.id, reason: .cancelled)
        do {
            try await push.approve(id: declined.id)
            XCTFail("already answered")
        } catch let error as VaktError {
            XCTAssertEqual(error, .alreadyAnswered)
            XCTAssertTrue(error.isChallengeGone)
        }
        let state = try await push.challenge(id: declined.id).state
        XCTAssertEqual(state, .answered(decision: .decline(reason: .cancelled)))
        try await session.delete(id: token.id)
        XCTAssertTrue(keystore.aliases.isEmpty)
    }

    func testWrapperErrorsMapped() {
        let table: [(VaktFFIError, VaktError)] = [
            (.InsecureServer, .insecureServer),
            (.PushNetwork(kind: .tls, detail: "t"), .pushNetwork(kind: .tls, detail: "t")),
            (.PushServer(status: 404, code: 601), .pushServer(status: 404, code: 601)),
            (.UnexpectedPushReply, .unexpectedPushReply),
            (.ChallengeRefused(reason: .forged, field: nil), .challengeRefused(reason: .forged, field: nil)),
            (.UnknownPushToken, .unknownPushToken),
            (.NeedsReenrolment(tokenId: 5), .needsReenrolment(tokenId: 5)),
            (.NoSuchChallenge(id: 6), .noSuchChallenge(id: 6)),
            (.ChallengeExpired, .challengeExpired),
            (.AlreadyAnswered, .alreadyAnswered),
            (.PresenceRequired(options: ["A"]), .presenceRequired(options: ["A"])),
            (.NotAnOption, .notAnOption),
            (.WrongPresenceAnswer, .wrongPresenceAnswer),
            (.ChallengeClosed, .challengeClosed),
        ]
        for (generated, expected) in table {
            let mapped = VaktError(generated)
            XCTAssertEqual(mapped, expected)
            XCTAssertFalse((mapped.errorDescription ?? "").isEmpty)
        }
        XCTAssertTrue(VaktError.notAnOption.isBadInput)
        XCTAssertTrue(VaktError.challengeClosed.isChallengeGone)
    }

    func testURLSessionTransportNeverSkipsCertificateChecksOnItsOwn() {
        let request = HttpRequest(
            method: .post, url: "https://127.0.0.1:1/ttype/push", body: Data("enrollment_credential=x".utf8),
            verifyTls: false, timeoutMs: 1000
        )
        XCTAssertThrowsError(try URLSessionTransport().send(request: request)) {
            guard case .Tls? = $0 as? TransportFailure else { return XCTFail("not Tls: \($0)") }
        }
        let closed = HttpRequest(method: .get, url: "http://127.0.0.1:\(closedPort())/x", body: Data(), verifyTls: true, timeoutMs: 2000)
        XCTAssertThrowsError(try URLSessionTransport().send(request: closed)) {
            guard case .Unreachable? = $0 as? TransportFailure else { return XCTFail("not Unreachable: \($0)") }
        }
    }
}
