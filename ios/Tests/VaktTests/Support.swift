#if canImport(ImageIO)
import CoreGraphics
import ImageIO
#endif
import Foundation
import VaktFFI
import XCTest

// Fixtures shared by the tests, mirroring android/vakt/src/jvmTest (Fixtures.kt).

/// The generated error, for files that import only the wrapper.
typealias VaktFFIError = VaktFFI.VaktError

/// Fast, test-only vault options: PINs of 4+ digits, trivial key derivation.
/// Cheap key derivation for every vault these tests make (a test door of the
/// test-support build); the first use turns it on for the process.
let fast: VaultOptions = {
    testSupportUseFastKdf()
    return VaultOptions(minPinLength: 4)
}()
let pin = "4829"
let otherPin = "7351"

/// RFC 6238 appendix B seeds, base32 without padding.
let rfcSha1 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
let rfcSha256 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"
let rfcSha512 =
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA"

/// A TOTP URI over the RFC 6238 seed for `algorithm`, 8 digits.
func rfcUri(_ algorithm: String = "SHA1", label: String = "RFC:6238") -> String {
    let secret = algorithm == "SHA1" ? rfcSha1 : algorithm == "SHA256" ? rfcSha256 : rfcSha512
    return "otpauth://totp/\(label)?secret=\(secret)&issuer=RFC&algorithm=\(algorithm)&digits=8&period=30"
}

let exampleUri = "otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example"
let hotpUri = "otpauth://hotp/Hotp:bob?secret=\(rfcSha1)&issuer=Hotp&counter=0"

/// The repository's fixtures/ folder (this file is ios/Tests/VaktTests/Support.swift).
let fixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures")

/// A fixture file's bytes.
func fixture(_ path: String) throws -> Data {
    try Data(contentsOf: fixtures.appendingPathComponent(path))
}

/// A fixture file's text, trimmed.
func fixtureText(_ path: String) throws -> String {
    String(decoding: try fixture(path), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// The Rust software keystore over a key file (for files that import only the wrapper).
func fixtureKeystore(_ keyFile: URL) throws -> VaktFFI.DeviceKeystore {
    try softwareKeystore(keyFile: keyFile.path)
}

/// A white 64 × 64 PNG without any code.
let blankPng = Data(base64Encoded:
    "iVBORw0KGgoAAAANSUhEUgAAAEAAAABACAAAAACPAi4CAAAAKUlEQVR42u3MQREAAAwCIPuX1hD77SAA6VEEAoFAIBAIBAKBQCAQfA8Gpwvw4qrwDDIAAAAASUVORK5CYII=")!

/// The published one-account Google Authenticator export (`Example:alice@google.com`).
let migrationUri =
    "otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZTAC"

/// Every QR code in an image file, as an app scans one: decoded by the platform
/// (drawn in grey on white; see `lumaPlane`), then `scanStillImage`.
func scanFile(_ image: Data) throws -> [ScannedCode] {
    let plane = try lumaPlane(image, white: true)
    return try scanStillImage(
        luma: plane.data, width: UInt32(plane.width), height: UInt32(plane.height), rowStride: UInt32(plane.stride)
    )
}

#if canImport(ImageIO)
/// The same image in another file format (`com.compuserve.gif`, `com.microsoft.bmp`), written by ImageIO.
func reencoded(_ image: Data, as type: String) throws -> Data {
    guard let source = CGImageSourceCreateWithData(image as CFData, nil),
          let cgImage = CGImageSourceCreateImageAtIndex(source, 0, nil) else {
        throw UnexpectedError(description: "not an image")
    }
    let out = NSMutableData()
    guard let destination = CGImageDestinationCreateWithData(out as CFMutableData, type as CFString, 1, nil) else {
        throw UnexpectedError(description: "no ImageIO writer for \(type)")
    }
    CGImageDestinationAddImage(destination, cgImage, nil)
    guard CGImageDestinationFinalize(destination) else { throw UnexpectedError(description: "not written") }
    return out as Data
}

#endif

/// privacyidea/totp_qr.png on a transparent background, as a PNG: dark modules
/// opaque black, every other pixel black with alpha 0.
func transparentQrPng() throws -> Data {
    let code = try lumaPlane(try fixture("privacyidea/totp_qr.png"), white: true)
    return try transparentPng(width: code.width, height: code.height) { code.data[$0] < 0x80 }
}

/// A drawn `QrImage` as luma, `scale` pixels a module (nearest-neighbour), rows packed.
func qrLuma(_ image: QrImage, scale: Int) -> (data: Data, side: Int) {
    let modules = Int(image.side)
    let side = modules * scale
    let cells = [UInt8](image.luma)
    var pixels = [UInt8](repeating: 0xFF, count: side * side)
    for y in 0..<side {
        for x in 0..<side {
            pixels[y * side + x] = cells[(y / scale) * modules + x / scale]
        }
    }
    return (Data(pixels), side)
}

/// A fresh directory per test, removed afterwards.
class VaktTestCase: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vakt-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    /// A path inside the test directory; its parent directory is created.
    func path(_ name: String) -> String {
        let url = dir.appendingPathComponent(name)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        return url.path
    }

    /// A vault with the Rust software keystore and a fixed clock.
    func newVault(at seconds: UInt64 = 59, pin: String = pin, name: String = "vault") throws -> CreatedVault {
        try createVault(
            path: path("\(name)/vault.sqlite3"),
            keystore: try softwareKeystore(keyFile: path("\(name)/device.key")),
            clock: fixedClock(unixSeconds: seconds),
            pin: pin,
            options: fast
        )
    }

    /// The generated error `body` throws (fails the test if it throws nothing or something else).
    func ffiError<T>(_ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> VaktFFI.VaktError? {
        do {
            _ = try body()
            XCTFail("expected a VaktError, nothing was thrown", file: file, line: line)
        } catch let error as VaktFFI.VaktError {
            return error
        } catch {
            XCTFail("expected a VaktError, got \(error)", file: file, line: line)
        }
        return nil
    }
}

/// A Swift clock the tests move by hand, counting how often Rust reads it.
final class ManualClock: VaktFFI.Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var now: UInt64
    private(set) var reads = 0

    init(_ start: UInt64) {
        now = start
    }

    func set(_ seconds: UInt64) {
        lock.lock()
        now = seconds
        lock.unlock()
    }

    func nowUnix() -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        reads += 1
        return now
    }
}

/// A clock that, once armed, blocks every read until released (a native call
/// held up in a callback); reads go to `inner`.
final class BlockingClock: VaktFFI.Clock, @unchecked Sendable {
    private let inner: ManualClock
    private let lock = NSLock()
    private var armed = false
    let entered = DispatchSemaphore(value: 0)
    private let gate = DispatchSemaphore(value: 0)

    init(_ inner: ManualClock) {
        self.inner = inner
    }

    func arm() {
        lock.lock()
        armed = true
        lock.unlock()
    }

    func release() {
        lock.lock()
        armed = false
        lock.unlock()
        gate.signal()
    }

    func nowUnix() -> UInt64 {
        lock.lock()
        let wait = armed
        lock.unlock()
        if wait {
            entered.signal()
            gate.wait()
        }
        return inner.nowUnix()
    }
}

/// A DeviceKeystore in Swift: AES-256-GCM over an in-memory key,
/// `nonce ‖ ciphertext ‖ tag` (the Android format, to compare).
final class AESGCMKeystore: VaktFFI.DeviceKeystore, @unchecked Sendable {
    let key: Data

    /// `key`: 32 bytes (default: new random ones).
    init(key: Data = randomBytes(32)) {
        self.key = key
    }

    func wrap(plaintext: Data) throws -> Data {
        guard let sealed = AesGcm.seal(plaintext, key: key) else {
            throw KeystoreFailure.Failed(message: "seal failed")
        }
        return sealed
    }

    func unwrap(wrapped: Data) throws -> Data {
        guard let plaintext = AesGcm.open(wrapped, key: key) else {
            throw KeystoreFailure.Rejected
        }
        return plaintext
    }

    // No signing keys: push enrolment fails with `.Keystore`.
    func createSigningKey(alias: String, bits: UInt32) throws -> Data {
        throw KeystoreFailure.Failed(message: "this keystore cannot hold signing keys")
    }

    func sign(alias: String, message: Data) throws -> Data {
        throw KeystoreFailure.Failed(message: "this keystore cannot hold signing keys")
    }

    func deleteSigningKey(alias: String) throws {
        throw KeystoreFailure.Failed(message: "this keystore cannot hold signing keys")
    }

    func createEcdsaKey(alias: String) throws -> Data {
        throw KeystoreFailure.Failed(message: "this keystore cannot hold signing keys")
    }

    func signEcdsa(alias: String, message: Data) throws -> Data {
        throw KeystoreFailure.Failed(message: "this keystore cannot hold signing keys")
    }
}

/// Wraps a keystore; counts calls and fails on request.
final class ScriptedKeystore: VaktFFI.DeviceKeystore, @unchecked Sendable {
    let inner: VaktFFI.DeviceKeystore
    var wraps = 0
    var unwraps = 0
    var failWrap: Error?
    var failUnwrap: Error?

    init(_ inner: VaktFFI.DeviceKeystore) {
        self.inner = inner
    }

    func wrap(plaintext: Data) throws -> Data {
        wraps += 1
        if let failWrap { throw failWrap }
        return try inner.wrap(plaintext: plaintext)
    }

    func unwrap(wrapped: Data) throws -> Data {
        unwraps += 1
        if let failUnwrap { throw failUnwrap }
        return try inner.unwrap(wrapped: wrapped)
    }

    func createSigningKey(alias: String, bits: UInt32) throws -> Data {
        try inner.createSigningKey(alias: alias, bits: bits)
    }

    func sign(alias: String, message: Data) throws -> Data {
        try inner.sign(alias: alias, message: message)
    }

    func deleteSigningKey(alias: String) throws {
        try inner.deleteSigningKey(alias: alias)
    }

    func createEcdsaKey(alias: String) throws -> Data {
        try inner.createEcdsaKey(alias: alias)
    }

    func signEcdsa(alias: String, message: Data) throws -> Data {
        try inner.signEcdsa(alias: alias, message: message)
    }
}

/// An error type the DeviceKeystore protocol does not declare.
struct UnexpectedError: Error, CustomStringConvertible {
    let description: String
}

/// A user-authenticated key as a test would have it: XOR with `key` (what the
/// platform would seal), and a scripted failure for the next open.
final class FakeBiometricKey: VaktFFI.UserAuthKeystore, @unchecked Sendable {
    private let key: UInt8
    private let lock = NSLock()
    private var failure: UserAuthFailure?
    private(set) var opens = 0

    init(_ key: UInt8) {
        self.key = key
    }

    func failNext(_ failure: UserAuthFailure) {
        lock.lock()
        self.failure = failure
        lock.unlock()
    }

    func seal(plain: Data) throws -> Data {
        Data(plain.map { $0 ^ key })
    }

    func unseal(sealed: Data) throws -> Data {
        lock.lock()
        opens += 1
        let failure = self.failure
        self.failure = nil
        lock.unlock()
        if let failure { throw failure }
        return Data(sealed.map { $0 ^ key })
    }
}

/// The moment `seconds` after 1970 (FFI times are `Date`s).
func at<T: BinaryInteger>(_ seconds: T) -> Date {
    Date(timeIntervalSince1970: TimeInterval(seconds))
}
