import Foundation
@testable import Vakt
import class VaktFFI.FakePrivacyIdea
import XCTest

// The wrapper's push API (VaktPush, URLSessionTransport, the VaktError cases);
// the same cases as PushWrapperTests.kt.

private let fastWrapper: VaktVault.Options = {
    _ = fast
    return VaktVault.Options()
}()

/// The fake privacyIDEA (the library's test door) served over real HTTP on a
/// loopback port (for URLSessionTransport).
private func serving<T>(_ body: (FakePrivacyIdea) async throws -> T) async throws -> T {
    let server = try LoopbackServer()
    defer { server.stop() }
    let base = "http://127.0.0.1:\(server.port)"
    let fake = FakePrivacyIdea(url: "\(base)/ttype/push")
    server.handle { method, path, body in
        let request = HttpRequest(method: method == "POST" ? .post : .get, url: base + path, body: body, verifyTls: true, timeout: 5)
        let response = fake.handle(request: request)
        return (Int(response.status), response.body)
    }
    return try await body(fake)
}

final class PushWrapperTests: VaktTestCase {
    /// The error `body` throws, as a wrapper `VaktError`.
    private func vaktError<T>(_ body: () async throws -> T, file: StaticString = #filePath, line: UInt = #line) async -> VaktError? {
        do {
            _ = try await body()
            XCTFail("nothing was thrown", file: file, line: line)
        } catch let error as VaktError {
            return error
        } catch {
            XCTFail("not a VaktError: \(error)", file: file, line: line)
        }
        return nil
    }

    func testVaktPushOverURLSessionAndLoopbackServer() async throws {
        try await serving { fake in
            let clock = ManualClock(t0)
            let keystore = RsaTestKeystore()
            let (vault, _) = try await VaktVault.create(
                at: dir.appendingPathComponent("w/vault.sqlite3"), keystore: keystore, pin: pin, clock: clock, options: fastWrapper
            )
            let session = try await vault.unlock(pin: pin)
            let push = session.push(transport: URLSessionTransport())
            let token = try await push.enrol(scanned: QrScanner.fromText(fake.enrolmentUri()), notificationToken: "apns")
            XCTAssertEqual(token.displayName, "privacyIDEA: PIPU0000TEST")
            XCTAssertEqual(token.enrolledAt, Date(timeIntervalSince1970: TimeInterval(t0)))
            XCTAssertEqual(token.state, .enrolled)
            XCTAssertEqual(fake.fbtoken(), "apns")
            let tokens = try await push.tokens()
            XCTAssertEqual(tokens, [token])
            let duplicate = await vaktError { try await push.enrol(uri: fake.enrolmentUri()) }
            XCTAssertEqual(duplicate, .duplicate(existingId: token.id))
            let registered = try await push.updateRegistration("fcm-new")
            XCTAssertEqual(registered.map(\.tokenId), [token.id])
            XCTAssertNil(registered.first?.problem)
            XCTAssertEqual(fake.fbtoken(), "fcm-new")

            _ = fake.trigger(presenceOptions: "X,L,Z", presenceAnswer: "Z")
            var updates = push.pollUpdates(every: 0.05).makeAsyncIterator()
            let polled = try await updates.next()
            let first = try XCTUnwrap(polled)
            XCTAssertEqual(first.newCount, 1)
            XCTAssertEqual(first.challenges.count, 1)
            let c = first.challenges[0]
            XCTAssertTrue(c.hasPresenceCheck)
            XCTAssertEqual(c.expiresAt, Date(timeIntervalSince1970: TimeInterval(t0 + 120)))
            let missing = await vaktError { try await push.approve(id: c.id) }
            XCTAssertEqual(missing, .presenceRequired(options: ["X", "L", "Z"]))
            let notAnOption = await vaktError { try await push.approve(id: c.id, presenceAnswer: "Q") }
            XCTAssertEqual(notAnOption, .notAnOption)
            XCTAssertEqual(notAnOption?.isBadInput, true)
            let wrong = await vaktError { try await push.approve(id: c.id, presenceAnswer: "X") }
            XCTAssertEqual(wrong, .wrongPresenceAnswer)
            XCTAssertEqual(fake.challenges().last?.answered(), false, "a wrong pick declines the sign-in")
            let late = await vaktError { try await push.approve(id: c.id, presenceAnswer: "Z") }
            XCTAssertEqual(late, .alreadyAnswered)
            guard case .answered = try await push.challenge(id: c.id).state else { return XCTFail("not answered") }
            let right = fake.trigger(presenceOptions: "X,L,Z", presenceAnswer: "Z")
            let repolled = try await push.poll()
            let next = try XCTUnwrap(repolled.challenges.first { $0.id != c.id })
            let approved = try await push.approve(id: next.id, presenceAnswer: "Z")
            XCTAssertNil(approved)
            XCTAssertEqual(right.answered(), true)

            let notified = try await push.receive(fake.trigger(displayCode: "88").item())
            let waiting = try await push.challenges()
            XCTAssertEqual(waiting, [notified])
            let displayCode = try await push.approve(id: notified.id)
            XCTAssertEqual(displayCode, "88")
            let declined = try await push.receive(fake.trigger().item())
            try await push.decline(id: declined.id, reason: .cancelled)
            XCTAssertEqual(fake.challenges().last?.declineReason(), "cancelled")
            let again = await vaktError { try await push.approve(id: declined.id) }
            XCTAssertEqual(again, .alreadyAnswered)
            XCTAssertEqual(again?.isChallengeGone, true)
            let state = try await push.challenge(id: declined.id).state
            XCTAssertEqual(state, .answered(decision: .decline(reason: .cancelled)))
            let noSuch = await vaktError { try await push.challenge(id: 404) }
            XCTAssertEqual(noSuch, .noSuchChallenge(id: 404))

            let expiring = try await push.receive(fake.trigger().item())
            clock.set(t0 + 500)
            let expired = await vaktError { try await push.approve(id: expiring.id) }
            XCTAssertEqual(expired, .challengeExpired)
            var forged = fake.trigger().item()
            forged["title"] = "Bank"
            let refused = await vaktError { try await push.receive(forged) }
            XCTAssertEqual(refused, .challengeRefused(reason: .forged, field: nil))
            var other = fake.trigger().item()
            other["serial"] = "OTHER"
            let unknown = await vaktError { try await push.receive(other) }
            XCTAssertEqual(unknown, .unknownPushToken)

            try await session.delete(id: token.id)
            let left = try await push.tokens()
            XCTAssertTrue(left.isEmpty)
            XCTAssertTrue(keystore.aliases.isEmpty)

            // A locked session: the polling stream ends without a value.
            let closing = try await vault.unlock(pin: pin)
            let closedPush = closing.push(transport: FakePrivacyIdea().transport())
            closing.lock()
            var emissions = 0
            for try await _ in closedPush.pollUpdates(every: 0.01) { emissions += 1 }
            XCTAssertEqual(emissions, 0)
        }
    }

    func testNotificationUserInfoAsItArrives() async throws {
        let fake = FakePrivacyIdea()
        let (vault, _) = try await VaktVault.create(
            at: dir.appendingPathComponent("w/vault.sqlite3"), keystore: RsaTestKeystore(), pin: pin, clock: ManualClock(t0),
            options: fastWrapper
        )
        let push = try await vault.unlock(pin: pin).push(transport: fake.transport())
        _ = try await push.enrol(uri: fake.enrolmentUri())

        // As APNs delivers it: the data keys beside the `aps` dictionary, and
        // whatever else the sender added.
        var userInfo: [AnyHashable: Any] = [:]
        for (key, value) in fake.trigger().item() { userInfo[key] = value }
        userInfo["aps"] = ["content-available": 1, "alert": ["title": "Log in?"]] as [String: Any]
        userInfo["gcm.message_id"] = "0:1700000000000000%abc"
        userInfo["badge"] = 3
        userInfo[7] = "a key that is not a string"
        let data = VaktPush.notificationData(userInfo)
        XCTAssertNil(data["aps"])
        XCTAssertNil(data["badge"])
        XCTAssertEqual(data["gcm.message_id"], "0:1700000000000000%abc")
        XCTAssertEqual(data.count, userInfo.count - 3)
        let challenge = try await push.receive(notification: userInfo)
        XCTAssertEqual(challenge.title, "DemoIdP")
        XCTAssertEqual(fake.polls(), 0, "no network")
        let waiting = try await push.challenges()
        XCTAssertEqual(waiting, [challenge])
        try await push.approve(id: challenge.id)
        let replay = await vaktError { try await push.receive(notification: userInfo) }
        XCTAssertEqual(replay, .alreadyAnswered)

        // A signed field that does not arrive as a string is missing, by name.
        var numeric: [AnyHashable: Any] = [:]
        for (key, value) in fake.trigger().item() { numeric[key] = value }
        numeric["sslverify"] = 0
        let malformed = await vaktError { try await push.receive(notification: numeric) }
        XCTAssertEqual(malformed, .challengeRefused(reason: .malformed, field: "sslverify"))
    }

    func testWrapperErrorsOverTheNetworkAndAfterRestore() async throws {
        let created = try await VaktVault.create(
            at: dir.appendingPathComponent("w/vault.sqlite3"), keystore: RsaTestKeystore(), pin: pin, clock: ManualClock(t0),
            options: fastWrapper
        )
        let fake = FakePrivacyIdea()
        let s = try await created.vault.unlock(pin: pin)
        let remote = FakePrivacyIdea(url: "http://pi.example/ttype/push", serial: "PIPU0000REMOTE")
        let insecure = await vaktError { try await s.push(transport: remote.transport()).enrol(uri: remote.enrolmentUri()) }
        XCTAssertEqual(insecure, .insecureServer)
        XCTAssertEqual(remote.requests().count, 0)
        _ = try await s.push(transport: remote.transport(), allowInsecure: true).enrol(uri: remote.enrolmentUri())
        let push = s.push(transport: fake.transport())
        _ = try await push.enrol(uri: fake.enrolmentUri())
        let used = FakePrivacyIdea(serial: "PIPU0000USED")
        used.setEnrolled(enrolled: true)
        let refused = await vaktError { try await s.push(transport: used.transport()).enrol(uri: used.enrolmentUri()) }
        XCTAssertEqual(refused, .pushServer(status: 404, code: 601))
        let down = FakePrivacyIdea(url: "http://127.0.0.1:\(closedPort())/ttype/push", serial: "PIPU0000DOWN")
        let network = await vaktError { try await s.push(transport: URLSessionTransport()).enrol(uri: down.enrolmentUri()) }
        guard case .pushNetwork(.unreachable, _)? = network else { return XCTFail("\(String(describing: network))") }
        let c = fake.trigger()
        let polled = try await push.poll()
        XCTAssertEqual(polled.challenges.count, 1)
        c.setAnswered(approved: false)
        let closed = await vaktError { try await push.approve(id: polled.challenges[0].id) }
        XCTAssertEqual(closed, .challengeClosed)
        fake.setReply(reply: HttpResponse(status: 502, body: Data("bad gateway".utf8)))
        let result = try await push.poll()
        XCTAssertEqual(result.problems.filter { $0.kind != .insecureServer }.map(\.kind), [.server(status: 502, code: nil)])
        fake.setReply(reply: nil)
        let backup = try await s.backup()

        let restored = try await VaktVault.restore(
            at: dir.appendingPathComponent("r/vault.sqlite3"), keystore: RsaTestKeystore(), backup: backup,
            secret: .unblockCode(created.unblockCode.reveal()), newPin: otherPin, clock: ManualClock(t0), options: fastWrapper
        )
        XCTAssertEqual(restored.needsReenrolment.count, 2)
        let restoredPush = restored.session.push(transport: fake.transport())
        let tokens = try await restoredPush.tokens()
        XCTAssertTrue(tokens.allSatisfy { $0.state == .needsReenrolment })
        let needs = await vaktError { try await restoredPush.receive(fake.trigger().item()) }
        XCTAssertEqual(needs, .needsReenrolment(tokenId: try XCTUnwrap(tokens.first { $0.serial == fake.serial() }).id))
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

    func testURLSessionTransportGetPostStatusBody() throws {
        let server = try LoopbackServer { method, path, body in
            (method == "POST" ? 201 : 404, Data("\(method) \(path) \(String(decoding: body, as: UTF8.self))".utf8))
        }
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let post = try URLSessionTransport().send(request: HttpRequest(
            method: .post, url: "\(base)/ttype/push", body: Data("a=1&b=2".utf8), verifyTls: true, timeout: 5
        ))
        XCTAssertEqual(post.status, 201)
        XCTAssertEqual(String(decoding: post.body, as: UTF8.self), "POST /ttype/push a=1&b=2")
        let get = try URLSessionTransport().send(request: HttpRequest(
            method: .get, url: "\(base)/ttype/push?serial=S&signature=X", body: Data(), verifyTls: true, timeout: 5
        ))
        XCTAssertEqual(get.status, 404, "an error status is an answer, not a failure")
        XCTAssertEqual(String(decoding: get.body, as: UTF8.self), "GET /ttype/push?serial=S&signature=X ")
        XCTAssertEqual(server.requests, 2)
    }

    func testURLSessionTransportNeverFollowsRedirects() throws {
        let target = try LoopbackServer { _, _, _ in (200, Data("{}".utf8)) }
        defer { target.stop() }
        let elsewhere = "http://127.0.0.1:\(target.port)/ttype/push"
        let first = try LoopbackServer { _, _, _ in (302, Data(elsewhere.utf8)) }
        defer { first.stop() }
        for method in [HttpMethod.get, .post] {
            let response = try URLSessionTransport().send(request: HttpRequest(
                method: method, url: "http://127.0.0.1:\(first.port)/ttype/push", body: Data("nonce=x".utf8),
                verifyTls: true, timeout: 5
            ))
            XCTAssertEqual(response.status, 302, "\(method): the redirect is the answer")
        }
        XCTAssertEqual(first.requests, 2)
        XCTAssertEqual(target.requests, 0, "the redirect was followed")
    }

    func testURLSessionTransportTimeout() throws {
        let server = try LoopbackServer(silent: true)
        defer { server.stop() }
        let request = HttpRequest(method: .get, url: "http://127.0.0.1:\(server.port)/x", body: Data(), verifyTls: true, timeout: 0.3)
        XCTAssertThrowsError(try URLSessionTransport().send(request: request)) {
            guard case .Timeout? = $0 as? TransportFailure else { return XCTFail("not Timeout: \($0)") }
        }
        XCTAssertEqual(server.requests, 1)
    }

    func testURLSessionTransportSubSecondTimeouts() throws {
        #if canImport(FoundationNetworking)
        // FoundationNetworking truncates to whole seconds (0.3 s would time out at once): rounded up.
        XCTAssertEqual(URLSessionTransport.timeoutInterval(0.3), 1)
        XCTAssertEqual(URLSessionTransport.timeoutInterval(1.5), 2)
        #else
        XCTAssertEqual(URLSessionTransport.timeoutInterval(0.3), 0.3)
        XCTAssertEqual(URLSessionTransport.timeoutInterval(1.5), 1.5)
        #endif
        XCTAssertEqual(URLSessionTransport.timeoutInterval(10), 10)
        let server = try LoopbackServer { _, _, _ in (200, Data("{}".utf8)) }
        defer { server.stop() }
        for _ in 0..<10 {
            let request = HttpRequest(method: .get, url: "http://127.0.0.1:\(server.port)/x", body: Data(), verifyTls: true, timeout: 0.3)
            XCTAssertEqual(try URLSessionTransport().send(request: request).status, 200, "a prompt answer within a short timeout")
        }
    }

    func testURLSessionTransportNeverSkipsCertificateChecksOnItsOwn() {
        let request = HttpRequest(
            method: .post, url: "https://127.0.0.1:1/ttype/push", body: Data("enrollment_credential=x".utf8),
            verifyTls: false, timeout: 1
        )
        XCTAssertThrowsError(try URLSessionTransport().send(request: request)) {
            guard case .Tls? = $0 as? TransportFailure else { return XCTFail("not Tls: \($0)") }
        }
        let closed = HttpRequest(method: .get, url: "http://127.0.0.1:\(closedPort())/x", body: Data(), verifyTls: true, timeout: 2)
        XCTAssertThrowsError(try URLSessionTransport().send(request: closed)) {
            guard case .Unreachable? = $0 as? TransportFailure else { return XCTFail("not Unreachable: \($0)") }
        }
        XCTAssertThrowsError(try URLSessionTransport().send(request: HttpRequest(
            method: .get, url: "not a url", body: Data(), verifyTls: true, timeout: 1
        ))) {
            guard case .Other? = $0 as? TransportFailure else { return XCTFail("not Other: \($0)") }
        }
    }
}
