import Foundation
import VaktFFI

/// Everything the Vakt wrapper throws, one case per thing the app does about it.
/// Messages come from the Rust core, are written for people, and never contain a
/// secret or an account name.
///
/// ```swift
/// do {
///     let session = try await vault.unlock(pin: pin)
/// } catch let error as VaktError {
///     switch error {
///     case .wrongPin(let left): showAttemptsLeft(left)
///     case .blocked: askForUnblockCode()
///     case _ where error.isBadInput: showFieldError(error.localizedDescription)
///     default: showFailure(error)
///     }
/// }
/// ```
public enum VaktError: Error, Equatable, Hashable, LocalizedError, Sendable {
    /// An otpauth URI was refused; `field` names the part at fault (`secret`, `digits`, …).
    case invalidUri(field: String, message: String)
    /// A key typed by hand is not usable base32.
    case invalidKey(message: String)
    /// An organisation's escrow key (scanned or typed) is not one: ask for it again.
    case invalidOrgKey(message: String)
    /// A manually entered parameter (digits, period) is out of range.
    case invalidParameter(message: String)
    /// A PIN is malformed, or too weak to be set: `reason` is the rule it breaks
    /// (word it in the user's language); `message` is the English default.
    case invalidPin(reason: PinProblem, message: String)
    /// The typed unblock code is malformed (`reason`: wrong length, a character
    /// codes do not use, or the check character); this did not count as an attempt.
    case mistypedUnblockCode(reason: UnblockCodeProblem, message: String)
    /// Another argument is not acceptable (e.g. a reorder that misses an account).
    case invalidInput(message: String)
    /// Wrong PIN; `attemptsLeft` (≥ 1) more before the vault is blocked.
    case wrongPin(attemptsLeft: Int)
    /// Blocked after three wrong PINs: only the unblock code opens the vault now.
    case blocked
    /// A well-formed unblock code that is not the current one.
    case wrongUnblockCode(failedAttempts: Int)
    /// No vault at this path yet: offer to create one.
    case notInitialized
    /// A vault already exists at this path: open it instead.
    case alreadyInitialized
    /// The vault file cannot be used; it was left untouched.
    case vaultUnreadable(UnreadableReason)
    /// The account is already in the vault.
    case duplicate(existingId: Int64)
    /// No account with this id.
    case noSuchAccount(id: Int64)
    /// The account is time-based; it has no counter to advance.
    case notCounterBased(id: Int64)
    /// The session was locked: unlock again.
    case locked
    /// No QR code in the image: ask for another picture.
    case noQrCode
    /// ImageIO cannot read the bytes as an image (from `QrScanner.scanImage(data:)`).
    case notAnImage(message: String)
    /// A QR code that is not for an authenticator; `scheme` (`https`, `wifi`) if
    /// it has one — never the rest of its text.
    case notAnAuthenticatorQr(scheme: String?)
    /// The backup file cannot be read; nothing was changed.
    case backupUnreadable(BackupUnreadableReason)
    /// The backup has no backup passphrase: ask for the unblock code instead.
    case backupHasNoPassphrase
    /// The vault has no backup key yet (made before backups existed): reissue the unblock code first.
    case noBackupKey
    /// The unblock code or passphrase does not open the backup (counted; waits grow).
    case wrongBackupSecret(failedAttempts: Int)
    /// The export file is encrypted: ask for its password.
    case importPasswordNeeded
    /// The password does not open the export file.
    case wrongImportPassword
    /// The file is not a readable export of the chosen app, or an unsupported variant.
    case importFailed(message: String)
    /// The vault file is damaged; it was moved aside, untouched, to `movedTo`.
    /// Offer to restore a backup into the same path, which is free now.
    case vaultDamaged(movedTo: String)
    /// No space is left on the device; nothing was changed. Ask the person to
    /// free some space. Unlocking and codes keep working (space is kept aside).
    case storageFull
    /// The vault's folder cannot be written (read-only storage, permissions):
    /// the lockout state shows, but the vault cannot be opened — every PIN
    /// attempt must be recorded there first.
    case storageNotWritable
    /// The storage is not available yet (data protection before the first
    /// unlock after a restart): retry once the device has been unlocked.
    case storageUnavailable
    /// Storage failed otherwise (busy, an input/output failure); nothing was changed.
    case storage(message: String)
    /// Biometric unlock is not enabled on this vault: ask for the PIN.
    case biometricNotEnabled
    /// The user cancelled the biometric prompt: ask for the PIN.
    case biometricCancelled
    /// The system locked biometrics out after too many tries: ask for the PIN.
    case biometricLockedOut
    /// The biometric key is no longer valid (biometrics changed): biometric
    /// unlock was turned off; unlock with the PIN and offer to enable it again.
    case biometricInvalidated
    /// The platform keystore failed for a reason other than a wrong key.
    case keystore(message: String)
    /// An unexpected internal failure (a bug).
    case internalFailure(message: String)
    /// A push server uses plain http to another machine, and insecure servers are not allowed.
    case insecureServer
    /// The push server could not be reached (`kind`); `detail` is for logs. Try again later.
    case pushNetwork(kind: PushNetworkKind, detail: String)
    /// The push server refused: HTTP `status`, privacyIDEA error `code`. At
    /// enrolment, 404 / 601 usually means the code was already used or expired.
    case pushServer(status: Int, code: Int64?)
    /// The push server's answer is not what privacyIDEA sends.
    case unexpectedPushReply
    /// A login request was refused before anything of it was shown: forged
    /// (possibly an attack) or malformed (`field` at fault).
    case challengeRefused(reason: ChallengeRefusal, field: String?)
    /// A login request for a push token this vault does not have.
    case unknownPushToken
    /// The push token must be enrolled again (restored, or interrupted): scan a new code.
    case needsReenrolment(tokenId: Int64)
    /// No login request with this id.
    case noSuchChallenge(id: Int64)
    /// The login request has expired.
    case challengeExpired
    /// The login request was already answered.
    case alreadyAnswered
    /// The login request has a presence check: approve with one of `options`.
    case presenceRequired(options: [String])
    /// The presence answer is not one of the offered options.
    case notAnOption
    /// The server says the presence answer is wrong; the request is still open.
    case wrongPresenceAnswer
    /// The push server no longer has this login request open.
    case challengeClosed
    /// The entry is a token of a container whose server does not allow
    /// deleting its tokens on the phone; nothing was deleted.
    case deletionNotAllowed(id: Int64, containerId: Int64)
    /// The container registration code asks a passphrase: show `prompt` and
    /// register again with the answer.
    case passphraseRequired(prompt: String)
    /// The server refused the registration (code expired or used, or wrong
    /// passphrase): ask for a new code.
    case registrationRefused
    /// The container is already registered with this vault.
    case containerAlreadyRegistered(id: Int64)
    /// No container with this id.
    case noSuchContainer(id: Int64)
    /// The server no longer accepts this vault for the container (moved to
    /// another phone by a rollover, or unregistered on the server); its
    /// tokens stay. Offer to scan a new registration code.
    case containerNotRegisteredHere(id: Int64)
    /// The server's policy does not allow `action` (`unregister`) on the phone.
    case notAllowedByServer(action: String)

    /// The one place generated errors become `VaktError`s. The switch is
    /// exhaustive, so a new Rust error variant does not compile until mapped.
    init(_ error: VaktFFI.VaktError) {
        switch error {
        case let .InvalidUri(field, message): self = .invalidUri(field: field, message: message)
        case let .InvalidKey(message): self = .invalidKey(message: message)
        case let .InvalidOrgKey(message): self = .invalidOrgKey(message: message)
        case let .InvalidParameter(message): self = .invalidParameter(message: message)
        case let .InvalidPin(reason, message): self = .invalidPin(reason: reason, message: message)
        case let .MistypedUnblockCode(reason, message): self = .mistypedUnblockCode(reason: reason, message: message)
        case let .InvalidInput(message): self = .invalidInput(message: message)
        case let .WrongPin(attemptsLeft): self = .wrongPin(attemptsLeft: Int(attemptsLeft))
        case .Blocked: self = .blocked
        case let .WrongUnblockCode(failedAttempts): self = .wrongUnblockCode(failedAttempts: Int(failedAttempts))
        case .NotInitialized: self = .notInitialized
        case .AlreadyInitialized: self = .alreadyInitialized
        case let .VaultUnreadable(reason): self = .vaultUnreadable(reason)
        case let .Duplicate(existingId): self = .duplicate(existingId: existingId)
        case let .NoSuchAccount(id): self = .noSuchAccount(id: id)
        case let .NotCounterBased(id): self = .notCounterBased(id: id)
        case .Locked: self = .locked
        case .NoQrCode: self = .noQrCode
        case let .NotAnAuthenticatorQr(scheme): self = .notAnAuthenticatorQr(scheme: scheme)
        case let .BackupUnreadable(reason): self = .backupUnreadable(reason)
        case .BackupHasNoPassphrase: self = .backupHasNoPassphrase
        case .NoBackupKey: self = .noBackupKey
        case let .WrongBackupSecret(failedAttempts): self = .wrongBackupSecret(failedAttempts: Int(failedAttempts))
        case .ImportPasswordNeeded: self = .importPasswordNeeded
        case .WrongImportPassword: self = .wrongImportPassword
        case let .ImportFailed(message): self = .importFailed(message: message)
        case let .VaultDamaged(movedTo): self = .vaultDamaged(movedTo: movedTo)
        case .StorageFull: self = .storageFull
        case .StorageNotWritable: self = .storageNotWritable
        case .StorageUnavailable: self = .storageUnavailable
        case let .Storage(message): self = .storage(message: message)
        case let .Keystore(message): self = .keystore(message: message)
        case .BiometricNotEnabled: self = .biometricNotEnabled
        case .BiometricCancelled: self = .biometricCancelled
        case .BiometricLockedOut: self = .biometricLockedOut
        case .BiometricInvalidated: self = .biometricInvalidated
        case let .Internal(message): self = .internalFailure(message: message)
        case .InsecureServer: self = .insecureServer
        case let .PushNetwork(kind, detail): self = .pushNetwork(kind: kind, detail: detail)
        case let .PushServer(status, code): self = .pushServer(status: Int(status), code: code)
        case .UnexpectedPushReply: self = .unexpectedPushReply
        case let .ChallengeRefused(reason, field): self = .challengeRefused(reason: reason, field: field)
        case .UnknownPushToken: self = .unknownPushToken
        case let .NeedsReenrolment(tokenId): self = .needsReenrolment(tokenId: tokenId)
        case let .NoSuchChallenge(id): self = .noSuchChallenge(id: id)
        case .ChallengeExpired: self = .challengeExpired
        case .AlreadyAnswered: self = .alreadyAnswered
        case let .PresenceRequired(options): self = .presenceRequired(options: options)
        case .NotAnOption: self = .notAnOption
        case .WrongPresenceAnswer: self = .wrongPresenceAnswer
        case .ChallengeClosed: self = .challengeClosed
        case let .DeletionNotAllowed(id, containerId): self = .deletionNotAllowed(id: id, containerId: containerId)
        case let .PassphraseRequired(prompt): self = .passphraseRequired(prompt: prompt)
        case .RegistrationRefused: self = .registrationRefused
        case let .ContainerAlreadyRegistered(id): self = .containerAlreadyRegistered(id: id)
        case let .NoSuchContainer(id): self = .noSuchContainer(id: id)
        case let .ContainerNotRegisteredHere(id): self = .containerNotRegisteredHere(id: id)
        case let .NotAllowedByServer(action): self = .notAllowedByServer(action: action)
        }
    }

    /// Input refused before anything changed; show `localizedDescription` by the field.
    public var isBadInput: Bool {
        switch self {
        case .invalidUri, .invalidKey, .invalidOrgKey, .invalidParameter, .invalidPin, .mistypedUnblockCode,
             .invalidInput, .notAnImage, .importFailed, .notAnOption:
            return true
        default:
            return false
        }
    }

    /// The login request can no longer be answered here: drop it from the screen.
    public var isChallengeGone: Bool {
        switch self {
        case .noSuchChallenge, .challengeExpired, .alreadyAnswered, .challengeClosed:
            return true
        default:
            return false
        }
    }

    /// The generated error this one stands for (none for `.notAnImage`, which
    /// ImageIO raises on this side).
    var generated: VaktFFI.VaktError? {
        switch self {
        case let .invalidUri(field, message): return .InvalidUri(field: field, message: message)
        case let .invalidKey(message): return .InvalidKey(message: message)
        case let .invalidOrgKey(message): return .InvalidOrgKey(message: message)
        case let .invalidParameter(message): return .InvalidParameter(message: message)
        case let .invalidPin(reason, message): return .InvalidPin(reason: reason, message: message)
        case let .mistypedUnblockCode(reason, message): return .MistypedUnblockCode(reason: reason, message: message)
        case let .invalidInput(message): return .InvalidInput(message: message)
        case let .wrongPin(left): return .WrongPin(attemptsLeft: UInt32(clamping: left))
        case .blocked: return .Blocked
        case let .wrongUnblockCode(failed): return .WrongUnblockCode(failedAttempts: UInt32(clamping: failed))
        case .notInitialized: return .NotInitialized
        case .alreadyInitialized: return .AlreadyInitialized
        case let .vaultUnreadable(reason): return .VaultUnreadable(reason: reason)
        case let .duplicate(existingId): return .Duplicate(existingId: existingId)
        case let .noSuchAccount(id): return .NoSuchAccount(id: id)
        case let .notCounterBased(id): return .NotCounterBased(id: id)
        case .locked: return .Locked
        case .noQrCode: return .NoQrCode
        case .notAnImage: return nil
        case let .notAnAuthenticatorQr(scheme): return .NotAnAuthenticatorQr(scheme: scheme)
        case let .backupUnreadable(reason): return .BackupUnreadable(reason: reason)
        case .backupHasNoPassphrase: return .BackupHasNoPassphrase
        case .noBackupKey: return .NoBackupKey
        case let .wrongBackupSecret(failed): return .WrongBackupSecret(failedAttempts: UInt32(clamping: failed))
        case .importPasswordNeeded: return .ImportPasswordNeeded
        case .wrongImportPassword: return .WrongImportPassword
        case let .importFailed(message): return .ImportFailed(message: message)
        case let .vaultDamaged(movedTo): return .VaultDamaged(movedTo: movedTo)
        case .storageFull: return .StorageFull
        case .storageNotWritable: return .StorageNotWritable
        case .storageUnavailable: return .StorageUnavailable
        case let .storage(message): return .Storage(message: message)
        case let .keystore(message): return .Keystore(message: message)
        case .biometricNotEnabled: return .BiometricNotEnabled
        case .biometricCancelled: return .BiometricCancelled
        case .biometricLockedOut: return .BiometricLockedOut
        case .biometricInvalidated: return .BiometricInvalidated
        case let .internalFailure(message): return .Internal(message: message)
        case .insecureServer: return .InsecureServer
        case let .pushNetwork(kind, detail): return .PushNetwork(kind: kind, detail: detail)
        case let .pushServer(status, code): return .PushServer(status: UInt16(clamping: status), code: code)
        case .unexpectedPushReply: return .UnexpectedPushReply
        case let .challengeRefused(reason, field): return .ChallengeRefused(reason: reason, field: field)
        case .unknownPushToken: return .UnknownPushToken
        case let .needsReenrolment(tokenId): return .NeedsReenrolment(tokenId: tokenId)
        case let .noSuchChallenge(id): return .NoSuchChallenge(id: id)
        case .challengeExpired: return .ChallengeExpired
        case .alreadyAnswered: return .AlreadyAnswered
        case let .presenceRequired(options): return .PresenceRequired(options: options)
        case .notAnOption: return .NotAnOption
        case .wrongPresenceAnswer: return .WrongPresenceAnswer
        case .challengeClosed: return .ChallengeClosed
        case let .deletionNotAllowed(id, containerId): return .DeletionNotAllowed(id: id, containerId: containerId)
        case let .passphraseRequired(prompt): return .PassphraseRequired(prompt: prompt)
        case .registrationRefused: return .RegistrationRefused
        case let .containerAlreadyRegistered(id): return .ContainerAlreadyRegistered(id: id)
        case let .noSuchContainer(id): return .NoSuchContainer(id: id)
        case let .containerNotRegisteredHere(id): return .ContainerNotRegisteredHere(id: id)
        case let .notAllowedByServer(action): return .NotAllowedByServer(action: action)
        }
    }

    /// The one English default text, from Rust (the generated error's
    /// `description` is Rust's `Display`); apps that translate word the case
    /// and its typed values instead.
    public var errorDescription: String? {
        if case let .notAnImage(message) = self { return message }
        return generated?.description
    }
}

/// Runs one call into the generated bindings, rethrowing its errors as `VaktError`.
@inline(__always)
func ffi<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as VaktFFI.VaktError {
        throw VaktError(error)
    }
}
