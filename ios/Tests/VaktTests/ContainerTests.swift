import Foundation
import VaktFFI
import XCTest

// privacyIDEA smartphone containers through the generated bindings against
// the FakeContainer test door (written once in Rust: it verifies every P-384
// signature and encrypts its answers as privacyIDEA does); the same cases as
// ContainerTests.kt.

/// The container's serial in the fake server.
private let serial = "SMPH000051AC"

/// The TOTP code of a base32 `secret` at `at` (30 s, 6 digits, SHA-1: what the fake server issues).
func containerTotp(_ secret: String, at: Date) throws -> String {
    try codeForUri(uri: "otpauth://totp/x?secret=\(secret)&period=30&digits=6", at: at)
}

/// A phone for containers: a vault with the software keystore (it makes P-384 keys) and the fake server.
private final class ContainerPhone {
    let fake: FakeContainer
    let transport: VaktFFI.HttpTransport
    let session: VaktFFI.Session

    init(_ test: VaktTestCase, name: String, fake: FakeContainer) throws {
        self.fake = fake
        transport = fake.transport()
        let created = try createVault(
            path: test.path("\(name)/vault.sqlite3"), keystore: try softwareKeystore(keyFile: test.path("\(name)/device.key")),
            clock: fixedClock(unixSeconds: t0), pin: pin, options: fast
        )
        session = try created.vault.unlock(pin: pin)
    }

    @discardableResult
    func register(passphrase: String? = nil, uri: String? = nil) throws -> VaktFFI.Container {
        try session.registerContainer(
            code: ScannedCode.fromText(text: uri ?? fake.registrationUri(prompt: nil)), passphrase: passphrase,
            deviceBrand: "Vakt", deviceModel: "swift", transport: transport, allowInsecure: false
        )
    }

    @discardableResult
    func sync(_ id: Int64) throws -> VaktFFI.ContainerSyncReport {
        try session.syncContainer(id: id, transport: transport, allowInsecure: false, notificationToken: nil)
    }

    /// The TOTP codes at `at` by account name.
    func codes(at: Date) throws -> [String: String] {
        var codes: [String: String] = [:]
        for row in try session.codesAt(at: at) where !row.counterBased {
            codes[row.account.accountName] = row.code
        }
        return codes
    }
}

final class ContainerTests: VaktTestCase {
    private func details(_ uri: String) throws -> ContainerRegistrationDetails? {
        if case let .containerRegistration(details) = try ScannedCode.fromText(text: uri).content() { return details }
        XCTFail("not a container registration")
        return nil
    }

    func testRegisterSyncCodesMatchRemovalsKept() throws {
        let fake = FakeContainer()
        fake.addToken(serial: "TOTP0001", tokenType: "totp")
        fake.addToken(serial: "HOTP0001", tokenType: "hotp")
        let phone = try ContainerPhone(self, name: "a", fake: fake)
        let uri = fake.registrationUri(prompt: nil)
        let scanned = try XCTUnwrap(details(uri))
        XCTAssertEqual(scanned.serial, serial)
        XCTAssertEqual(scanned.serverUrl, "http://127.0.0.1:41021")
        XCTAssertEqual(scanned.ttl, 600)
        XCTAssertNil(scanned.passphrasePrompt)
        XCTAssertFalse(fake.isRegistered())
        let c = try phone.register(uri: uri)
        XCTAssertTrue(fake.isRegistered())
        XCTAssertEqual(c.serial, serial)
        XCTAssertEqual(c.state, .registered)
        XCTAssertEqual(c.registeredAt, Date(timeIntervalSince1970: TimeInterval(t0)))
        XCTAssertNil(c.lastSync)
        XCTAssertEqual(ffiError { try phone.register() }, .ContainerAlreadyRegistered(id: c.id))

        let report = try phone.sync(c.id)
        XCTAssertEqual(report.containerId, c.id)
        XCTAssertEqual(Set(report.added.map(\.serial)), ["TOTP0001", "HOTP0001"])
        XCTAssertTrue(report.removed.isEmpty && report.failed.isEmpty)
        let at = Date(timeIntervalSince1970: TimeInterval(t0))
        let totpSecret = try XCTUnwrap(fake.secretOf(serial: "TOTP0001"))
        XCTAssertEqual(try phone.codes(at: at)["TOTP0001"], try containerTotp(totpSecret, at: at))
        let hotpId = try XCTUnwrap(report.added.first { $0.serial == "HOTP0001" }).entryId
        let hotpSecret = try XCTUnwrap(fake.secretOf(serial: "HOTP0001"))
        XCTAssertEqual(
            try phone.session.nextCode(id: hotpId),
            try codeForUri(uri: "otpauth://hotp/x?secret=\(hotpSecret)&counter=1&digits=6", at: at)
        )
        XCTAssertNil(fake.secretOf(serial: "NOPE0001"))

        fake.removeToken(serial: "HOTP0001")
        let second = try phone.sync(c.id)
        XCTAssertEqual(second.removed.map(\.serial), ["HOTP0001"])
        XCTAssertEqual(second.updated.map(\.serial), ["TOTP0001"])
        XCTAssertTrue(try phone.session.accounts().contains { $0.id == hotpId }, "a removed token stays in the vault")
        let listed = try XCTUnwrap(try phone.session.containers().first)
        XCTAssertEqual(listed.lastSync, at)
        XCTAssertEqual(listed.tokens.first { $0.serial == "HOTP0001" }?.removed, true)
        XCTAssertEqual(listed.tokens.first { $0.serial == "TOTP0001" }?.kind, .account)

        XCTAssertEqual(
            ffiError {
                try phone.session.registerContainer(
                    code: ScannedCode.fromText(text: "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example"),
                    passphrase: nil, deviceBrand: nil, deviceModel: nil, transport: phone.transport, allowInsecure: false
                )
            },
            .InvalidInput(message: "not a container registration code")
        )
    }

    func testForgedReplayedAndForeignAnswersChangeNothing() throws {
        let fake = FakeContainer()
        fake.addToken(serial: "TOTP0001", tokenType: "totp")
        let phone = try ContainerPhone(self, name: "b", fake: fake)
        let id = try phone.register().id
        try phone.sync(id)
        fake.addToken(serial: "TOTP0002", tokenType: "totp")
        let accounts = try phone.session.accounts()
        let containers = try phone.session.containers()
        for fault in ["flip", "replay", "other_container"] {
            try fake.setFault(fault: fault)
            XCTAssertEqual(ffiError { try phone.sync(id) }, .UnexpectedPushReply, fault)
            XCTAssertEqual(try phone.session.accounts(), accounts, fault)
            XCTAssertEqual(try phone.session.containers(), containers, fault)
        }
        try fake.setFault(fault: "unreachable")
        guard case .PushNetwork? = ffiError({ try phone.sync(id) }) else { return XCTFail("not a network error") }
        try fake.setFault(fault: "none")
        guard case .InvalidInput? = ffiError({ try fake.setFault(fault: "sideways") }) else { return XCTFail("an unknown fault") }
        XCTAssertEqual(try phone.sync(id).added.map(\.serial), ["TOTP0002"])
    }

    func testRolloverMovesTheContainer() throws {
        let fake = FakeContainer()
        fake.addToken(serial: "TOTP0001", tokenType: "totp")
        let old = try ContainerPhone(self, name: "old", fake: fake)
        let oldId = try old.register().id
        let oldAccount = try XCTUnwrap(try old.sync(oldId).added.first).entryId
        let new = try ContainerPhone(self, name: "new", fake: fake)
        let newId = try new.register().id
        fake.regenerateAll()
        XCTAssertEqual(try new.sync(newId).added.map(\.serial), ["TOTP0001"])
        let at = Date(timeIntervalSince1970: TimeInterval(t0))
        XCTAssertEqual(try new.codes(at: at)["TOTP0001"], try containerTotp(try XCTUnwrap(fake.secretOf(serial: "TOTP0001")), at: at))

        XCTAssertEqual(ffiError { try old.sync(oldId) }, .ContainerNotRegisteredHere(id: oldId))
        XCTAssertEqual(try old.session.containers().first?.state, .notRegisteredHere)
        XCTAssertTrue(try old.session.accounts().contains { $0.id == oldAccount })
        try old.session.unregisterContainer(id: oldId, transport: old.transport, allowInsecure: false)
        XCTAssertTrue(try old.session.containers().isEmpty)
        XCTAssertTrue(fake.isRegistered(), "the new phone is still registered")
        try new.sync(newId)
    }

    func testPassphrasePrompt() throws {
        let fake = FakeContainer()
        let phone = try ContainerPhone(self, name: "p", fake: fake)
        let uri = fake.registrationUri(prompt: "Your colour?")
        XCTAssertEqual(try details(uri)?.passphrasePrompt, "Your colour?")
        XCTAssertEqual(ffiError { try phone.register(uri: uri) }, .PassphraseRequired(prompt: "Your colour?"))
        let refused = ffiError { try phone.register(passphrase: "crimson-7", uri: uri) }
        XCTAssertEqual(refused, .RegistrationRefused)
        XCTAssertFalse("\(String(describing: refused))".contains("crimson"))
        XCTAssertTrue(try phone.session.containers().isEmpty)
        XCTAssertEqual(try phone.register(passphrase: "blue", uri: uri).state, .registered)
    }

    func testPoliciesThenUnregister() throws {
        let fake = FakeContainer()
        fake.addToken(serial: "TOTP0001", tokenType: "totp")
        let phone = try ContainerPhone(self, name: "q", fake: fake)
        let id = try phone.register().id
        fake.setPolicies(disableTokenDeletion: true, disableUnregister: true)
        let account = try XCTUnwrap(try phone.sync(id).added.first).entryId
        let policies = try XCTUnwrap(try phone.session.containers().first).policies
        XCTAssertTrue(policies.disableTokenDeletion && policies.disableUnregister)
        XCTAssertEqual(ffiError { try phone.session.delete(id: account) }, .DeletionNotAllowed(id: account, containerId: id))
        XCTAssertEqual(
            ffiError { try phone.session.unregisterContainer(id: id, transport: phone.transport, allowInsecure: false) },
            .NotAllowedByServer(action: "unregister")
        )
        XCTAssertTrue(fake.isRegistered())

        fake.setPolicies(disableTokenDeletion: false, disableUnregister: false)
        try phone.sync(id)
        try phone.session.unregisterContainer(id: id, transport: phone.transport, allowInsecure: false)
        XCTAssertFalse(fake.isRegistered())
        XCTAssertTrue(try phone.session.containers().isEmpty)
        XCTAssertTrue(try phone.session.accounts().contains { $0.id == account }, "its tokens stay")
        XCTAssertEqual(ffiError { try phone.sync(id) }, .NoSuchContainer(id: id))
        try phone.session.delete(id: account)
    }
}
