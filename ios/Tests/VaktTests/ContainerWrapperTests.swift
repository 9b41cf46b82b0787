import Foundation
@testable import Vakt
import class VaktFFI.FakeContainer
import XCTest

// The wrapper's container API (VaktContainers, the VaktError cases); the same
// cases as the container wrapper suite of ContainerTests.kt.

private let fastWrapper: VaktVault.Options = {
    _ = fast
    return VaktVault.Options()
}()

final class ContainerWrapperTests: VaktTestCase {
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

    func testVaktContainersWithASwiftKeystore() async throws {
        let fake = FakeContainer()
        fake.addToken(serial: "TOTP0001", tokenType: "totp")
        let (vault, _) = try await VaktVault.create(
            at: dir.appendingPathComponent("cw/vault.sqlite3"), keystore: RsaTestKeystore(), pin: pin,
            clock: fixedClock(t0), options: fastWrapper
        )
        let session = try await vault.unlock(pin: pin)
        let containers = session.containers(transport: fake.transport(), deviceBrand: "Apple", deviceModel: "iPhone")
        let prompt = fake.registrationUri(prompt: "Your colour?")
        let asked = await vaktError { try await containers.register(uri: prompt) }
        XCTAssertEqual(asked, .passphraseRequired(prompt: "Your colour?"))
        let refused = await vaktError { try await containers.register(uri: prompt, passphrase: "green") }
        XCTAssertEqual(refused, .registrationRefused)
        let c = try await containers.register(scanned: QrScanner.fromText(prompt), passphrase: "blue")
        XCTAssertEqual(c.state, .registered)
        let again = await vaktError { try await containers.register(uri: fake.registrationUri(prompt: nil)) }
        XCTAssertEqual(again, .containerAlreadyRegistered(id: c.id))
        let report: ContainerSyncReport = try await containers.sync(id: c.id)
        let token: SyncedToken = try XCTUnwrap(report.added.first)
        XCTAssertEqual(token.serial, "TOTP0001")
        let at = Date(timeIntervalSince1970: TimeInterval(t0))
        let rows = try await session.codes(at: at)
        XCTAssertEqual(rows.first?.code, try containerTotp(try XCTUnwrap(fake.secretOf(serial: "TOTP0001")), at: at))
        let listed: [Container] = try await containers.list()
        XCTAssertEqual(listed.map(\.id), [c.id])
        XCTAssertEqual(listed.first?.tokens.map(\.entryId), [token.entryId])

        try fake.setFault(fault: "flip")
        let forged = await vaktError { try await containers.sync(id: c.id) }
        XCTAssertEqual(forged, .unexpectedPushReply)
        fake.setPolicies(disableTokenDeletion: true, disableUnregister: true)
        _ = try await containers.sync(id: c.id)
        let kept = await vaktError { try await session.delete(id: token.entryId) }
        XCTAssertEqual(kept, .deletionNotAllowed(id: token.entryId, containerId: c.id))
        let stays = await vaktError { try await containers.unregister(id: c.id) }
        XCTAssertEqual(stays, .notAllowedByServer(action: "unregister"))
        fake.setPolicies(disableTokenDeletion: false, disableUnregister: false)
        _ = try await containers.sync(id: c.id)
        try await containers.unregister(id: c.id)
        let emptied = try await containers.list()
        XCTAssertTrue(emptied.isEmpty)
        let gone = await vaktError { try await containers.sync(id: c.id) }
        XCTAssertEqual(gone, .noSuchContainer(id: c.id))

        // The container moved to a second vault by a rollover code.
        let first = try await containers.register(uri: fake.registrationUri(prompt: nil))
        _ = try await containers.sync(id: first.id)
        let (other, _) = try await VaktVault.create(
            at: dir.appendingPathComponent("cw2/vault.sqlite3"), keystore: RsaTestKeystore(), pin: pin,
            clock: fixedClock(t0), options: fastWrapper
        )
        let theirs = try await other.unlock(pin: pin).containers(transport: fake.transport())
        let moved = try await theirs.register(uri: fake.registrationUri(prompt: nil))
        fake.regenerateAll()
        let added = try await theirs.sync(id: moved.id).added.map(\.serial)
        XCTAssertEqual(added, ["TOTP0001"])
        let away = await vaktError { try await containers.sync(id: first.id) }
        XCTAssertEqual(away, .containerNotRegisteredHere(id: first.id))
        let state = try await containers.list().first?.state
        XCTAssertEqual(state, .notRegisteredHere)
    }

    func testContainerErrorsMapBothWays() {
        let table: [(VaktFFIError, VaktError)] = [
            (.DeletionNotAllowed(id: 3, containerId: 1), .deletionNotAllowed(id: 3, containerId: 1)),
            (.PassphraseRequired(prompt: "Q?"), .passphraseRequired(prompt: "Q?")),
            (.RegistrationRefused, .registrationRefused),
            (.ContainerAlreadyRegistered(id: 2), .containerAlreadyRegistered(id: 2)),
            (.NoSuchContainer(id: 4), .noSuchContainer(id: 4)),
            (.ContainerNotRegisteredHere(id: 5), .containerNotRegisteredHere(id: 5)),
            (.NotAllowedByServer(action: "unregister"), .notAllowedByServer(action: "unregister")),
        ]
        for (generated, expected) in table {
            XCTAssertEqual(VaktError(generated), expected)
            XCTAssertEqual(expected.generated, generated)
            XCTAssertEqual(expected.errorDescription, generated.description)
            XCTAssertFalse((expected.errorDescription ?? "=").contains("="), "a sentence, not a field dump")
            XCTAssertFalse(expected.isBadInput)
        }
    }
}
