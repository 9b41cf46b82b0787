package app.vakt

import app.vakt.ffi.BackupUnreadableReason
import app.vakt.ffi.ChallengeRefusal
import app.vakt.ffi.PushNetworkKind
import app.vakt.ffi.UnreadableReason
import app.vakt.ffi.VaktException as FfiException

/**
 * Everything the Vakt wrapper throws, grouped by what the app does about it, so a
 * `when` over the groups (or the leaves) is exhaustive:
 *
 * ```
 * try { vault.unlock(pin) } catch (e: VaktException) {
 *     when (e) {
 *         is VaktException.BadInput -> showFieldError(e.message)
 *         is VaktException.WrongPin -> showAttemptsLeft(e.attemptsLeft)
 *         is VaktException.Blocked -> askForUnblockCode()
 *         ...
 *     }
 * }
 * ```
 *
 * Messages are written for people (from the Rust core) and never contain a
 * secret or an account name. The generated exception is kept as [cause].
 */
sealed class VaktException(message: String, cause: Throwable? = null) : Exception(message, cause) {
    /** Input refused before anything was changed; [message] says what to fix. */
    sealed class BadInput(message: String, cause: Throwable?) : VaktException(message, cause)

    /** An otpauth URI was refused; [field] names the part at fault (`secret`, `digits`, …). */
    class InvalidUri(val field: String, message: String, cause: Throwable? = null) : BadInput(message, cause)

    /** A key typed by hand is not usable base32. */
    class InvalidKey(message: String, cause: Throwable? = null) : BadInput(message, cause)

    /** An organisation's escrow key (scanned or typed) is not one: ask for it again. */
    class InvalidOrgKey(message: String, cause: Throwable? = null) : BadInput(message, cause)

    /** A manually entered parameter (digits, period) is out of range. */
    class InvalidParameter(message: String, cause: Throwable? = null) : BadInput(message, cause)

    /**
     * A PIN is malformed, or too weak to be set: [reason] is the rule it breaks (word it in
     * the user's language); the message is the English default.
     */
    class InvalidPin(val reason: PinProblem, message: String, cause: Throwable? = null) : BadInput(message, cause)

    /**
     * The typed unblock code is malformed ([reason]: wrong length, a character codes do not
     * use, or the check character); this did not count as an attempt.
     */
    class MistypedUnblockCode(val reason: UnblockCodeProblem, message: String, cause: Throwable? = null) : BadInput(message, cause)

    /** Another argument is not acceptable (e.g. a reorder that misses an account). */
    class InvalidInput(message: String, cause: Throwable? = null) : BadInput(message, cause)

    /**
     * The platform's decoders cannot read the bytes as an image (thrown by the
     * Android `QrScanner.scanImage` overloads that decode files).
     */
    class NotAnImage(message: String, cause: Throwable? = null) : BadInput(message, cause)

    /** The file is not a readable export of the chosen app, or a variant that is not supported. */
    class ImportFailed(message: String, cause: Throwable? = null) : BadInput(message, cause)

    /** No QR code in the image: ask for another picture. */
    class NoQrCode(message: String, cause: Throwable? = null) : VaktException(message, cause)

    /**
     * A QR code that is not for an authenticator (a web address, Wi-Fi settings…);
     * [scheme] (`https`, `wifi`) if it has one — never the rest of its text.
     */
    class NotAnAuthenticatorQr(val scheme: String?, message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** The backup file cannot be read ([reason]); nothing was changed. */
    class BackupUnreadable(val reason: BackupUnreadableReason, message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** The backup has no backup passphrase: ask for the unblock code instead. */
    class BackupHasNoPassphrase(message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** The vault has no backup key yet (made before backups existed): reissue the unblock code first. */
    class NoBackupKey(message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** The unblock code or passphrase does not open the backup ([failedAttempts] in a row; waits grow). */
    class WrongBackupSecret(val failedAttempts: Int, message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** The export file is encrypted: ask for its password. */
    class ImportPasswordNeeded(message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** The password does not open the export file. */
    class WrongImportPassword(message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** Wrong PIN; [attemptsLeft] (≥ 1) more before the vault is blocked. */
    class WrongPin(val attemptsLeft: Int, message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** Blocked after three wrong PINs: only the unblock code opens the vault now. */
    class Blocked(message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** A well-formed unblock code that is not the current one ([failedAttempts] in a row). */
    class WrongUnblockCode(val failedAttempts: Int, message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** No vault at this path yet: offer to create one. */
    class NotInitialized(message: String, cause: Throwable? = null) : VaktException(message, cause)

    /** A vault already exists at this path: open it instead. */
    class AlreadyInitialized(message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /**
     * The vault file cannot be used ([reason]); it was left untouched.
     * `WRONG_DEVICE`: this phone's device key does not open it — the key is
     * gone (app data moved to another phone, keystore reset, or a key the
     * platform deleted or invalidated; see [AndroidDeviceKeystore]). No PIN
     * attempt was spent. The vault cannot be opened here any more: offer to
     * restore a backup ([VaktVault.restore]) into a new file.
     */
    class VaultUnreadable(val reason: UnreadableReason, message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** The account is already in the vault as [existingId]. */
    class Duplicate(val existingId: Long, message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** No account with this [id]. */
    class NoSuchAccount(val id: Long, message: String, cause: Throwable? = null) : VaktException(message, cause)

    /** The account [id] is time-based; it has no counter to advance. */
    class NotCounterBased(val id: Long, message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** The session was locked (or closed): unlock again. */
    class Locked(message: String, cause: Throwable? = null) : VaktException(message, cause)

    /**
     * Push answers: the challenge has a presence check — approve again with one
     * of [options] (the one the login screen shows).
     */
    class PresenceRequired(val options: List<String>, message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** The presence answer is not one of the challenge's options. */
    class NotAnOption(message: String, cause: Throwable? = null) : BadInput(message, cause)

    /** The server says the presence answer is wrong; the challenge is still open (ask again). */
    class WrongPresenceAnswer(message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** A push server address uses plain http to another machine, and insecure servers are not allowed. */
    class InsecureServer(message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /**
     * A login request was refused before anything of it was shown: [reason]
     * `FORGED` (its signature does not verify — possibly an attack) or
     * `MALFORMED` ([field] at fault).
     */
    class ChallengeRefused(val reason: ChallengeRefusal, val field: String?, message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** A login request for a push token this vault does not have. */
    class UnknownPushToken(message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** Push token [tokenId] must be enrolled again (restored from a backup, or interrupted): scan a new code. */
    class NeedsReenrolment(val tokenId: Long, message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** The login request can no longer be answered here: drop it from the screen. */
    sealed class ChallengeGone(message: String, cause: Throwable?) : VaktException(message, cause)

    /** No login request with this [id]. */
    class NoSuchChallenge(val id: Long, message: String, cause: Throwable? = null) : ChallengeGone(message, cause)

    /** The login request has expired. */
    class ChallengeExpired(message: String, cause: Throwable? = null) : ChallengeGone(message, cause)

    /** The login request was already answered (differently, or it is a replay). */
    class AlreadyAnswered(message: String, cause: Throwable? = null) : ChallengeGone(message, cause)

    /** The push server no longer has this login request open (answered elsewhere, or expired there). */
    class ChallengeClosed(message: String, cause: Throwable? = null) :
        ChallengeGone(message, cause)

    /**
     * Entry [id] is a token of container [containerId], whose server does not
     * allow deleting its tokens on the phone; nothing was deleted.
     */
    class DeletionNotAllowed(val id: Long, val containerId: Long, message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** The container registration code asks a passphrase: show [prompt] and register again with the answer. */
    class PassphraseRequired(val prompt: String, message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** The server refused the registration (code expired or used, or wrong passphrase): ask for a new code. */
    class RegistrationRefused(message: String, cause: Throwable? = null) : VaktException(message, cause)

    /** The container is already registered with this vault as [id]. */
    class ContainerAlreadyRegistered(val id: Long, message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** No container with this [id]. */
    class NoSuchContainer(val id: Long, message: String, cause: Throwable? = null) : VaktException(message, cause)

    /**
     * The server no longer accepts this vault for container [id] (moved to
     * another phone by a rollover, or unregistered on the server); its tokens
     * stay. Offer to scan a new registration code.
     */
    class ContainerNotRegisteredHere(val id: Long, message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** The server's policy does not allow [action] (`unregister`) on the phone. */
    class NotAllowedByServer(val action: String, message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /** Biometric unlock did not open the vault: ask for the PIN (the subclass says why). */
    sealed class Biometric(message: String, cause: Throwable?) : VaktException(message, cause)

    /** Biometric unlock is not enabled on this vault. */
    class BiometricNotEnabled(message: String, cause: Throwable? = null) : Biometric(message, cause)

    /** The user cancelled the biometric prompt. */
    class BiometricCancelled(message: String, cause: Throwable? = null) : Biometric(message, cause)

    /** The system locked biometrics out after too many tries. */
    class BiometricLockedOut(message: String, cause: Throwable? = null) : Biometric(message, cause)

    /**
     * The biometric key is no longer valid (biometrics changed, lock screen removed):
     * biometric unlock was turned off; unlock with the PIN and offer to enable it again.
     */
    class BiometricInvalidated(message: String, cause: Throwable? = null) :
        Biometric(message, cause)

    /** Something outside the user's control failed; log [message], offer to retry. */
    sealed class Failure(message: String, cause: Throwable?) : VaktException(message, cause)

    /**
     * The vault file is damaged; it was moved aside, untouched, to [movedTo].
     * Offer to restore a backup ([VaktVault.restore]) into the same path, which is free now.
     */
    class VaultDamaged(val movedTo: String, message: String, cause: Throwable? = null) :
        VaktException(message, cause)

    /**
     * No space is left on the device; nothing was changed. Ask the person to free some
     * space, then retry. Unlocking and codes keep working: the vault keeps space aside for them.
     */
    class StorageFull(message: String, cause: Throwable? = null) :
        Failure(message, cause)

    /**
     * The vault's folder cannot be written (read-only storage, permissions). The lockout
     * state can still be shown, but the vault cannot be opened: every PIN attempt must be
     * recorded there first.
     */
    class StorageNotWritable(message: String, cause: Throwable? = null) :
        Failure(message, cause)

    /**
     * The storage is not available yet (direct boot: credential-encrypted storage before the
     * first unlock): retry once the user has unlocked the device (`ACTION_USER_UNLOCKED`).
     */
    class StorageUnavailable(message: String, cause: Throwable? = null) :
        Failure(message, cause)

    /** Storage failed otherwise (busy, an input/output failure); nothing was changed. Retry later. */
    class Storage(message: String, cause: Throwable? = null) : Failure(message, cause)

    /** The platform keystore failed for a reason other than a wrong key. */
    class Keystore(message: String, cause: Throwable? = null) : Failure(message, cause)

    /** The push server could not be reached ([kind]); try again later. */
    class PushNetwork(val kind: PushNetworkKind, message: String, cause: Throwable? = null) : Failure(message, cause)

    /**
     * The push server refused: HTTP [status], privacyIDEA error [code]. At
     * enrolment, 404 / 601 usually means the code was already used or expired.
     */
    class PushServer(val status: Int, val code: Long?, message: String, cause: Throwable? = null) :
        Failure(message, cause)

    /** The push server's answer is not what privacyIDEA sends. */
    class UnexpectedPushReply(message: String, cause: Throwable? = null) : Failure(message, cause)

    /** An unexpected internal failure (a bug). */
    class Internal(message: String, cause: Throwable? = null) : Failure(message, cause)
}

/**
 * The one place the generated exceptions become [VaktException]s. The `when` is
 * exhaustive over the generated sealed class, so a new Rust error variant does
 * not compile until it is mapped here.
 */
internal fun FfiException.toVakt(): VaktException {
    // The one English default text, from Rust's `Display` of the error.
    val text = toString()
    return when (this) {
        is FfiException.InvalidUri -> VaktException.InvalidUri(field, text, this)
        is FfiException.InvalidKey -> VaktException.InvalidKey(text, this)
        is FfiException.InvalidOrgKey -> VaktException.InvalidOrgKey(text, this)
        is FfiException.InvalidParameter -> VaktException.InvalidParameter(text, this)
        is FfiException.InvalidPin -> VaktException.InvalidPin(reason, text, this)
        is FfiException.MistypedUnblockCode -> VaktException.MistypedUnblockCode(reason, text, this)
        is FfiException.InvalidInput -> VaktException.InvalidInput(text, this)
        is FfiException.WrongPin -> VaktException.WrongPin(attemptsLeft.toInt(), text, this)
        is FfiException.Blocked -> VaktException.Blocked(text, this)
        is FfiException.WrongUnblockCode -> VaktException.WrongUnblockCode(failedAttempts.toInt(), text, this)
        is FfiException.NotInitialized -> VaktException.NotInitialized(text, this)
        is FfiException.AlreadyInitialized -> VaktException.AlreadyInitialized(text, this)
        is FfiException.VaultUnreadable -> VaktException.VaultUnreadable(reason, text, this)
        is FfiException.Duplicate -> VaktException.Duplicate(existingId.toLong(), text, this)
        is FfiException.NoSuchAccount -> VaktException.NoSuchAccount(id.toLong(), text, this)
        is FfiException.NotCounterBased -> VaktException.NotCounterBased(id.toLong(), text, this)
        is FfiException.Locked -> VaktException.Locked(text, this)
        is FfiException.NoQrCode -> VaktException.NoQrCode(text, this)
        is FfiException.NotAnAuthenticatorQr -> VaktException.NotAnAuthenticatorQr(scheme, text, this)
        is FfiException.BackupUnreadable -> VaktException.BackupUnreadable(reason, text, this)
        is FfiException.BackupHasNoPassphrase -> VaktException.BackupHasNoPassphrase(text, this)
        is FfiException.NoBackupKey -> VaktException.NoBackupKey(text, this)
        is FfiException.WrongBackupSecret -> VaktException.WrongBackupSecret(failedAttempts.toInt(), text, this)
        is FfiException.ImportPasswordNeeded -> VaktException.ImportPasswordNeeded(text, this)
        is FfiException.WrongImportPassword -> VaktException.WrongImportPassword(text, this)
        is FfiException.ImportFailed -> VaktException.ImportFailed(text, this)
        is FfiException.VaultDamaged -> VaktException.VaultDamaged(movedTo, text, this)
        is FfiException.StorageFull -> VaktException.StorageFull(text, this)
        is FfiException.StorageNotWritable -> VaktException.StorageNotWritable(text, this)
        is FfiException.StorageUnavailable -> VaktException.StorageUnavailable(text, this)
        is FfiException.Storage -> VaktException.Storage(text, this)
        is FfiException.Keystore -> VaktException.Keystore(text, this)
        is FfiException.BiometricNotEnabled -> VaktException.BiometricNotEnabled(text, this)
        is FfiException.BiometricCancelled -> VaktException.BiometricCancelled(text, this)
        is FfiException.BiometricLockedOut -> VaktException.BiometricLockedOut(text, this)
        is FfiException.BiometricInvalidated -> VaktException.BiometricInvalidated(text, this)
        is FfiException.Internal -> VaktException.Internal(text, this)
        is FfiException.InsecureServer -> VaktException.InsecureServer(text, this)
        is FfiException.PushNetwork -> VaktException.PushNetwork(kind, text, this)
        is FfiException.PushServer -> VaktException.PushServer(status.toInt(), code, text, this)
        is FfiException.UnexpectedPushReply -> VaktException.UnexpectedPushReply(text, this)
        is FfiException.ChallengeRefused -> VaktException.ChallengeRefused(reason, field, text, this)
        is FfiException.UnknownPushToken -> VaktException.UnknownPushToken(text, this)
        is FfiException.NeedsReenrolment -> VaktException.NeedsReenrolment(tokenId.toLong(), text, this)
        is FfiException.NoSuchChallenge -> VaktException.NoSuchChallenge(id.toLong(), text, this)
        is FfiException.ChallengeExpired -> VaktException.ChallengeExpired(text, this)
        is FfiException.AlreadyAnswered -> VaktException.AlreadyAnswered(text, this)
        is FfiException.PresenceRequired -> VaktException.PresenceRequired(options, text, this)
        is FfiException.NotAnOption -> VaktException.NotAnOption(text, this)
        is FfiException.WrongPresenceAnswer -> VaktException.WrongPresenceAnswer(text, this)
        is FfiException.ChallengeClosed -> VaktException.ChallengeClosed(text, this)
        is FfiException.DeletionNotAllowed -> VaktException.DeletionNotAllowed(id, containerId, text, this)
        is FfiException.PassphraseRequired -> VaktException.PassphraseRequired(prompt, text, this)
        is FfiException.RegistrationRefused -> VaktException.RegistrationRefused(text, this)
        is FfiException.ContainerAlreadyRegistered -> VaktException.ContainerAlreadyRegistered(id, text, this)
        is FfiException.NoSuchContainer -> VaktException.NoSuchContainer(id, text, this)
        is FfiException.ContainerNotRegisteredHere -> VaktException.ContainerNotRegisteredHere(id, text, this)
        is FfiException.NotAllowedByServer -> VaktException.NotAllowedByServer(action, text, this)
    }
}

/** Runs one call into the generated bindings, rethrowing its errors as [VaktException]. */
internal inline fun <T> ffi(block: () -> T): T =
    try {
        block()
    } catch (e: FfiException) {
        throw e.toVakt()
    }

/** [VaktException.Locked] for a session closed on this side, with Rust's text. */
internal fun lockedError(cause: Throwable? = null): VaktException.Locked =
    VaktException.Locked(FfiException.Locked().toString(), cause)
