import Foundation
@testable import Vakt
import XCTest

// The Swift wrapper (module Vakt): async/await, VaktError, the AsyncStream of
// codes. Mirrors WrapperTests.kt.

private let fastWrapper: VaktVault.Options = {
    _ = fast
    return VaktVault.Options(minPinLength: 4)
}()

final class WrapperTests: VaktTestCase {
    private let key = randomBytes(32)

    /// A vault and its unblock code, revealed (the tests type it back in).
    private func wrapperVault(at seconds: UInt64 = 59) async throws -> (vault: VaktVault, unblockCode: String) {
        let created = try await VaktVault.create(
            at: dir.appendingPathComponent("w/vault.sqlite3"),
            keystore: AESGCMKeystore(key: key),
            pin: pin,
            clock: fixedClock(seconds),
            options: fastWrapper
        )
        return (created.vault, created.unblockCode.reveal())
    }

    /// The error `body` throws, as a wrapper `VaktError`.
    private func vaktError<T>(_ body: () async throws -> T, file: StaticString = #filePath, line: UInt = #line) async -> Vakt.VaktError? {
        do {
            _ = try await body()
            XCTFail("nothing was thrown", file: file, line: line)
        } catch let error as Vakt.VaktError {
            return error
        } catch {
            XCTFail("not a VaktError: \(error)", file: file, line: line)
        }
        return nil
    }

    func testEveryGeneratedErrorMaps() {
        let table: [(VaktFFIError, Vakt.VaktError)] = [
            (.InvalidUri(field: "digits", message: "d"), .invalidUri(field: "digits", message: "d")),
            (.InvalidKey(message: "k"), .invalidKey(message: "k")),
            (.InvalidOrgKey(message: "o"), .invalidOrgKey(message: "o")),
            (.InvalidParameter(message: "p"), .invalidParameter(message: "p")),
            (.InvalidPin(reason: .tooShort(min: 6), message: "p"), .invalidPin(reason: .tooShort(min: 6), message: "p")),
            (.MistypedUnblockCode(reason: .check, message: "m"), .mistypedUnblockCode(reason: .check, message: "m")),
            (.InvalidInput(message: "i"), .invalidInput(message: "i")),
            (.WrongPin(attemptsLeft: 2), .wrongPin(attemptsLeft: 2)),
            (.Blocked, .blocked),
            (.WrongUnblockCode(failedAttempts: 4), .wrongUnblockCode(failedAttempts: 4)),
            (.NotInitialized, .notInitialized),
            (.AlreadyInitialized, .alreadyInitialized),
            (.VaultUnreadable(reason: .wrongDevice), .vaultUnreadable(.wrongDevice)),
            (.Duplicate(existingId: 7), .duplicate(existingId: 7)),
            (.NoSuchAccount(id: 8), .noSuchAccount(id: 8)),
            (.NotCounterBased(id: 9), .notCounterBased(id: 9)),
            (.Locked, .locked),
            (.NoQrCode, .noQrCode),
            (.NotAnAuthenticatorQr(scheme: "wifi"), .notAnAuthenticatorQr(scheme: "wifi")),
            (.NotAnAuthenticatorQr(scheme: nil), .notAnAuthenticatorQr(scheme: nil)),
            (.BackupUnreadable(reason: .truncated), .backupUnreadable(.truncated)),
            (.BackupHasNoPassphrase, .backupHasNoPassphrase),
            (.NoBackupKey, .noBackupKey),
            (.WrongBackupSecret(failedAttempts: 3), .wrongBackupSecret(failedAttempts: 3)),
            (.ImportPasswordNeeded, .importPasswordNeeded),
            (.WrongImportPassword, .wrongImportPassword),
            (.ImportFailed(message: "f"), .importFailed(message: "f")),
            (.VaultDamaged(movedTo: "/v.damaged-1"), .vaultDamaged(movedTo: "/v.damaged-1")),
            (.StorageFull, .storageFull),
            (.StorageNotWritable, .storageNotWritable),
            (.StorageUnavailable, .storageUnavailable),
            (.BiometricNotEnabled, .biometricNotEnabled),
            (.BiometricCancelled, .biometricCancelled),
            (.BiometricLockedOut, .biometricLockedOut),
            (.BiometricInvalidated, .biometricInvalidated),
            (.Storage(message: "s"), .storage(message: "s")),
            (.Keystore(message: "k"), .keystore(message: "k")),
            (.Internal(message: "i"), .internalFailure(message: "i")),
        ]
        for (generated, expected) in table {
            XCTAssertEqual(Vakt.VaktError(generated), expected)
            // One English text for every platform: Rust's `Display`, never re-worded here.
            XCTAssertEqual(expected.errorDescription, generated.description)
            XCTAssertFalse((expected.errorDescription ?? "=").contains("="), "a sentence, not a field dump")
        }
        XCTAssertEqual(Vakt.VaktError.wrongPin(attemptsLeft: 1).errorDescription,
                       "wrong PIN: 1 attempt left before the vault is blocked")
        XCTAssertTrue(Vakt.VaktError.invalidKey(message: "k").isBadInput)
        XCTAssertTrue(Vakt.VaktError.invalidOrgKey(message: "o").isBadInput)
        XCTAssertFalse(Vakt.VaktError.blocked.isBadInput)
    }

    func testCancelledCallStopsWaitingLockNeverWaitsIdleAndBackground() async throws {
        // A clock that blocks once armed: a native call stuck in a callback, as a slow request would be.
        let manual = ManualClock(1_000)
        let blocking = BlockingClock(manual)
        let (vault, _) = try await VaktVault.create(
            at: dir.appendingPathComponent("life/vault.sqlite3"), keystore: AESGCMKeystore(key: key),
            pin: pin, clock: blocking, options: fastWrapper
        )
        let session = try await vault.unlock(pin: pin)
        blocking.arm()
        let stuck = Task { try await session.codes() }
        XCTAssertEqual(blocking.entered.wait(timeout: .now() + 10), .success, "the native call started")
        stuck.cancel()
        let outcome = await stuck.result // returns although the native call is still blocked
        guard case .failure(let error) = outcome, error is CancellationError else { return XCTFail("\(outcome)") }
        session.lock() // returns at once, the call still in progress
        XCTAssertTrue(session.isLocked)
        blocking.release()
        let late = await vaktError { try await session.accounts() }
        XCTAssertEqual(late, .locked)

        let idle = try await vault.unlock(pin: pin)
        idle.setIdleTimeout(60)
        manual.set(1_059)
        _ = try await idle.accounts()
        manual.set(1_118)
        XCTAssertFalse(idle.isLocked, "59 s after the last call")
        manual.set(1_119)
        XCTAssertTrue(idle.isLocked, "60 s without a call")

        let away = try await vault.unlock(pin: pin)
        away.enteredBackground(lockAfter: 30)
        manual.set(1_148)
        XCTAssertTrue(away.enteredForeground(), "back within 30 s")
        away.enteredBackground(lockAfter: 30)
        manual.set(1_178)
        XCTAssertFalse(away.enteredForeground(), "away 30 s: locked")
        let now = try await vault.unlock(pin: pin)
        now.enteredBackground(lockAfter: 0)
        XCTAssertTrue(now.isLocked, "no grace: at once")

        // The clock offset through the wrapper, measured from a server's Date.
        let timed = try await vault.unlock(pin: pin)
        let sent = Date(timeIntervalSince1970: 784_111_650)
        let offset = measureClockOffset(date: "Sun, 06 Nov 1994 08:49:37 GMT", sent: sent, received: sent + 2)
        XCTAssertEqual(offset, 126)
        XCTAssertNil(measureClockOffset(date: "not a date", sent: sent, received: sent))
        try await timed.setClockOffset(126)
        let kept = try await timed.clockOffset()
        XCTAssertEqual(kept, 126)
    }

    func testBiometricsThroughTheWrapper() async throws {
        let (vault, _) = try await wrapperVault()
        let finger = FakeBiometricKey(0x21)
        let s = try await vault.unlock(pin: pin)
        try await s.enableBiometrics(pin: pin, key: finger)
        let enabled = try await vault.biometricEnabled()
        XCTAssertTrue(enabled)
        let opened = try await vault.unlockWithBiometrics(finger)
        let accounts = try await opened.accounts()
        XCTAssertTrue(accounts.isEmpty)
        finger.failNext(.Cancelled)
        let cancelled = await vaktError { try await vault.unlockWithBiometrics(finger) }
        XCTAssertEqual(cancelled, .biometricCancelled)
        try await s.disableBiometrics()
        let off = await vaktError { try await vault.unlockWithBiometrics(finger) }
        XCTAssertEqual(off, .biometricNotEnabled)
    }

    func testCreateUnlockAddCodes() async throws {
        let (vault, unblockCode) = try await wrapperVault()
        XCTAssertEqual(unblockCode.count, 23)
        let status = try await vault.status()
        XCTAssertEqual(status.attemptsLeft, 3)
        XCTAssertFalse(status.blocked)
        let s = try await vault.unlock(pin: pin)
        let id = try await s.add(uri: rfcUri("SHA1"))
        var manual = ManualKey(issuer: "Hotp", accountName: "bob", key: rfcSha1)
        manual.type = .hotp
        let hotp = try await s.add(manual: manual)
        let rows = try await s.codes(at: Date(timeIntervalSince1970: 59))
        XCTAssertEqual(rows[0].code, "94287082")
        XCTAssertEqual(rows[0].timeLeft, 1)
        XCTAssertEqual(rows[0].validUntil, Date(timeIntervalSince1970: 60))
        XCTAssertFalse(rows[0].counterBased)
        XCTAssertTrue(rows[1].counterBased)
        let next = try await s.nextCode(id: hotp)
        XCTAssertEqual(next, "755224")
        let duplicate = await vaktError { try await s.add(uri: rfcUri("SHA1")) }
        XCTAssertEqual(duplicate, .duplicate(existingId: id))
        let bad = await vaktError { try await s.add(uri: "otpauth://totp/x?digits=6") }
        guard case .invalidUri("secret", _)? = bad else { return XCTFail("\(String(describing: bad))") }
        try await s.rename(id: id, accountName: "rfc", issuer: "IETF")
        try await s.reorder([hotp, id])
        let names = try await s.accounts().map(\.accountName)
        XCTAssertEqual(names, ["bob", "rfc"])
        try await s.delete(id: hotp)
        let fresh = try await s.reissueUnblockCode().reveal()
        XCTAssertNotEqual(fresh, unblockCode)
        let wrong = await vaktError { try await vault.unlock(pin: otherPin) }
        XCTAssertEqual(wrong, .wrongPin(attemptsLeft: 2))
    }

    func testLockoutAndUnblock() async throws {
        let (vault, unblockCode) = try await wrapperVault()
        for _ in 0..<2 { _ = await vaktError { try await vault.unlock(pin: otherPin) } }
        let blocked = await vaktError { try await vault.unlock(pin: otherPin) }
        XCTAssertEqual(blocked, .blocked)
        let mistyped = await vaktError { try await vault.unblock(code: "nope", newPin: otherPin) }
        guard case .mistypedUnblockCode? = mistyped else { return XCTFail() }
        let unblocked = try await vault.unblock(code: unblockCode, newPin: otherPin)
        XCTAssertNotEqual(unblocked.unblockCode.reveal(), unblockCode)
        try await vault.changePin(current: otherPin, new: "5092")
        _ = try await vault.unlock(pin: "5092")
    }

    func testOpenErrors() async throws {
        let url = dir.appendingPathComponent("w/vault.sqlite3")
        let missing = await vaktError { try await VaktVault.open(at: url, keystore: AESGCMKeystore(key: self.key)) }
        XCTAssertEqual(missing, .notInitialized)
        _ = try await wrapperVault()
        let again = await vaktError { try await self.wrapperVault() }
        XCTAssertEqual(again, .alreadyInitialized)
        let other = try await VaktVault.open(at: url, keystore: AESGCMKeystore(), options: fastWrapper)
        let wrongDevice = await vaktError { try await other.unlock(pin: pin) }
        XCTAssertEqual(wrongDevice, .vaultUnreadable(.wrongDevice))
    }

    func testLockedSessionAndStreamEnd() async throws {
        let s = try await wrapperVault().vault.unlock(pin: pin)
        XCTAssertFalse(s.isLocked)
        s.lock()
        XCTAssertTrue(s.isLocked)
        let locked = await vaktError { try await s.codes() }
        XCTAssertEqual(locked, .locked)
        var emissions = 0
        for try await _ in s.codeUpdates() { emissions += 1 }
        XCTAssertEqual(emissions, 0, "the stream of a locked session ends at once")
    }

    func testCodeUpdatesFirstEmissionThenTicks() async throws {
        let s = try await wrapperVault(at: 59).vault.unlock(pin: pin)
        _ = try await s.add(uri: rfcUri("SHA1"))
        _ = try await s.add(uri: rfcUri("SHA256", label: "RFC:sha256"))
        _ = try await s.add(uri: hotpUri)
        var iterator = s.codeUpdates(every: 0.1).makeAsyncIterator()
        let first = try await iterator.next()
        XCTAssertEqual(first?.map(\.code), ["94287082", "46119246", nil])
        XCTAssertEqual(first?.map(\.timeLeft), [1, 1, nil])
        let second = try await iterator.next()
        XCTAssertEqual(second, first, "a fixed clock gives the same rows")
    }

    func testManyTasksAtOnce() async throws {
        let s = try await wrapperVault().vault.unlock(pin: pin)
        _ = try await s.add(uri: rfcUri("SHA512"))
        let codes = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<32 {
                group.addTask { try await s.codes(at: Date(timeIntervalSince1970: 1_111_111_111))[0].code }
            }
            var all: [String?] = []
            for try await code in group { all.append(code) }
            return all
        }
        XCTAssertEqual(codes, Array(repeating: "99943326", count: 32))
    }

    /// An image file as an app on this platform decodes it (see `lumaPlane`), scanned by the wrapper.
    private func scanned(_ image: Data) throws -> [ScannedQr] {
        let plane = try lumaPlane(image, white: true)
        return try QrScanner.scanImage(luma: plane.data, width: plane.width, height: plane.height, bytesPerRow: plane.stride)
    }

    func testQrScannerAndScannedQr() async throws {
        XCTAssertEqual(QrScanner.maxImagePixels, 40_000_000, "the image limit the wrapper checks is Rust's")
        let qr = try scanned(try fixture("privacyidea/totp_qr.png"))
        guard case let .account(details)? = try qr.first?.content() else { return XCTFail("\(qr)") }
        XCTAssertEqual(details.accountName, "TOTP0000F42C")
        XCTAssertEqual("\(qr[0])", "ScannedQr")
        let plane = try lumaPlane(try fixture("qr/generated/clean.png"), padding: 16)
        let framed = try QrScanner.scanFrame(luma: plane.data, width: plane.width, height: plane.height, bytesPerRow: plane.stride)
        guard case .account? = try framed.first?.content() else { return XCTFail() }
        // The same frame read in place, as from a locked CVPixelBuffer's plane 0.
        let inPlace = try plane.data.withUnsafeBytes {
            try QrScanner.scanFrame(luma: $0, width: plane.width, height: plane.height, bytesPerRow: plane.stride)
        }
        guard case let .account(inPlaceDetails)? = try inPlace.first?.content() else { return XCTFail() }
        XCTAssertEqual(inPlaceDetails.issuer, "Amazon Web Services")
        let blank = Data(repeating: 0xFF, count: 120 * 120)
        XCTAssertTrue(try blank.withUnsafeBytes { try QrScanner.scanFrame(luma: $0, width: 120, height: 120, bytesPerRow: 120) }.isEmpty)
        XCTAssertThrowsError(try blank.prefix(100).withUnsafeBytes {
            try QrScanner.scanFrame(luma: $0, width: 120, height: 120, bytesPerRow: 120)
        }) {
            guard case .invalidInput? = $0 as? Vakt.VaktError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try QrScanner.scanFrame(luma: UnsafeRawBufferPointer(start: nil, count: 0), width: 1, height: 1, bytesPerRow: 1)) {
            guard case .invalidInput? = $0 as? Vakt.VaktError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try QrScanner.scanFrame(luma: blank, width: -1, height: 120, bytesPerRow: 120)) {
            guard case .invalidInput? = $0 as? Vakt.VaktError else { return XCTFail("\($0)") }
        }
        guard case let .migration(batch, accounts, _) = try QrScanner.fromText(migrationUri).content() else {
            return XCTFail()
        }
        XCTAssertEqual([batch.index, Int32(batch.size)], [0, 1])
        XCTAssertEqual(accounts.map { $0.accountName }, ["alice@google.com"])
        let progress = MigrationScanProgress()
        XCTAssertTrue(try progress.feed(try scanned(try fixture("migration/vakt-export-1-of-2.png"))[0]))
        XCTAssertEqual(try progress.missing().map { $0.missing }, [[1]])
        XCTAssertFalse(try progress.isComplete())
        XCTAssertThrowsError(try progress.feed(qr[0])) {
            guard case .invalidInput? = $0 as? Vakt.VaktError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try scanned(blankPng)) { XCTAssertEqual($0 as? Vakt.VaktError, .noQrCode) }
        let still = try QrScanner.scanImage(luma: plane.data, width: plane.width, height: plane.height, bytesPerRow: plane.stride)
        guard case .account? = try still.first?.content() else { return XCTFail() }
        XCTAssertThrowsError(try QrScanner.scanImage(luma: Data(count: 10), width: 120, height: 120, bytesPerRow: 120)) {
            guard case .invalidInput? = $0 as? Vakt.VaktError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try QrScanner.scanImage(luma: Data(count: 100), width: 10, height: 10, bytesPerRow: 9)) {
            guard case .invalidInput? = $0 as? Vakt.VaktError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try QrScanner.fromText("https://x.example").content()) {
            XCTAssertEqual($0 as? Vakt.VaktError, .notAnAuthenticatorQr(scheme: "https"))
        }
        let s = try await wrapperVault().vault.unlock(pin: pin)
        let code = try scanned(try fixture("migration/vakt-export-2-of-2.png"))[0]
        let added = try await s.add(scanned: code)
        XCTAssertTrue(!added.isEmpty && added.allSatisfy { $0.outcome != .duplicate(existingId: $0.id) })
        let again = try await s.add(scanned: code)
        XCTAssertEqual(again.map { $0.id }, added.map { $0.id })
        XCTAssertTrue(again.allSatisfy { $0.outcome == .duplicate(existingId: $0.id) })
    }

    func testScanImageFilesWithImageIO() throws {
        #if canImport(ImageIO)
        let qr = try QrScanner.scanImage(data: try fixture("privacyidea/totp_qr.png"))
        guard case let .account(details)? = try qr.first?.content() else { return XCTFail() }
        XCTAssertEqual(details.accountName, "TOTP0000F42C")
        XCTAssertThrowsError(try QrScanner.scanImage(data: blankPng)) { XCTAssertEqual($0 as? Vakt.VaktError, .noQrCode) }
        XCTAssertThrowsError(try QrScanner.scanImage(data: Data("not an image".utf8))) {
            guard case .notAnImage? = $0 as? Vakt.VaktError else { return XCTFail("\($0)") }
        }
        guard case .account? = try QrScanner.scanImage(data: try transparentQrPng()).first?.content() else {
            return XCTFail("a transparent background reads as light")
        }
        guard case .migration? = try QrScanner.scanImage(data: try fixture("migration/vakt-export-2-of-2.png"))[0].content() else {
            return XCTFail()
        }
        #else
        throw XCTSkip("QrScanner.scanImage(data:) and scanImage(_: CGImage) need ImageIO and CoreGraphics (Apple platforms)")
        #endif
    }

    func testQrImageDrawnWithCoreGraphicsScans() async throws {
        #if canImport(ImageIO)
        let s = try await wrapperVault().vault.unlock(pin: pin)
        _ = try await s.add(uri: exampleUri)
        let first = try await s.accounts()[0]
        let image = try await s.accountQr(pin: pin, id: first.id)
        guard let drawn = image.cgImage(scale: 4) else { return XCTFail("no CGImage") }
        XCTAssertEqual(drawn.width, Int(image.side) * 4)
        guard case let .account(details)? = try QrScanner.scanImage(drawn).first?.content() else { return XCTFail() }
        XCTAssertEqual(details.accountName, first.accountName)
        let export = try await s.exportMigrationQrCodes(pin: pin)
        guard let exportDrawn = export.codes[0].image.cgImage(scale: 3),
              case .migration? = try QrScanner.scanImage(exportDrawn).first?.content()
        else { return XCTFail() }
        #else
        throw XCTSkip("QrImage.cgImage(scale:) needs CoreGraphics (Apple platforms)")
        #endif
    }

    func testBackupsImportsExportsAndRestore() async throws {
        let (vault, unblockCode) = try await wrapperVault()
        let s = try await vault.unlock(pin: pin)
        let report = try await s.importAccounts(.aegis, file: try fixture("imports/aegis/aegis_encrypted.json"), password: "test")
        XCTAssertEqual(report.added.count, 7)
        let needed = await vaktError { try await s.importAccounts(.aegis, file: try fixture("imports/aegis/aegis_encrypted.json")) }
        XCTAssertEqual(needed, .importPasswordNeeded)
        let wrongPassword = await vaktError {
            try await s.importAccounts(.aegis, file: try fixture("imports/aegis/aegis_encrypted.json"), password: "nope")
        }
        XCTAssertEqual(wrongPassword, .wrongImportPassword)
        let failed = await vaktError { try await s.importAccounts(.authy, file: try fixture("imports/aegis/plain.txt")) }
        guard case .importFailed? = failed else { return XCTFail() }
        let aegis = try await s.exportAegis(pin: pin)
        XCTAssertFalse(aegis.isEmpty)
        let export = try await s.exportMigrationQrCodes(pin: pin)
        XCTAssertEqual(export.codes.count, 1)
        let first = try await s.accounts()[0]
        let wrongPin = await vaktError { try await s.accountQr(pin: "1111", id: first.id) }
        XCTAssertEqual(wrongPin, .wrongPin(attemptsLeft: 2))
        let image = try await s.accountQr(pin: pin, id: first.id)
        let drawn = qrLuma(image, scale: 4)
        guard case let .account(details)? = try QrScanner.scanImage(
            luma: drawn.data, width: drawn.side, height: drawn.side, bytesPerRow: drawn.side
        ).first?.content() else { return XCTFail() }
        XCTAssertEqual(details.accountName, first.accountName)
        let exportDrawn = qrLuma(export.codes[0].image, scale: 3)
        guard case .migration? = try QrScanner.scanImage(
            luma: exportDrawn.data, width: exportDrawn.side, height: exportDrawn.side, bytesPerRow: exportDrawn.side
        ).first?.content() else { return XCTFail() }
        let before = try await s.changeCount()
        try await s.setBackupPassphrase("correct horse battery")
        let after = try await s.changeCount()
        XCTAssertGreaterThan(after, before)
        let backup = try await s.backup()
        let removed = try await s.removeBackupPassphrase()
        XCTAssertTrue(removed)
        XCTAssertTrue(try VaktVault.inspect(backup: backup).hasPassphrase)
        XCTAssertThrowsError(try VaktVault.inspect(backup: Data(count: 40))) {
            XCTAssertEqual($0 as? Vakt.VaktError, .backupUnreadable(.notABackup))
        }
        let url = dir.appendingPathComponent("new-device/vault.sqlite3")
        let keystore = AESGCMKeystore()
        let wrong = await vaktError {
            try await VaktVault.restore(
                at: url, keystore: keystore, backup: backup, secret: .unblockCode("00000-00000-00000-00000"),
                newPin: otherPin, options: fastWrapper
            )
        }
        XCTAssertEqual(wrong, .wrongBackupSecret(failedAttempts: 1))
        let secret = VaktVault.BackupSecret.passphrase("correct horse battery")
        XCTAssertFalse("\(secret)".contains("horse"))
        let restored = try await VaktVault.restore(
            at: url, keystore: keystore, backup: backup, secret: secret, newPin: otherPin, clock: fixedClock(59),
            options: fastWrapper
        )
        XCTAssertEqual(restored.restored, 7)
        XCTAssertNotEqual(restored.unblockCode.reveal(), unblockCode)
        let restoredAccounts = try await restored.session.accounts()
        XCTAssertEqual(restoredAccounts.count, 7)
        let plain = try await s.backup()
        let noPhrase = await vaktError {
            try await VaktVault.restore(
                at: self.dir.appendingPathComponent("third/vault.sqlite3"), keystore: keystore, backup: plain,
                secret: .passphrase("x"), newPin: otherPin, options: fastWrapper
            )
        }
        XCTAssertEqual(noPhrase, .backupHasNoPassphrase)
    }

    func testNoBackupKey() async throws {
        let v1 = dir.appendingPathComponent("v1")
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("vaults/v1"), to: v1)
        let keystore = try fixtureKeystore(v1.appendingPathComponent("device.key"))
        let vault = try await VaktVault.open(at: v1.appendingPathComponent("vault.sqlite3"), keystore: keystore, options: fastWrapper)
        let s = try await vault.unlock(pin: pin)
        let error = await vaktError { try await s.backup() }
        XCTAssertEqual(error, .noBackupKey)
    }

    func testOtpauth() throws {
        XCTAssertEqual(try Otpauth.parse(rfcUri("SHA1")).issuer, "RFC")
        XCTAssertEqual(try Otpauth.code(rfcUri("SHA1"), at: Date(timeIntervalSince1970: 1_234_567_890)), "89005924")
        XCTAssertThrowsError(try Otpauth.parse("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=99")) {
            guard case .invalidUri("digits", _)? = $0 as? Vakt.VaktError else { return XCTFail("\($0)") }
        }
        XCTAssertEqual(fixedClock(77).nowUnix(), 77)
    }

    func testSecureEnclaveKeystoreRoundTrip() throws {
        #if canImport(Security) && canImport(CryptoKit)
        // Runs on a device, a simulator or a Mac: in the Secure Enclave where there
        // is one, else on a Keychain P-256 key (see SecureEnclaveKeystore).
        let keystore = SecureEnclaveKeystore(tag: "app.vakt.test.\(UUID().uuidString)")
        defer { keystore.deleteKey() }
        XCTAssertThrowsError(try keystore.unwrap(wrapped: Data(count: 100))) {
            XCTAssertEqual($0 as? KeystoreFailure, .KeyMissing)
        }
        let blob: Data
        do {
            blob = try keystore.wrap(plaintext: Data("slot".utf8))
        } catch let KeystoreFailure.Failed(message) {
            // e.g. `swift test` on a Mac: an unsigned test runner has no keychain entitlement.
            throw XCTSkip("no keychain access for this test runner (\(message))")
        }
        XCTAssertEqual(try keystore.unwrap(wrapped: blob), Data("slot".utf8))
        var tampered = blob
        tampered[tampered.count - 1] ^= 1
        XCTAssertThrowsError(try keystore.unwrap(wrapped: tampered)) {
            XCTAssertEqual($0 as? KeystoreFailure, .Rejected)
        }
        // A P-384 container key in the Keychain: SPKI out, ECDSA-SHA256 that verifies.
        let alias = "test-\(UUID().uuidString.prefix(8))"
        defer { try? keystore.deleteSigningKey(alias: alias) }
        let spki = try keystore.createEcdsaKey(alias: alias)
        XCTAssertEqual(spki.prefix(P384PublicKey.spkiPrefix.count), P384PublicKey.spkiPrefix)
        let message = Data("nonce|time|serial|scope".utf8)
        let signature = try keystore.signEcdsa(alias: alias, message: message)
        XCTAssertTrue(p384VerifySha256(spki: spki, message: message, signature: signature))
        XCTAssertThrowsError(try keystore.sign(alias: alias, message: message)) {
            XCTAssertEqual($0 as? KeystoreFailure, .KeyMissing, "not an RSA key")
        }
        try keystore.deleteSigningKey(alias: alias)
        XCTAssertThrowsError(try keystore.signEcdsa(alias: alias, message: message)) {
            XCTAssertEqual($0 as? KeystoreFailure, .KeyMissing)
        }
        #else
        throw XCTSkip("SecureEnclaveKeystore needs the Keychain and the Secure Enclave (Apple platforms)")
        #endif
    }
}
