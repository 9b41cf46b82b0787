import Foundation
import VaktFFI
import XCTest

// Escrow of the unblock code, as android/vakt/src/jvmTest/kotlin/app/vakt/EscrowTests.kt.

/// The saved schema-5 vault's organisation key file, and the public key it names.
private func orgKeyFile() throws -> String { try fixtureText("escrow/org.key") }
private func orgPublicKey() throws -> String {
    let line = try orgKeyFile().split(separator: "\n").first { $0.hasPrefix("# public key: ") }
    return String(try XCTUnwrap(line).dropFirst("# public key: ".count))
}

final class EscrowTests: VaktTestCase {
    func testParseOrgKeyShowsTheFingerprintAndRefusesTypos() throws {
        let key = try orgPublicKey()
        let info = try parseOrgKey(text: " \(key)\n")
        XCTAssertEqual(info.publicKey, key)
        XCTAssertEqual(info.fingerprint.count, 39)
        let typo = String(key.dropLast()) + (key.hasSuffix("a") ? "b" : "a")
        guard case .InvalidOrgKey? = ffiError({ try parseOrgKey(text: typo) }) else {
            return XCTFail("a mistyped key was accepted")
        }
    }

    func testABlockedVaultHandsItsRecordOverAndTheCodeInItUnblocks() throws {
        let created = try newVault()
        let vault = created.vault
        let off = try vault.escrowStatus()
        XCTAssertFalse(off.enabled)
        XCTAssertNil(off.org)
        let session = try vault.unlock(pin: pin)
        let enrolCode = try session.enrolEscrow(orgPublicKey: try orgPublicKey(), hint: "alice@example.org").reveal()
        session.lock()
        XCTAssertNotEqual(enrolCode, created.unblockCode.reveal())
        let on = try vault.escrowStatus()
        XCTAssertTrue(on.enabled)
        XCTAssertEqual(on.org, try parseOrgKey(text: try orgPublicKey()))
        XCTAssertEqual(on.pending, 1)

        for _ in 0..<3 { _ = try? vault.unlock(pin: otherPin) }
        XCTAssertEqual(ffiError({ try vault.unlock(pin: pin) }), .Blocked)
        let pending = try vault.escrowPending()
        XCTAssertEqual(pending.count, 1)
        XCTAssertTrue(pending[0].fileName.contains(on.vaultId))
        let opened = try testSupportOpenEscrowRecord(record: pending[0].record, orgKeyFile: try orgKeyFile())
        XCTAssertEqual(opened.unblockCode.reveal(), enrolCode)
        XCTAssertEqual(opened.generation, pending[0].generation)
        XCTAssertEqual(opened.vaultId, on.vaultId)
        try vault.escrowDelivered(ids: [pending[0].id])
        XCTAssertTrue(try vault.escrowPending().isEmpty)
        XCTAssertEqual(try vault.escrowStatus().lastDeliveredAt, at(59))

        let unblocked = try vault.unblock(unblockCode: opened.unblockCode.reveal(), newPin: otherPin)
        let newer = try vault.escrowPending()
        XCTAssertEqual(newer.count, 1)
        XCTAssertGreaterThan(newer[0].generation, pending[0].generation)
        XCTAssertEqual(
            try testSupportOpenEscrowRecord(record: newer[0].record, orgKeyFile: try orgKeyFile()).unblockCode.reveal(),
            unblocked.unblockCode.reveal()
        )
        guard case .WrongUnblockCode? = ffiError({ try vault.unblock(unblockCode: enrolCode, newPin: pin) }) else {
            return XCTFail("the superseded code still unblocks")
        }
        XCTAssertTrue(try unblocked.session.disableEscrow())
        XCTAssertFalse(try unblocked.session.disableEscrow())
        XCTAssertFalse(try vault.escrowStatus().enabled)
        XCTAssertTrue(try vault.escrowPending().isEmpty)
    }
}
