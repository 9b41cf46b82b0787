import Foundation
import VaktFFI
import XCTest

// The generated bindings for QR scanning, backups, imports and exports; the
// same cases as ScanTests.kt, BackupTests.kt and TransferTests.kt.

/// The unblock code of the saved vaults in fixtures/vaults (see its README).
private let fixtureUnblockCode = "0B97X-KEN0D-Y3XSD-BPK35"
private let passphrase = "correct horse battery"

final class ScanTests: VaktTestCase {
    private func onlyContent(_ image: Data) throws -> ScannedContent {
        let found = try scanFile(image)
        XCTAssertEqual(found.count, 1)
        return try found[0].content()
    }

    func testOtpauthQrGivesTheAccountWithoutItsKey() throws {
        guard case let .account(details) = try onlyContent(try fixture("privacyidea/totp_qr.png")) else {
            return XCTFail("not an account")
        }
        XCTAssertEqual(details.issuer, "privacyIDEA")
        XCTAssertEqual(details.accountName, "TOTP0000F42C")
        XCTAssertEqual(details.otpType, .totp)
        XCTAssertFalse("\(details)".contains("ZOS4PCTV"))
    }

    func testSeveralCodesInOneImage() throws {
        let found = try scanFile(try fixture("qr/generated/multi.png")).map { try $0.content() }
        let issuers = Set(found.compactMap { content -> String? in
            if case let .account(details) = content { return details.issuer }
            return nil
        })
        XCTAssertEqual(issuers, ["OVH", "npm", "Dropbox"])
    }

    func testJpegGifBmpDecodedByImageIO() throws {
        #if canImport(ImageIO)
        guard case .account = try onlyContent(try fixture("qr/generated/jpeg_q30.jpg")),
              case .account = try onlyContent(try reencoded(try fixture("qr/generated/clean.png"), as: "com.compuserve.gif")),
              case .account = try onlyContent(try reencoded(try fixture("privacyidea/totp_qr.png"), as: "com.microsoft.bmp"))
        else { return XCTFail() }
        #else
        throw XCTSkip("JPEG, GIF and BMP files are decoded by ImageIO (Apple platforms); the tests decode PNG only here")
        #endif
    }

    func testExportCodeListsAccountsAndBatch() throws {
        guard case let .migration(first, accounts1, unusable) = try onlyContent(try fixture("migration/vakt-export-1-of-2.png")),
              case let .migration(second, accounts2, _) = try onlyContent(try fixture("migration/vakt-export-2-of-2.png"))
        else { return XCTFail("not export codes") }
        XCTAssertEqual([first.index, second.index], [0, 1])
        XCTAssertEqual(first.size, 2)
        XCTAssertEqual(first.id, 1_234_567)
        XCTAssertEqual(accounts1.count + accounts2.count, 12)
        XCTAssertEqual(accounts1[0].issuer, "GitHub")
        XCTAssertTrue(unusable.isEmpty)
    }

    func testPushEnrolmentWithoutItsCredential() throws {
        guard case let .pushEnrolment(push) = try onlyContent(try fixture("privacyidea/push_qr.png")) else {
            return XCTFail("not a push enrolment")
        }
        XCTAssertEqual(push.serial, "PIPU0000668B")
        XCTAssertEqual(push.url, "http://127.0.0.1:5077/ttype/push")
        XCTAssertFalse(push.sslverify)
        XCTAssertTrue(push.pollOnly)
        XCTAssertFalse("\(push)".contains("6ed5882c"))
    }

    func testNoQrCodeNotAnAuthenticatorQr() throws {
        guard case .NoQrCode? = ffiError({ try scanFile(blankPng) }) else { return XCTFail() }
        let url = try scanFile(try fixture("qr/zxing-cpp-samples/qrcode-2/35.png"))
        guard case .NotAnAuthenticatorQr("http")? = ffiError({ try url[0].content() }) else { return XCTFail() }
        guard case .NotAnAuthenticatorQr("wifi")? = ffiError({ try ScannedCode.fromText(text: "WIFI:S:home;P:hunter2;;").content() })
        else { return XCTFail() }
        guard case .NotAnAuthenticatorQr(nil)? = ffiError({ try ScannedCode.fromText(text: "hunter2").content() }) else {
            return XCTFail()
        }
    }

    func testFromTextClassifiesTheSameWay() throws {
        guard case .account = try ScannedCode.fromText(text: try fixtureText("privacyidea/totp_otpauth_url.txt")).content(),
              case .pushEnrolment = try ScannedCode.fromText(text: try fixtureText("privacyidea/push_enroll_url.txt")).content(),
              case let .migration(_, accounts, _) = try ScannedCode.fromText(text: migrationUri).content()
        else { return XCTFail() }
        XCTAssertEqual(accounts.map(\.accountName), ["alice@google.com"])
        guard case .InvalidUri("secret", _)? = ffiError({ try ScannedCode.fromText(text: "otpauth://totp/A?secret=").content() })
        else { return XCTFail() }
    }

    func testScanCameraFrameWithRowPadding() throws {
        let plane = try lumaPlane(try fixture("qr/generated/clean.png"), padding: 40)
        let found = try scanCameraFrame(
            luma: plane.data, width: UInt32(plane.width), height: UInt32(plane.height), rowStride: UInt32(plane.stride)
        )
        guard found.count == 1, case let .account(details) = try found[0].content() else { return XCTFail() }
        XCTAssertEqual(details.issuer, "Amazon Web Services")
        XCTAssertTrue(try scanCameraFrame(luma: Data(repeating: 255, count: 14400), width: 120, height: 120, rowStride: 120).isEmpty)
        guard case .InvalidInput? = ffiError({ try scanCameraFrame(luma: Data(count: 10), width: 120, height: 120, rowStride: 120) })
        else { return XCTFail() }
    }

    func testTransparentBackgroundReadsOnlyComposited() throws {
        let png = try transparentQrPng()
        guard case let .account(details) = try onlyContent(png) else { return XCTFail() }
        XCTAssertEqual(details.accountName, "TOTP0000F42C")
        // Drawn without the white fill (over black), the clear pixels stay black: no code.
        let naive = try lumaPlane(png, junk: 0)
        guard case .NoQrCode? = ffiError({
            try scanStillImage(
                luma: naive.data, width: UInt32(naive.width), height: UInt32(naive.height), rowStride: UInt32(naive.stride)
            )
        }) else { return XCTFail() }
    }

    func testScanStillImageGeometryErrors() throws {
        let plane = try lumaPlane(try fixture("qr/generated/clean.png"), padding: 24)
        let found = try scanStillImage(
            luma: plane.data, width: UInt32(plane.width), height: UInt32(plane.height), rowStride: UInt32(plane.stride)
        )
        guard found.count == 1, case .account = try found[0].content() else { return XCTFail() }
        guard case .InvalidInput? = ffiError({ try scanStillImage(luma: Data(count: 10), width: 120, height: 120, rowStride: 120) }),
              case .InvalidInput? = ffiError({ try scanStillImage(luma: Data(count: 100), width: 10, height: 10, rowStride: 9) }),
              case .InvalidInput? = ffiError({ try scanStillImage(luma: Data(), width: 0, height: 0, rowStride: 0) })
        else { return XCTFail() }
    }

    func testMigrationProgress() throws {
        let progress = MigrationProgress.empty()
        XCTAssertTrue(try progress.isComplete())
        let second = try scanFile(try fixture("migration/vakt-export-2-of-2.png"))[0]
        XCTAssertTrue(try progress.feed(code: second))
        XCTAssertEqual(try progress.missing(), [MissingExportCodes(batchId: 1_234_567, batchSize: 2, missing: [0])])
        XCTAssertFalse(try progress.feed(code: second))
        XCTAssertTrue(try progress.feed(code: try scanFile(try fixture("migration/vakt-export-1-of-2.png"))[0]))
        XCTAssertTrue(try progress.isComplete())
        guard case .InvalidInput? = ffiError({ try progress.feed(code: ScannedCode.fromText(text: exampleUri)) }) else {
            return XCTFail()
        }
    }

    func testAddScanned() throws {
        let s = try newVault().vault.unlock(pin: pin)
        let totp = try scanFile(try fixture("privacyidea/totp_qr.png"))[0]
        guard case let .added(id) = try s.addScanned(code: totp)[0].outcome else { return XCTFail() }
        XCTAssertEqual(try s.addScanned(code: totp)[0].outcome, .duplicate(existingId: id))
        let batch = try s.addScanned(code: try scanFile(try fixture("migration/vakt-export-1-of-2.png"))[0])
        XCTAssertTrue(batch.count > 1)
        XCTAssertEqual(try s.accounts().count, 1 + batch.count)
        let push = ScannedCode.fromText(text: try fixtureText("privacyidea/push_enroll_url.txt"))
        guard case .InvalidInput? = ffiError({ try s.addScanned(code: push) }) else { return XCTFail() }
        guard case .NotAnAuthenticatorQr? = ffiError({ try s.addScanned(code: ScannedCode.fromText(text: "https://x")) })
        else { return XCTFail() }
    }
}

final class BackupTests: VaktTestCase {
    private func restore(
        _ backup: Data, _ kind: BackupSecretKind, _ secret: String, name: String = "restored", newPin: String = otherPin
    ) throws -> RestoredVault {
        try restoreBackup(
            path: path("\(name)/vault.sqlite3"), keystore: try softwareKeystore(keyFile: path("\(name)/device.key")),
            clock: fixedClock(unixSeconds: 59), backup: backup, secretKind: kind, secret: secret, newPin: newPin,
            options: fast
        )
    }

    func testBackupInspectRestore() throws {
        let created = try newVault()
        let s = try created.vault.unlock(pin: pin)
        let before = try s.changeCount()
        _ = try s.addUri(uri: rfcUri("SHA1"))
        XCTAssertGreaterThan(try s.changeCount(), before)
        let bytes = try s.backup()
        let info = try inspectBackup(backup: bytes)
        XCTAssertEqual(info.generation, 1)
        XCTAssertFalse(info.hasPassphrase)
        let restored = try restore(bytes, .unblockCode, created.unblockCode.reveal())
        XCTAssertEqual(restored.restored, 1)
        XCTAssertNotEqual(restored.unblockCode.reveal(), created.unblockCode.reveal())
        XCTAssertEqual(try restored.session.codesAt(at: at(59))[0].code, "94287082")
    }

    func testSavedV2BackupRestores() throws {
        let restored = try restore(try fixture("vaults/v2/backup.vaktbkp"), .unblockCode, fixtureUnblockCode)
        XCTAssertEqual(restored.restored, 4)
        XCTAssertEqual(try restored.session.accounts().map(\.issuer), ["GitHub", "Bank", "日本", "Steam"])
    }

    func testPassphrase() throws {
        let s = try newVault().vault.unlock(pin: pin)
        guard case .InvalidInput? = ffiError({ try s.setBackupPassphrase(passphrase: "too short") }) else { return XCTFail() }
        try s.setBackupPassphrase(passphrase: passphrase)
        let withPhrase = try s.backup()
        XCTAssertTrue(try s.removeBackupPassphrase())
        let without = try s.backup()
        XCTAssertTrue(try inspectBackup(backup: withPhrase).hasPassphrase)
        XCTAssertEqual(try restore(withPhrase, .passphrase, passphrase).restored, 0)
        guard case .BackupHasNoPassphrase? = ffiError({ try self.restore(without, .passphrase, passphrase, name: "b") })
        else { return XCTFail() }
    }

    func testRestoreErrors() throws {
        let created = try newVault()
        let bytes = try created.vault.unlock(pin: pin).backup()
        let wrong = "00000-00000-00000-00000"
        guard case .WrongBackupSecret(1)? = ffiError({ try self.restore(bytes, .unblockCode, wrong) }) else { return XCTFail() }
        guard case .MistypedUnblockCode? = ffiError({ try self.restore(bytes, .unblockCode, "nope") }) else { return XCTFail() }
        _ = try restore(bytes, .unblockCode, created.unblockCode.reveal())
        guard case .AlreadyInitialized? = ffiError({ try self.restore(bytes, .unblockCode, created.unblockCode.reveal()) }) else {
            return XCTFail()
        }
    }

    func testBackupUnreadableAndNoBackupKey() throws {
        let bytes = try newVault().vault.unlock(pin: pin).backup()
        guard case .BackupUnreadable(.notABackup)? = ffiError({ try inspectBackup(backup: try fixture("imports/aegis/plain.txt")) }),
              case .BackupUnreadable(.truncated)? = ffiError({ try inspectBackup(backup: bytes.prefix(bytes.count - 10)) })
        else { return XCTFail() }
        let v1 = dir.appendingPathComponent("v1")
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("vaults/v1"), to: v1)
        let vault = try Vault.open(
            path: v1.appendingPathComponent("vault.sqlite3").path,
            keystore: try softwareKeystore(keyFile: v1.appendingPathComponent("device.key").path),
            clock: fixedClock(unixSeconds: 59), options: fast
        )
        let s = try vault.unlock(pin: pin)
        guard case .NoBackupKey? = ffiError({ try s.backup() }) else { return XCTFail() }
    }
}

final class TransferTests: VaktTestCase {
    private let imports: [(ImportFormat, String, String?, Int)] = [
        (.aegis, "aegis_plain.json", nil, 7),
        (.aegis, "aegis_encrypted.json", "test", 7),
        (.twoFas, "2fas_authenticator_encrypted_v4.2fas", "test", 5),
        (.andOtp, "andotp_encrypted.bin", "test", 7),
        (.freeOtp, "freeotp_plus.json", nil, 6),
        (.bitwarden, "bitwarden.csv", nil, 4),
        (.authy, "authy_encrypted.xml", "testtest", 3),
        (.ente, "ente_auth.txt", nil, 7),
        (.uriList, "plain.txt", nil, 7),
    ]

    func testImportEveryApp() throws {
        for (format, file, password, expected) in imports {
            let s = try newVault(name: file).vault.unlock(pin: pin)
            let report = try s.importAccounts(format: format, file: try fixture("imports/aegis/\(file)"), password: password)
            XCTAssertEqual(report.added.count + report.skipped.count, expected, file)
            XCTAssertTrue(report.duplicates.isEmpty, file)
        }
    }

    func testImportDuplicatesAndErrors() throws {
        let s = try newVault().vault.unlock(pin: pin)
        let first = try s.importAccounts(format: .uriList, file: try fixture("imports/aegis/plain.txt"), password: nil)
        XCTAssertEqual(first.added.first?.label, "Deno (Mason)")
        let again = try s.importAccounts(format: .aegis, file: try fixture("imports/aegis/aegis_plain.json"), password: nil)
        XCTAssertEqual(Set(again.duplicates.map(\.id)), Set(first.added.map(\.id)))
        let encrypted = try fixture("imports/aegis/aegis_encrypted.json")
        guard case .ImportPasswordNeeded? = ffiError({ try s.importAccounts(format: .aegis, file: encrypted, password: nil) }),
              case .WrongImportPassword? = ffiError({ try s.importAccounts(format: .aegis, file: encrypted, password: "wrong") }),
              case .ImportFailed? = ffiError({ try s.importAccounts(format: .aegis, file: try fixture("imports/aegis/plain.txt"), password: nil) })
        else { return XCTFail() }
    }

    func testExportAegisAndQrCodes() throws {
        let s = try newVault().vault.unlock(pin: pin)
        _ = try s.importAccounts(format: .uriList, file: try fixture("imports/aegis/plain.txt"), password: nil)
        let encrypted = try s.exportAegis(pin: pin, password: "export password")
        let other = try newVault(name: "other").vault.unlock(pin: pin)
        XCTAssertEqual(try other.importAccounts(format: .aegis, file: encrypted, password: "export password").added.count, 7)
        XCTAssertFalse(try s.exportAegis(pin: pin, password: nil).isEmpty)
        // Keys leave the vault only with the PIN entered again; a wrong one counts.
        guard case let .WrongPin(attemptsLeft)? = ffiError({ try s.exportAegis(pin: "1111", password: nil) }) else { return XCTFail("not WrongPin") }
        XCTAssertEqual(attemptsLeft, 2)
        let export = try s.exportMigrationQrCodes(pin: pin, ids: [])
        XCTAssertEqual(export.codes.count, 1)
        XCTAssertEqual(Set(export.notExportable.map(\.field)), ["period", "digits", "type"])
        let drawn = qrLuma(export.codes[0].image, scale: 4)
        let side = UInt32(drawn.side)
        guard case let .migration(batch, accounts, _) = try scanStillImage(luma: drawn.data, width: side, height: side, rowStride: side)[0].content()
        else { return XCTFail() }
        XCTAssertEqual(accounts.count, export.codes[0].accountIds.count)
        XCTAssertEqual([UInt32(batch.index), batch.size], [export.codes[0].batchIndex, export.codes[0].batchSize])
        let steam = try s.accounts().first { $0.otpType == .steam }!
        let image = try s.accountQr(pin: pin, id: steam.id)
        XCTAssertEqual(image.luma.count, Int(image.side) * Int(image.side))
        XCTAssertTrue(image.luma.allSatisfy { $0 == 0 || $0 == 0xFF })
        XCTAssertTrue(image.luma.prefix(Int(image.side) * 4).allSatisfy { $0 == 0xFF }, "a quiet zone of four light modules")
        let account = qrLuma(image, scale: 4)
        let accountSide = UInt32(account.side)
        guard case let .account(details) = try scanStillImage(
            luma: account.data, width: accountSide, height: accountSide, rowStride: accountSide
        )[0].content() else {
            return XCTFail()
        }
        XCTAssertEqual(details.otpType, .steam)
        XCTAssertEqual(details.issuer, steam.issuer)
    }
}
