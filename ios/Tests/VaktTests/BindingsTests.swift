import Foundation
import VaktFFI
import XCTest

// The generated bindings, one test class per Kotlin suite in
// android/vakt/src/jvmTest (same cases, same expectations).

final class UriTests: VaktTestCase {
    func testParseUriReturnsEveryField() throws {
        let d = try parseUri(uri: "otpauth://totp/ACME:jane?secret=JBSWY3DPEHPK3PXP&issuer=ACME&algorithm=SHA256&digits=8&period=60")
        XCTAssertEqual(d.issuer, "ACME")
        XCTAssertEqual(d.accountName, "jane")
        XCTAssertEqual(d.otpType, .totp)
        XCTAssertEqual(d.algorithm, .sha256)
        XCTAssertEqual(d.digits, 8)
        XCTAssertEqual(d.period, 60)
        XCTAssertNil(d.counter)
        let h = try parseUri(uri: "otpauth://hotp/Hotp:bob?secret=\(rfcSha1)&counter=18446744073709551615")
        XCTAssertEqual(h.counter, UInt64.max, "u64 survives the FFI unchanged")
        XCTAssertEqual(try parseUri(uri: "otpauth://totp/%C3%85se%20%F0%9F%94%91:j%C3%B6rg?secret=JBSWY3DPEHPK3PXP").issuer, "Åse 🔑")
    }

    func testInvalidUriNamesTheField() {
        let cases: [(String, String)] = [
            ("https://example.com/?secret=JBSWY3DPEHPK3PXP", "scheme"),
            ("otpauth://yotp/A:b?secret=JBSWY3DPEHPK3PXP", "type"),
            ("otpauth://totp/A:b?issuer=A", "secret"),
            ("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&algorithm=MD5", "algorithm"),
            ("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&digits=11", "digits"),
            ("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&period=0", "period"),
            ("otpauth://hotp/A:b?secret=JBSWY3DPEHPK3PXP", "counter"),
            ("otpauth://totp/%FF:b?secret=JBSWY3DPEHPK3PXP", "label"),
        ]
        for (uri, expected) in cases {
            guard case let .InvalidUri(field, message)? = ffiError({ try parseUri(uri: uri) }) else {
                XCTFail("not InvalidUri: \(uri)")
                continue
            }
            XCTAssertEqual(field, expected, uri)
            XCTAssertFalse(message.isEmpty)
            XCTAssertFalse(message.contains("JBSWY3DPEHPK3PXP"), "the message never shows the key")
            guard case .InvalidUri(expected, _)? = ffiError({ try codeForUri(uri: uri, at: at(0)) }) else {
                XCTFail("codeForUri: not InvalidUri(\(expected)): \(uri)")
                continue
            }
        }
    }

    func testCodeForUriMatchesRfc6238() throws {
        let vectors: [(UInt64, String, String, String)] = [
            (59, "94287082", "46119246", "90693936"),
            (1_111_111_109, "07081804", "68084774", "25091201"),
            (1_111_111_111, "14050471", "67062674", "99943326"),
            (1_234_567_890, "89005924", "91819424", "93441116"),
            (2_000_000_000, "69279037", "90698825", "38618901"),
            (20_000_000_000, "65353130", "77737706", "47863826"),
        ]
        for (t, sha1, sha256, sha512) in vectors {
            XCTAssertEqual(try codeForUri(uri: rfcUri("SHA1"), at: at(t)), sha1)
            XCTAssertEqual(try codeForUri(uri: rfcUri("SHA256"), at: at(t)), sha256)
            XCTAssertEqual(try codeForUri(uri: rfcUri("SHA512"), at: at(t)), sha512)
        }
    }

    func testCodeForUriHotpRfc4226() throws {
        for (counter, code) in ["755224", "287082", "359152", "969429", "338314"].enumerated() {
            XCTAssertEqual(try codeForUri(uri: "otpauth://hotp/H:x?secret=\(rfcSha1)&counter=\(counter)", at: at(0)), code)
        }
    }
}

final class VaultTests: VaktTestCase {
    func testCreateVaultReturnsLockedVaultAndUnblockCode() throws {
        let created = try newVault()
        XCTAssertNotNil(created.unblockCode.reveal().range(of: "^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$", options: .regularExpression))
        // The record's generated description prints every field: the code is an object that prints nothing.
        let groups = created.unblockCode.reveal().split(separator: "-").map(String.init)
        for shown in [String(describing: created), String(reflecting: created), "\(created.unblockCode)"] {
            XCTAssertFalse(groups.contains { shown.contains($0) }, shown)
        }
        XCTAssertEqual(try created.vault.status(), LockState(
            blocked: false, attemptsLeft: 3, failedPinAttempts: 0, failedUnblockAttempts: 0, nextUnblockDelay: 0
        ))
        XCTAssertFalse(try created.vault.unlock(pin: pin).isLocked())
    }

    func testOpenReopens() throws {
        _ = try newVault().vault.unlock(pin: pin).addUri(uri: exampleUri)
        let vault = try Vault.open(
            path: path("vault/vault.sqlite3"), keystore: try softwareKeystore(keyFile: path("vault/device.key")),
            clock: fixedClock(unixSeconds: 59), options: fast
        )
        XCTAssertEqual(try vault.unlock(pin: pin).accounts().map(\.accountName), ["alice@example.com"])
    }

    func testBiometricUnlock() throws {
        let vault = try newVault().vault
        let finger = FakeBiometricKey(0x5a)
        XCTAssertFalse(try vault.biometricEnabled())
        XCTAssertEqual(ffiError({ try vault.unlockBiometric(key: finger) }), .BiometricNotEnabled)
        let s = try vault.unlock(pin: pin)
        guard case .WrongPin? = ffiError({ try s.enableBiometric(pin: otherPin, key: finger) }) else { return XCTFail() }
        try s.enableBiometric(pin: pin, key: finger)
        XCTAssertTrue(try vault.biometricEnabled())
        guard case .WrongPin? = ffiError({ try vault.unlock(pin: otherPin) }) else { return XCTFail() }
        XCTAssertEqual(try vault.unlockBiometric(key: finger).accounts().count, 0)
        XCTAssertEqual(try vault.status().failedPinAttempts, 1, "biometrics neither reset nor add to the PIN count")
        finger.failNext(.Cancelled)
        XCTAssertEqual(ffiError({ try vault.unlockBiometric(key: finger) }), .BiometricCancelled)
        finger.failNext(.LockedOut)
        XCTAssertEqual(ffiError({ try vault.unlockBiometric(key: finger) }), .BiometricLockedOut)
        XCTAssertEqual(ffiError({ try vault.unlockBiometric(key: FakeBiometricKey(0x33)) }), .BiometricInvalidated)
        XCTAssertFalse(try vault.biometricEnabled(), "an invalidated key turns it off")
        try s.enableBiometric(pin: pin, key: finger)
        try s.disableBiometric()
        XCTAssertFalse(try vault.biometricEnabled())
        try s.enableBiometric(pin: pin, key: finger)
        for _ in 0..<3 { _ = try? vault.unlock(pin: otherPin) }
        let opens = finger.opens
        XCTAssertEqual(ffiError({ try vault.unlockBiometric(key: finger) }), .Blocked)
        XCTAssertEqual(finger.opens, opens, "a blocked vault does not even ask")
    }

    func testClockOffset() throws {
        let s = try newVault(at: 1_000_000).vault.unlock(pin: pin)
        _ = try s.addUri(uri: exampleUri)
        XCTAssertEqual(try s.clockOffset(), 0)
        try s.setClockOffset(seconds: 3_600)
        XCTAssertEqual(try s.clockOffset(), 3_600)
        XCTAssertEqual(try s.codes()[0].code, try s.codesAt(at: at(1_003_600))[0].code, "codes use the corrected time")
        guard case .InvalidInput? = ffiError({ try s.setClockOffset(seconds: 90_000) }) else { return XCTFail() }
        let sent = at(784_111_677)
        XCTAssertEqual(clockOffsetFromDate(value: "Sun, 06 Nov 1994 08:49:37 GMT", sent: sent, received: sent + 2), 99)
        XCTAssertNil(clockOffsetFromDate(value: "yesterday", sent: sent, received: sent))
    }

    func testInvalidPin() throws {
        let rules: [(String, PinProblem)] = [
            ("1234", .sequence), ("0000", .allSame), ("1212", .common), ("12a4", .notDigits),
            ("12", .tooShort(min: 4)), ("1234567890123", .tooLong(max: 12)),
        ]
        for (candidate, rule) in rules {
            guard case let .InvalidPin(reason, message)? = ffiError({ try newVault(pin: candidate, name: "v\(candidate)") }) else {
                return XCTFail("\(candidate) accepted")
            }
            XCTAssertEqual(reason, rule, candidate)
            XCTAssertFalse(message.isEmpty, "an English default text")
        }
        let vault = try newVault().vault
        guard case .InvalidPin? = ffiError({ try vault.unlock(pin: "abcd") }) else { return XCTFail() }
        XCTAssertEqual(try vault.status().failedPinAttempts, 0, "a malformed PIN is not an attempt")
    }

    func testNotInitializedAndAlreadyInitialized() throws {
        XCTAssertEqual(ffiError({
            try Vault.open(path: path("none/vault.sqlite3"), keystore: try softwareKeystore(keyFile: path("none/k")),
                           clock: fixedClock(unixSeconds: 0), options: fast)
        }), .NotInitialized)
        _ = try newVault()
        XCTAssertEqual(ffiError({ try newVault() }), .AlreadyInitialized)
    }

    func testGarbageIsNotAVaultAndLeftUntouched() throws {
        let file = dir.appendingPathComponent("garbage.sqlite3")
        let garbage = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 * 31 + 7) })
        try garbage.write(to: file)
        XCTAssertEqual(ffiError({
            try Vault.open(path: file.path, keystore: try softwareKeystore(keyFile: path("k")),
                           clock: fixedClock(unixSeconds: 0), options: fast)
        }), .VaultUnreadable(reason: .notAVault))
        XCTAssertEqual(try Data(contentsOf: file), garbage)
    }

    func testAnotherKeystoreIsWrongDevice() throws {
        _ = try newVault()
        let vault = try Vault.open(path: path("vault/vault.sqlite3"), keystore: try softwareKeystore(keyFile: path("other.key")),
                                   clock: fixedClock(unixSeconds: 0), options: fast)
        XCTAssertEqual(ffiError({ try vault.unlock(pin: pin) }), .VaultUnreadable(reason: .wrongDevice))
    }

    func testWrongPinCountsDownThenBlocked() throws {
        let vault = try newVault().vault
        XCTAssertEqual(ffiError({ try vault.unlock(pin: otherPin) }), .WrongPin(attemptsLeft: 2))
        XCTAssertEqual(ffiError({ try vault.unlock(pin: otherPin) }), .WrongPin(attemptsLeft: 1))
        XCTAssertEqual(ffiError({ try vault.unlock(pin: otherPin) }), .Blocked)
        XCTAssertEqual(ffiError({ try vault.unlock(pin: pin) }), .Blocked)
        XCTAssertTrue(try vault.status().blocked)
    }

    func testUnblock() throws {
        let created = try newVault()
        let vault = created.vault
        for _ in 0..<3 { _ = try? vault.unlock(pin: otherPin) }
        guard case .MistypedUnblockCode? = ffiError({ try vault.unblock(unblockCode: "ABCDE", newPin: otherPin) }) else {
            return XCTFail()
        }
        let other = try newVault(name: "other").unblockCode.reveal()
        XCTAssertEqual(ffiError({ try vault.unblock(unblockCode: other, newPin: otherPin) }), .WrongUnblockCode(failedAttempts: 1))
        let unblocked = try vault.unblock(unblockCode: created.unblockCode.reveal().lowercased(), newPin: otherPin)
        XCTAssertNotEqual(unblocked.unblockCode.reveal(), created.unblockCode.reveal())
        XCTAssertFalse(try vault.status().blocked)
        _ = try vault.unlock(pin: otherPin)
        XCTAssertEqual(ffiError({ try vault.unblock(unblockCode: created.unblockCode.reveal(), newPin: pin) }), .WrongUnblockCode(failedAttempts: 1))
    }

    func testChangePin() throws {
        let vault = try newVault().vault
        XCTAssertEqual(ffiError({ try vault.changePin(currentPin: otherPin, newPin: "9157") }), .WrongPin(attemptsLeft: 2))
        try vault.changePin(currentPin: pin, newPin: otherPin)
        _ = try vault.unlock(pin: otherPin)
    }

    func testStorageErrorForAnImpossiblePath() throws {
        try Data("not a directory".utf8).write(to: dir.appendingPathComponent("file"))
        guard case .Storage? = ffiError({
            try createVault(path: path("file/sub/vault.sqlite3"), keystore: try softwareKeystore(keyFile: path("k")),
                            clock: fixedClock(unixSeconds: 0), pin: pin, options: fast)
        }) else { return XCTFail() }
    }
}

final class SessionTests: VaktTestCase {
    private func manual(key: String = "abcd efgh ijkl mnop", digits: UInt32 = 6, period: TimeInterval = 30) -> ManualEntry {
        ManualEntry(issuer: "Manual", accountName: "dora", key: key, otpType: .totp, algorithm: .sha1,
                    digits: digits, period: period, counter: 0)
    }

    func testAddAndList() throws {
        let s = try newVault().vault.unlock(pin: pin)
        let a = try s.addUri(uri: exampleUri)
        let b = try s.addManual(entry: manual())
        let c = try s.addUri(uri: hotpUri)
        XCTAssertEqual(try s.accounts().map(\.id), [a, b, c])
        XCTAssertEqual(try s.accounts()[2].counter, 0)
    }

    func testInputErrors() throws {
        let s = try newVault().vault.unlock(pin: pin)
        guard case .InvalidKey? = ffiError({ try s.addManual(entry: manual(key: "not base32!")) }) else { return XCTFail() }
        guard case .InvalidParameter? = ffiError({ try s.addManual(entry: manual(digits: 11)) }) else { return XCTFail() }
        guard case .InvalidParameter? = ffiError({ try s.addManual(entry: manual(period: 0)) }) else { return XCTFail() }
        let id = try s.addUri(uri: exampleUri)
        XCTAssertEqual(ffiError({ try s.addUri(uri: exampleUri) }), .Duplicate(existingId: id))
        guard case .InvalidInput? = ffiError({ try s.reorder(ids: []) }) else { return XCTFail() }
        XCTAssertEqual(ffiError({ try s.rename(id: 99, issuer: nil, accountName: "x") }), .NoSuchAccount(id: 99))
        XCTAssertEqual(ffiError({ try s.delete(id: 99) }), .NoSuchAccount(id: 99))
        XCTAssertEqual(ffiError({ try s.nextCode(id: id) }), .NotCounterBased(id: id))
    }

    func testRenameReorderDelete() throws {
        let s = try newVault().vault.unlock(pin: pin)
        let a = try s.addUri(uri: exampleUri)
        let b = try s.addUri(uri: hotpUri)
        try s.rename(id: b, issuer: "Hotp Inc", accountName: "bob")
        try s.reorder(ids: [b, a])
        XCTAssertEqual(try s.accounts().map(\.id), [b, a])
        XCTAssertEqual(try s.accounts()[0].issuer, "Hotp Inc")
        try s.delete(id: a)
        XCTAssertEqual(try s.accounts().count, 1)
    }

    func testCodes() throws {
        let s = try newVault().vault.unlock(pin: pin)
        _ = try s.addUri(uri: rfcUri("SHA1"))
        let hotp = try s.addUri(uri: hotpUri)
        let rows = try s.codesAt(at: at(59))
        XCTAssertEqual(rows[0].code, "94287082")
        XCTAssertEqual(rows[0].timeLeft, 1)
        XCTAssertEqual(rows[0].validUntil, at(60))
        XCTAssertEqual(rows[0].nextCode, try codeForUri(uri: rfcUri("SHA1"), at: at(60)))
        XCTAssertNil(rows[1].code)
        XCTAssertEqual(try s.codes()[0].code, "94287082", "the vault's clock is fixed at 59")
        XCTAssertEqual(try s.nextCode(id: hotp), "755224")
        XCTAssertEqual(try s.nextCode(id: hotp), "287082")
    }

    func testReissueUnblockCode() throws {
        let created = try newVault()
        let fresh = try created.vault.unlock(pin: pin).reissueUnblockCode().reveal()
        XCTAssertEqual(ffiError({ try created.vault.unblock(unblockCode: created.unblockCode.reveal(), newPin: otherPin) }),
                       .WrongUnblockCode(failedAttempts: 1))
        _ = try created.vault.unblock(unblockCode: fresh, newPin: otherPin)
    }

    func testLockedSessionRefusesEveryCall() throws {
        let s = try newVault().vault.unlock(pin: pin)
        let id = try s.addUri(uri: hotpUri)
        s.lock()
        XCTAssertTrue(s.isLocked())
        XCTAssertEqual(ffiError({ try s.accounts() }), .Locked)
        XCTAssertEqual(ffiError({ try s.addUri(uri: exampleUri) }), .Locked)
        XCTAssertEqual(ffiError({ try s.addManual(entry: manual()) }), .Locked)
        XCTAssertEqual(ffiError({ try s.rename(id: id, issuer: nil, accountName: "x") }), .Locked)
        XCTAssertEqual(ffiError({ try s.delete(id: id) }), .Locked)
        XCTAssertEqual(ffiError({ try s.reorder(ids: [id]) }), .Locked)
        XCTAssertEqual(ffiError({ try s.codes() }), .Locked)
        XCTAssertEqual(ffiError({ try s.codesAt(at: at(0)) }), .Locked)
        XCTAssertEqual(ffiError({ try s.nextCode(id: id) }), .Locked)
        XCTAssertEqual(ffiError({ try s.reissueUnblockCode() }), .Locked)
    }
}

final class ForeignTraitTests: VaktTestCase {
    func testRustDefaults() throws {
        let now = UInt64(Date().timeIntervalSince1970)
        XCTAssertLessThanOrEqual(abs(Int64(systemClock().nowUnix()) - Int64(now)), 5)
        XCTAssertEqual(fixedClock(unixSeconds: 1234).nowUnix(), 1234)
        let ks = try softwareKeystore(keyFile: path("device.key"))
        let blob = try ks.wrap(plaintext: Data([1, 2, 3]))
        XCTAssertEqual(try ks.unwrap(wrapped: blob), Data([1, 2, 3]))
        XCTAssertThrowsError(try softwareKeystore(keyFile: path("other.key")).unwrap(wrapped: blob)) {
            XCTAssertEqual($0 as? KeystoreFailure, .Rejected)
        }
    }

    func testSwiftClockDrivesCodes() throws {
        let clock = ManualClock(59)
        let s = try createVault(path: path("v/vault.sqlite3"), keystore: try softwareKeystore(keyFile: path("v/k")),
                                clock: clock, pin: pin, options: fast).vault.unlock(pin: pin)
        _ = try s.addUri(uri: rfcUri("SHA1"))
        XCTAssertEqual(try s.codes()[0].code, "94287082")
        clock.set(1_111_111_109)
        XCTAssertEqual(try s.codes()[0].code, "07081804")
        XCTAssertGreaterThanOrEqual(clock.reads, 2)
    }

    func testSwiftKeystoreCreatesAndReopens() throws {
        let key = randomBytes(32)
        let keystore = ScriptedKeystore(AESGCMKeystore(key: key))
        let created = try createVault(path: path("v/vault.sqlite3"), keystore: keystore, clock: fixedClock(unixSeconds: 59),
                                      pin: pin, options: fast)
        XCTAssertEqual(keystore.wraps, 2, "PIN slot and unblock slot")
        _ = try created.vault.unlock(pin: pin).addUri(uri: exampleUri)
        let reopened = try Vault.open(path: path("v/vault.sqlite3"), keystore: AESGCMKeystore(key: key),
                                      clock: fixedClock(unixSeconds: 59), options: fast)
        XCTAssertEqual(try reopened.unlock(pin: pin).accounts().count, 1)
        _ = try reopened.unblock(unblockCode: created.unblockCode.reveal(), newPin: otherPin)
    }

    func testAnotherSwiftKeyIsWrongDevice() throws {
        _ = try createVault(path: path("v/vault.sqlite3"), keystore: AESGCMKeystore(), clock: fixedClock(unixSeconds: 0),
                            pin: pin, options: fast)
        let vault = try Vault.open(path: path("v/vault.sqlite3"), keystore: AESGCMKeystore(), clock: fixedClock(unixSeconds: 0),
                                   options: fast)
        XCTAssertEqual(ffiError({ try vault.unlock(pin: pin) }), .VaultUnreadable(reason: .wrongDevice))
        XCTAssertEqual(try vault.status().failedPinAttempts, 0)
    }

    func testKeystoreFailuresMap() throws {
        let keystore = ScriptedKeystore(AESGCMKeystore())
        let vault = try createVault(path: path("v/vault.sqlite3"), keystore: keystore, clock: fixedClock(unixSeconds: 0),
                                    pin: pin, options: fast).vault
        keystore.failUnwrap = KeystoreFailure.Rejected
        XCTAssertEqual(ffiError({ try vault.unlock(pin: pin) }), .VaultUnreadable(reason: .wrongDevice))
        keystore.failUnwrap = KeystoreFailure.KeyMissing
        XCTAssertEqual(ffiError({ try vault.unlock(pin: pin) }), .VaultUnreadable(reason: .wrongDevice))
        keystore.failUnwrap = KeystoreFailure.Failed(message: "hardware busy")
        guard case let .Keystore(message)? = ffiError({ try vault.unlock(pin: pin) }) else { return XCTFail() }
        XCTAssertTrue(message.contains("hardware busy"))
        keystore.failUnwrap = UnexpectedError(description: "the phone is locked")
        guard case .Keystore? = ffiError({ try vault.unlock(pin: pin) }) else { return XCTFail() }
        keystore.failUnwrap = nil
        XCTAssertEqual(try vault.status().attemptsLeft, 3, "keystore failures are not PIN attempts")
    }

    func testFailingWrapLeavesNoVault() throws {
        let keystore = ScriptedKeystore(AESGCMKeystore())
        keystore.failWrap = UnexpectedError(description: "no key")
        guard case .Keystore? = ffiError({
            try createVault(path: path("v/vault.sqlite3"), keystore: keystore, clock: fixedClock(unixSeconds: 0), pin: pin, options: fast)
        }) else { return XCTFail() }
        keystore.failWrap = nil
        _ = try createVault(path: path("v/vault.sqlite3"), keystore: keystore, clock: fixedClock(unixSeconds: 0), pin: pin, options: fast)
    }
}

final class LifetimeTests: VaktTestCase {
    func testSessionOutlivesItsVault() throws {
        var created: CreatedVault? = try newVault()
        let session = try created!.vault.unlock(pin: pin)
        created = nil // the last reference to the Vault: freed in Rust
        _ = try session.addUri(uri: exampleUri)
        XCTAssertEqual(try session.codesAt(at: at(0)).count, 1)
    }

    func testLockingOneSessionLeavesOthersOpen() throws {
        let vault = try newVault().vault
        let a = try vault.unlock(pin: pin)
        let b = try vault.unlock(pin: pin)
        a.lock()
        XCTAssertEqual(ffiError({ try a.accounts() }), .Locked)
        XCTAssertEqual(try b.accounts().count, 0)
    }

    func testSwiftCallbacksAreReleasedWithTheirVault() throws {
        _ = try newVault()
        weak var weakClock: ManualClock?
        do {
            let clock = ManualClock(0)
            weakClock = clock
            _ = try Vault.open(path: path("vault/vault.sqlite3"), keystore: try softwareKeystore(keyFile: path("vault/device.key")),
                               clock: clock, options: fast)
        }
        XCTAssertNil(weakClock, "Rust released the Swift clock when the vault was freed")
    }
}

final class ConcurrencyTests: VaktTestCase {
    private let threads = 8

    func testEightThreadsOnOneSession() throws {
        let s = try newVault().vault.unlock(pin: pin)
        _ = try s.addUri(uri: rfcUri("SHA1"))
        let failures = NSLock()
        var errors: [String] = []
        DispatchQueue.concurrentPerform(iterations: threads) { i in
            do {
                for _ in 0..<25 {
                    let code = try s.codesAt(at: at(59))[0].code
                    if code != "94287082" { throw UnexpectedError(description: "code \(String(describing: code))") }
                    _ = try s.accounts()
                }
                _ = try s.addUri(uri: "otpauth://totp/T:thread\(i)?secret=JBSWY3DPEHPK3PXP")
            } catch {
                failures.lock()
                errors.append("\(error)")
                failures.unlock()
            }
        }
        XCTAssertEqual(errors, [])
        XCTAssertEqual(try s.accounts().count, threads + 1)
    }

    func testConcurrentWrongPinsAreAllCounted() throws {
        let vault = try newVault().vault
        let lock = NSLock()
        var outcomes: [VaktFFI.VaktError] = []
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            do {
                _ = try vault.unlock(pin: otherPin)
            } catch let error as VaktFFI.VaktError {
                lock.lock()
                outcomes.append(error)
                lock.unlock()
            } catch {}
        }
        let left = outcomes.compactMap { error -> UInt32? in
            if case let .WrongPin(attemptsLeft) = error { return attemptsLeft }
            return nil
        }
        XCTAssertEqual(left.sorted(), [1, 2])
        XCTAssertEqual(outcomes.filter { $0 == .Blocked }.count, threads - 2)
        XCTAssertEqual(try vault.status().failedPinAttempts, 3)
    }

    func testConcurrentCorrectPinsAllOpen() throws {
        let vault = try newVault().vault
        for round in 0..<5 {
            let lock = NSLock()
            var failures: [String] = []
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                do {
                    _ = try vault.unlock(pin: pin)
                } catch {
                    lock.lock()
                    failures.append("\(error)")
                    lock.unlock()
                }
            }
            XCTAssertEqual(failures, [], "round \(round): never a spurious Blocked")
        }
        XCTAssertEqual(try vault.status().attemptsLeft, 3)
    }

    func testEightThreadsThroughOneSwiftKeystoreAndClock() throws {
        let vault = try createVault(path: path("v/vault.sqlite3"), keystore: AESGCMKeystore(), clock: ManualClock(59),
                                    pin: pin, options: fast).vault
        _ = try vault.unlock(pin: pin).addUri(uri: rfcUri("SHA256"))
        let lock = NSLock()
        var codes: [String?] = []
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            let code = try? vault.unlock(pin: pin).codes()[0].code
            lock.lock()
            codes.append(code)
            lock.unlock()
        }
        XCTAssertEqual(codes, Array(repeating: "46119246", count: threads))
    }
}
