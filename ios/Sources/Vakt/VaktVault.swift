import Foundation
import VaktFFI

/// The clock offset a server's reply gives, in seconds: its `Date` header
/// value `date` (`HTTPURLResponse.value(forHTTPHeaderField: "Date")`) for a
/// request sent at `sent` and answered at `received` by the phone's clock;
/// nil when `date` is not an HTTP date.
public func measureClockOffset(date: String, sent: Date, received: Date) -> Int64? {
    clockOffsetFromDate(value: date, sent: sent, received: received)
}

/// The platform key behind biometric unlock (a Keychain item or Secure Enclave
/// key with `.biometryCurrentSet`, evaluated by `LAContext`). Called off the
/// main thread; it may block while the prompt is shown. Throw `UserAuthFailure`.
public typealias UserAuthKeystore = VaktFFI.UserAuthKeystore
/// Why the user-authenticated key did not seal or open.
public typealias UserAuthFailure = VaktFFI.UserAuthFailure

/// A new unblock code: an object, so that printing it (or a result holding it)
/// shows nothing of it; `reveal()` gives the text for the one screen that shows it.
public typealias NewUnblockCode = VaktFFI.NewUnblockCode
/// Which rule a new PIN breaks (`VaktError.invalidPin`), to word in the user's language.
public typealias PinProblem = VaktFFI.PinProblem
/// What is wrong with a typed unblock code (`VaktError.mistypedUnblockCode`).
public typealias UnblockCodeProblem = VaktFFI.UnblockCodeProblem
public typealias OtpType = VaktFFI.OtpType
public typealias HashAlgorithm = VaktFFI.HashAlgorithm
public typealias UnreadableReason = VaktFFI.UnreadableReason
public typealias BackupUnreadableReason = VaktFFI.BackupUnreadableReason
public typealias BackupInfo = VaktFFI.BackupInfo
public typealias ImportFormat = VaktFFI.ImportFormat
public typealias ImportReport = VaktFFI.ImportReport
/// Google Authenticator export codes (images that **carry keys**: `QrImage`) and the accounts left out.
public typealias MigrationExport = VaktFFI.MigrationExport
public typealias PushEnrolmentDetails = VaktFFI.PushEnrolmentDetails
public typealias UnusableExportEntry = VaktFFI.UnusableExportEntry
public typealias MissingExportCodes = VaktFFI.MissingExportCodes
/// A source of the current time: implement it, or use `systemClock()` / `fixedClock(_:)`.
public typealias Clock = VaktFFI.Clock
/// The platform keystore the vault binds its slots to (see `SecureEnclaveKeystore`).
/// Implementations throw `KeystoreFailure`.
public typealias DeviceKeystore = VaktFFI.DeviceKeystore
public typealias KeystoreFailure = VaktFFI.KeystoreFailure

/// The system clock (implemented in Rust).
public func systemClock() -> Clock { VaktFFI.systemClock() }

/// A clock stopped at `unixSeconds` (tests, screenshots).
public func fixedClock(_ unixSeconds: UInt64) -> Clock { VaktFFI.fixedClock(unixSeconds: unixSeconds) }

/// Every blocking call into Rust (key derivation, SQLite) runs here, never on the
/// cooperative thread pool of Swift concurrency, and never on the main thread.
private let ffiQueue = DispatchQueue(label: "app.vakt.ffi", qos: .userInitiated, attributes: .concurrent)

/// Runs `body` on the FFI queue and resumes the caller with its result. A
/// cancelled task stops waiting at once (`CancellationError`); the call into
/// Rust finishes on its own and its result is dropped.
func offMain<T>(_ body: @escaping () throws -> T) async throws -> T {
    let once = ResumeOnce<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            once.set(continuation)
            ffiQueue.async { once.resume(with: Result { try ffi(body) }) }
        }
    } onCancel: {
        once.resume(with: .failure(CancellationError()))
    }
}

/// `offMain` that waits to the end even when the task is cancelled: for calls
/// whose result must reach the screen (a new unblock code replaces the old one).
func offMainToTheEnd<T>(_ body: @escaping () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        ffiQueue.async { continuation.resume(with: Result { try ffi(body) }) }
    }
}

/// A continuation resumed once: by the result or by cancellation, whichever
/// comes first (cancellation may come before the continuation exists).
private final class ResumeOnce<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Error>?
    private var early: Result<T, Error>?
    private var done = false

    func set(_ continuation: CheckedContinuation<T, Error>) {
        lock.lock()
        if let early {
            done = true
            lock.unlock()
            continuation.resume(with: early)
            return
        }
        self.continuation = continuation
        lock.unlock()
    }

    func resume(with result: Result<T, Error>) {
        lock.lock()
        guard !done else { lock.unlock(); return }
        guard let continuation else {
            early = early ?? result
            lock.unlock()
            return
        }
        done = true
        self.continuation = nil
        lock.unlock()
        continuation.resume(with: result)
    }
}

/// An account as listed: everything but its key (`period` a `TimeInterval`).
public typealias Account = VaktFFI.Account
/// One row of the code screen: `code` with its `timeLeft` / `validUntil` and
/// the `nextCode`; for HOTP (`counterBased`) no code until the user asks
/// (`nextCode(id:)`).
public typealias CodeRow = VaktFFI.CodeRow
/// The lockout state (readable without a PIN).
public typealias LockState = VaktFFI.LockState
/// What an otpauth URI describes, without its key.
public typealias UriInfo = VaktFFI.UriInfo

extension VaktFFI.Account: Identifiable {}

extension VaktFFI.CodeRow: Identifiable {
    /// The account's id.
    public var id: Int64 { account.id }
}

/// A key typed by hand ("can't scan the code?").
public struct ManualKey: Sendable {
    public var issuer: String
    public var accountName: String
    /// Base32 as shown by the service; spaces, dashes and lower case are fine.
    public var key: String
    public var type: OtpType = .totp
    public var algorithm: HashAlgorithm = .sha1
    public var digits: UInt32 = 6
    public var period: TimeInterval = 30
    public var counter: UInt64 = 0

    public init(issuer: String, accountName: String, key: String) {
        self.issuer = issuer
        self.accountName = accountName
        self.key = key
    }
}

/// otpauth URIs without a vault.
public enum Otpauth {
    /// What `uri` describes (throws `VaktError.invalidUri` naming the field at fault).
    public static func parse(_ uri: String) throws -> UriInfo {
        try ffi { try parseUri(uri: uri) }
    }

    /// The code of `uri` at `date` (HOTP: at the URI's counter).
    public static func code(_ uri: String, at date: Date) throws -> String {
        try ffi { try codeForUri(uri: uri, at: date) }
    }
}

/// A Vakt vault on disk, locked: its lockout state, unlock with the PIN, unblock
/// with the unblock code, change the PIN. Every call is `async` and runs off the
/// main thread. The native object is freed with the last reference.
public final class VaktVault: @unchecked Sendable {
    /// Choices made when a vault is created (and the same when it is opened).
    public struct Options: Sendable {
        /// Minimum length of new PINs, 4–12 (default 4, as in the core).
        public var minPinLength: Int

        public init(minPinLength: Int = 4) {
            precondition((4...12).contains(minPinLength), "minPinLength must be 4–12")
            self.minPinLength = minPinLength
        }

        var ffi: VaultOptions {
            VaultOptions(minPinLength: UInt32(minPinLength))
        }
    }

    private let vault: Vault

    private init(_ vault: Vault) {
        self.vault = vault
    }

    /// Creates a vault at `url` protected by `pin`; returns it with its first
    /// unblock code (show it once with `reveal()`, never store it; printing it
    /// shows nothing of it).
    public static func create(
        at url: URL,
        keystore: DeviceKeystore,
        pin: String,
        clock: Clock = systemClock(),
        options: Options = Options()
    ) async throws -> (vault: VaktVault, unblockCode: NewUnblockCode) {
        let created = try await offMainToTheEnd {
            try createVault(path: url.path, keystore: keystore, clock: clock, pin: pin, options: options.ffi)
        }
        return (VaktVault(created.vault), created.unblockCode)
    }

    /// Opens the vault at `url`; a file that cannot be read is reported and left untouched.
    public static func open(
        at url: URL,
        keystore: DeviceKeystore,
        clock: Clock = systemClock(),
        options: Options = Options()
    ) async throws -> VaktVault {
        VaktVault(try await offMain {
            try Vault.open(path: url.path, keystore: keystore, clock: clock, options: options.ffi)
        })
    }

    /// The lockout state (no PIN needed).
    public func status() async throws -> LockState {
        let vault = self.vault
        return try await offMain { try vault.status() }
    }

    /// Whether biometric unlock is enabled (no PIN needed).
    public func biometricEnabled() async throws -> Bool {
        let vault = self.vault
        return try await offMain { try vault.biometricEnabled() }
    }

    /// Opens a session through the platform's user-authenticated `key` (it
    /// shows the prompt). Throws `.biometric…` (ask for the PIN) or `.blocked`:
    /// biometrics never open a blocked vault.
    public func unlockWithBiometrics(_ key: UserAuthKeystore) async throws -> VaktSession {
        let vault = self.vault
        return VaktSession(try await offMain { try vault.unlockBiometric(key: key) })
    }

    /// Checks `pin` (the attempt is counted first) and opens a session.
    public func unlock(pin: String) async throws -> VaktSession {
        let vault = self.vault
        return VaktSession(try await offMain { try vault.unlock(pin: pin) })
    }

    /// Opens the vault with the unblock code, sets `newPin`, and returns the
    /// session with the **new** unblock code (the old one stops working).
    public func unblock(code: String, newPin: String) async throws -> (session: VaktSession, unblockCode: NewUnblockCode) {
        let vault = self.vault
        let result = try await offMainToTheEnd { try vault.unblock(unblockCode: code, newPin: newPin) }
        return (VaktSession(result.session), result.unblockCode)
    }

    /// The secret the user typed to open a backup.
    public enum BackupSecret: Sendable, CustomStringConvertible {
        /// The unblock code current when the backup was made.
        case unblockCode(String)
        /// The backup passphrase (if one was set before the backup was made).
        case passphrase(String)

        /// Never shows the secret.
        public var description: String {
            switch self {
            case .unblockCode: return "BackupSecret.unblockCode"
            case .passphrase: return "BackupSecret.passphrase"
            }
        }
    }

    /// A backup restored into a new vault, with that vault's **new** unblock code.
    public struct Restored {
        /// The new vault (locked; opens with the new PIN).
        public let vault: VaktVault
        /// An open session on it.
        public let session: VaktSession
        /// The new vault's unblock code (the backup's no longer opens it). Show it once (`reveal()`).
        public let unblockCode: NewUnblockCode
        /// Accounts restored.
        public let restored: Int
        /// Push tokens to enrol again on this device (by name; `VaktPush.tokens()` lists them as `.needsReenrolment`).
        public let needsReenrolment: [String]
    }

    /// Restores `backup` (a backup file's bytes) into a new vault at `url` on
    /// this device, opened by `secret` and protected by `newPin`. A wrong
    /// secret throws `.wrongBackupSecret` and counts like an unblock attempt.
    public static func restore(
        at url: URL,
        keystore: DeviceKeystore,
        backup: Data,
        secret: BackupSecret,
        newPin: String,
        clock: Clock = systemClock(),
        options: Options = Options()
    ) async throws -> Restored {
        let (kind, text): (BackupSecretKind, String)
        switch secret {
        case let .unblockCode(code): (kind, text) = (.unblockCode, code)
        case let .passphrase(phrase): (kind, text) = (.passphrase, phrase)
        }
        let r = try await offMainToTheEnd {
            try restoreBackup(
                path: url.path, keystore: keystore, clock: clock, backup: backup,
                secretKind: kind, secret: text, newPin: newPin, options: options.ffi
            )
        }
        return Restored(
            vault: VaktVault(r.vault), session: VaktSession(r.session), unblockCode: r.unblockCode,
            restored: Int(r.restored), needsReenrolment: r.needsReenrolment
        )
    }

    /// What a backup file says about itself, before any secret is asked for.
    public static func inspect(backup: Data) throws -> BackupInfo {
        try ffi { try inspectBackup(backup: backup) }
    }

    /// Changes the PIN; `current` counts as an attempt like any other.
    public func changePin(current: String, new: String) async throws {
        let vault = self.vault
        try await offMain { try vault.changePin(currentPin: current, newPin: new) }
    }
}

/// An unlocked vault. `lock()` zeroizes the vault key in Rust; later calls throw
/// `VaktError.locked`. Safe to use from several tasks at once.
public final class VaktSession: @unchecked Sendable {
    private let session: Session

    init(_ session: Session) {
        self.session = session
    }

    deinit {
        session.lock()
    }

    private func call<T>(_ body: @escaping (Session) throws -> T) async throws -> T {
        let session = self.session
        return try await offMain { try body(session) }
    }

    /// Every account in display order (never their keys).
    public func accounts() async throws -> [Account] {
        try await call { try $0.accounts() }
    }

    /// Adds the account of an otpauth URI (as scanned); returns its id.
    @discardableResult
    public func add(uri: String) async throws -> Int64 {
        try await call { try $0.addUri(uri: uri) }
    }

    /// Adds an account from a key typed by hand; returns its id.
    @discardableResult
    public func add(manual key: ManualKey) async throws -> Int64 {
        let entry = ManualEntry(
            issuer: key.issuer, accountName: key.accountName, key: key.key, otpType: key.type,
            algorithm: key.algorithm, digits: key.digits, period: key.period, counter: key.counter
        )
        return try await call { try $0.addManual(entry: entry) }
    }

    /// Renames an account; its issuer too if `issuer` is not nil.
    public func rename(id: Int64, accountName: String, issuer: String? = nil) async throws {
        try await call { try $0.rename(id: id, issuer: issuer, accountName: accountName) }
    }

    /// Deletes an account (or push token). Throws `.deletionNotAllowed` for a
    /// container's token whose server forbids it.
    public func delete(id: Int64) async throws {
        try await call { try $0.delete(id: id) }
    }

    /// Puts the accounts in this order (`ids` lists every account once).
    public func reorder(_ ids: [Int64]) async throws {
        try await call { try $0.reorder(ids: ids) }
    }

    /// The code screen now, by the vault's clock.
    public func codes() async throws -> [CodeRow] {
        try await call { try $0.codes() }
    }

    /// The code screen at `date`.
    public func codes(at date: Date) async throws -> [CodeRow] {
        try await call { try $0.codesAt(at: date) }
    }

    /// HOTP: advances the counter (committed before the code is returned).
    public func nextCode(id: Int64) async throws -> String {
        try await call { try $0.nextCode(id: id) }
    }

    /// Replaces the unblock code; returns the new one (show it once with `reveal()`).
    public func reissueUnblockCode() async throws -> NewUnblockCode {
        let session = self.session
        return try await offMainToTheEnd { try session.reissueUnblockCode() }
    }

    /// Adds what a scanned code holds (one account, or an export code's usable
    /// accounts) in one transaction; a key already in the vault is reported,
    /// not added again.
    @discardableResult
    public func add(scanned qr: ScannedQr) async throws -> [ScannedAccount] {
        let code = qr.code
        return try await call { try $0.addScanned(code: code) }
    }

    /// A backup of every account (an encrypted file's bytes) to store anywhere.
    /// Cheap; opens with the current unblock code (and the backup passphrase).
    public func backup() async throws -> Data {
        try await call { try $0.backup() }
    }

    /// Goes up with every change: a backup is due when it differs from its value at the last one.
    public func changeCount() async throws -> Int64 {
        try await call { try $0.changeCount() }
    }

    /// Lets `passphrase` (12+ characters) open backups made from now on, besides the unblock code.
    public func setBackupPassphrase(_ passphrase: String) async throws {
        try await call { try $0.setBackupPassphrase(passphrase: passphrase) }
    }

    /// Stops the backup passphrase opening new backups; whether one was set.
    @discardableResult
    public func removeBackupPassphrase() async throws -> Bool {
        try await call { try $0.removeBackupPassphrase() }
    }

    /// Imports another app's export file (`password` only if encrypted), in one transaction.
    public func importAccounts(_ format: ImportFormat, file: Data, password: String? = nil) async throws -> ImportReport {
        try await call { try $0.importAccounts(format: format, file: file, password: password) }
    }

    /// Every account as an Aegis JSON file; **keys in the clear** unless `password` is given.
    /// Keys leave the vault, so the user's `pin` is asked again even in an open
    /// session (a wrong one counts towards the lockout).
    public func exportAegis(pin: String, password: String? = nil) async throws -> Data {
        try await call { try $0.exportAegis(pin: pin, password: password) }
    }

    /// Accounts `ids` (in order; empty: all) as Google Authenticator export QR
    /// codes (`QrImage`s to draw). **The images carry the keys**: show them,
    /// never store or share them. The `pin` is asked again, as for `exportAegis`.
    public func exportMigrationQrCodes(pin: String, ids: [Int64] = []) async throws -> MigrationExport {
        try await call { try $0.exportMigrationQrCodes(pin: pin, ids: ids) }
    }

    /// An account's otpauth QR code, to draw (`QrImage`). **It carries the key**:
    /// show it, never store or share it. The `pin` is asked again, as for `exportAegis`.
    public func accountQr(pin: String, id: Int64) async throws -> QrImage {
        try await call { try $0.accountQr(pin: pin, id: id) }
    }

    /// The code screen at once, then every `interval` seconds (on the second)
    /// for as long as it is iterated. Ends when the session is locked; other
    /// errors end it with that error.
    public func codeUpdates(every interval: TimeInterval = 1) -> AsyncThrowingStream<[CodeRow], Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    while !Task.isCancelled {
                        continuation.yield(try await self.codes())
                        let now = Date().timeIntervalSince1970
                        let wait = interval - now.truncatingRemainder(dividingBy: interval)
                        try await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000))
                    }
                    continuation.finish()
                } catch VaktError.locked {
                    continuation.finish()
                } catch is CancellationError {
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Push approval (privacyIDEA push tokens) through `transport`; see
    /// `VaktPush`. `allowInsecure`: plain http to other machines and
    /// `sslverify=0` (test set-ups only).
    public func push(transport: HttpTransport = URLSessionTransport(), allowInsecure: Bool = false) -> VaktPush {
        VaktPush(session: self, transport: transport, allowInsecure: allowInsecure)
    }

    /// privacyIDEA smartphone containers through `transport`; see
    /// `VaktContainers`. `deviceBrand` and `deviceModel` are shown to the
    /// server's admin. `allowInsecure`: plain http to other machines and
    /// `ssl_verify=False` (test set-ups only).
    public func containers(
        transport: HttpTransport = URLSessionTransport(), allowInsecure: Bool = false,
        deviceBrand: String? = nil, deviceModel: String? = nil
    ) -> VaktContainers {
        VaktContainers(
            session: self, transport: transport, allowInsecure: allowInsecure,
            deviceBrand: deviceBrand, deviceModel: deviceModel
        )
    }

    /// Runs `body` on the FFI queue with the generated session (for `VaktPush`, `VaktContainers`).
    func run<T>(_ body: @escaping (Session) throws -> T) async throws -> T {
        try await call(body)
    }

    /// Whether the session is locked.
    public var isLocked: Bool { session.isLocked() }

    /// Locks the session at once, from any thread (calls in progress finish
    /// and throw `.locked`): the vault key is zeroized; later calls throw `.locked`.
    public func lock() {
        session.lock()
    }

    /// Enables biometric unlock with the platform's user-authenticated `key`;
    /// the user's `pin` is asked again (a wrong one counts towards the lockout).
    public func enableBiometrics(pin: String, key: UserAuthKeystore) async throws {
        try await call { try $0.enableBiometric(pin: pin, key: key) }
    }

    /// Turns biometric unlock off.
    public func disableBiometrics() async throws {
        try await call { try $0.disableBiometric() }
    }

    /// The clock offset codes and push use, in seconds (the right time minus
    /// the phone's). Show it when it is 30 s or more either way.
    public func clockOffset() async throws -> Int64 {
        try await call { try $0.clockOffset() }
    }

    /// Keeps `seconds` as the clock offset (0 clears it; more than a day
    /// either way throws `.invalidInput`). Measure it with
    /// `measureClockOffset(date:sent:received:)` from the `Date` of a reply of
    /// the privacyIDEA server (over https).
    public func setClockOffset(_ seconds: Int64) async throws {
        try await call { try $0.setClockOffset(seconds: seconds) }
    }

    /// Locks the session after `timeout` without a call (`nil`: never by idleness).
    public func setIdleTimeout(_ timeout: TimeInterval?) {
        session.setIdleTimeout(timeout: timeout.map { max(0, $0) })
    }

    /// Call when the scene phase becomes `.background`: the session locks at
    /// once with 0, else if the app stays away `lockAfter`.
    public func enteredBackground(lockAfter: TimeInterval) {
        session.enteredBackground(lockAfter: max(0, lockAfter))
    }

    /// Call when the scene phase becomes `.active`: false if the session
    /// locked meanwhile (ask for the PIN).
    @discardableResult
    public func enteredForeground() -> Bool {
        session.enteredForeground()
    }
}
