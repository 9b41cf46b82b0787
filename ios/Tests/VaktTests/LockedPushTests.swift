import Foundation
import VaktFFI
import XCTest

// Push on a locked vault through the generated bindings (what a notification
// service extension and the lock screen call): no PIN to receive, poll, list
// and decline; approving needs the PIN unless turned on. The same cases as
// LockedPushTests.kt.

final class LockedPushTests: VaktTestCase {
    func testReceiveListForgedApproveRefusedDeclineSigned() throws {
        let p = try PushPhone(self)
        let token = try p.enrol()
        let vault = p.created.vault
        guard case .WrongPin? = ffiError({ try vault.unlock(pin: otherPin) }) else { return XCTFail("wrong PIN") }
        let status = try vault.status()
        XCTAssertEqual(try vault.pushTokens(), [token])

        let c = p.fake.trigger()
        let shown = try vault.receivePush(data: c.item())
        XCTAssertEqual(shown.title, "DemoIdP")
        XCTAssertEqual(shown.account, "privacyIDEA: PIPU0000TEST")
        XCTAssertEqual(shown.state, .open)
        XCTAssertEqual(try vault.pushChallenges(), [shown])
        XCTAssertEqual(try vault.pushChallenge(id: shown.id), shown)
        XCTAssertEqual(try p.session.pushChallenges(), [shown], "the session sees the same")

        p.fake.setTamper(tamper: true)
        let forged = p.fake.trigger()
        guard case .ChallengeRefused(.forged, nil)? = ffiError({ try vault.receivePush(data: forged.item()) }) else {
            return XCTFail("forged")
        }
        p.fake.setTamper(tamper: false)
        XCTAssertEqual(try vault.pushChallenges().count, 1, "nothing of it stored")

        let posts = p.fake.requests().count
        guard case .Locked? = ffiError({
            try vault.approvePushLocked(id: shown.id, transport: p.transport, allowInsecure: false, presenceAnswer: nil)
        }) else { return XCTFail("approve needs verification") }
        XCTAssertEqual(p.fake.requests().count, posts, "nothing sent")
        XCTAssertFalse(try vault.pushApproveWhenLocked())

        try vault.declinePush(id: shown.id, transport: p.transport, allowInsecure: false, reason: .unknownTrigger)
        XCTAssertEqual(c.answered(), false)
        XCTAssertEqual(c.declineReason(), "unknown_trigger")
        guard case .AlreadyAnswered? = ffiError({ try vault.receivePush(data: c.item()) }) else { return XCTFail("replay") }
        XCTAssertEqual(try vault.status(), status, "the PIN count is as it was")
    }

    func testApprovedAfterThePinPolledLockedApproveWhenTurnedOn() throws {
        let p = try PushPhone(self)
        try p.enrol()
        let vault = p.created.vault
        let a = p.fake.trigger(displayCode: "42")
        let shown = try vault.receivePush(data: a.item())
        XCTAssertEqual(try p.session.approvePush(id: shown.id, transport: p.transport, allowInsecure: false, presenceAnswer: nil), "42")
        XCTAssertEqual(a.answered(), true)
        let answered = try vault.pushChallenge(id: shown.id)
        XCTAssertEqual(answered.state, .answered(decision: .approve(presenceAnswer: nil)))
        XCTAssertNil(answered.displayCode, "the display code stays under the vault key")

        let b = p.fake.trigger()
        let report = try vault.pollPush(transport: p.transport, allowInsecure: false)
        XCTAssertEqual(report.newCount, 1)
        XCTAssertTrue(report.problems.isEmpty)
        try p.session.setPushApproveWhenLocked(on: true)
        XCTAssertTrue(try vault.pushApproveWhenLocked())
        _ = try vault.approvePushLocked(id: report.challenges[0].id, transport: p.transport, allowInsecure: false, presenceAnswer: nil)
        XCTAssertEqual(b.answered(), true)
        try p.session.setPushApproveWhenLocked(on: false)
        XCTAssertFalse(try vault.pushApproveWhenLocked())
        try p.session.upgradePushRecords()
    }
}
