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
    class NoQrCode(cause: Throwable? = null) : VaktException("no QR code found in the image", cause)

    /**
     * A QR code that is not for an authenticator (a web address, Wi-Fi settings…);
     * [scheme] (`https`, `wifi`) if it has one — never the rest of its text.
     */
    class NotAnAuthenticatorQr(val scheme: String?, cause: Throwable? = null) :
        VaktException("not an authenticator QR code" + (scheme?.let { " ($it:)" } ?: ""), cause)

    /** The backup file cannot be read ([reason]); nothing was changed. */
    class BackupUnreadable(val reason: BackupUnreadableReason, cause: Throwable? = null) :
        VaktException("this backup cannot be read ($reason)", cause)

    /** The backup has no backup passphrase: ask for the unblock code instead. */
    class BackupHasNoPassphrase(cause: Throwable? = null) :
        VaktException("this backup has no backup passphrase; use the unblock code", cause)

    /** The vault has no backup key yet (made before backups existed): reissue the unblock code first. */
    class NoBackupKey(cause: Throwable? = null) :
        VaktException("this vault has no backup key yet: make a new unblock code first", cause)

    /** The unblock code or passphrase does not open the backup ([failedAttempts] in a row; waits grow). */
    class WrongBackupSecret(val failedAttempts: Int, cause: Throwable? = null) :
        VaktException("this unblock code or passphrase does not open the backup", cause)

    /** The export file is encrypted: ask for its password. */
    class ImportPasswordNeeded(cause: Throwable? = null) :
        VaktException("the file is encrypted: its password is needed", cause)

    /** The password does not open the export file. */
    class WrongImportPassword(cause: Throwable? = null) :
        VaktException("the password does not open this file", cause)

    /** Wrong PIN; [attemptsLeft] (≥ 1) more before the vault is blocked. */
    class WrongPin(val attemptsLeft: Int, cause: Throwable? = null) :
        VaktException("wrong PIN: $attemptsLeft attempt(s) left", cause)

    /** Blocked after three wrong PINs: only the unblock code opens the vault now. */
    class Blocked(cause: Throwable? = null) :
        VaktException("the vault is blocked; use the unblock code", cause)

    /** A well-formed unblock code that is not the current one ([failedAttempts] in a row). */
    class WrongUnblockCode(val failedAttempts: Int, cause: Throwable? = null) :
        VaktException("wrong unblock code", cause)

    /** No vault at this path yet: offer to create one. */
    class NotInitialized(cause: Throwable? = null) : VaktException("no vault here yet", cause)

    /** A vault already exists at this path: open it instead. */
    class AlreadyInitialized(cause: Throwable? = null) :
        VaktException("a vault already exists here", cause)

    /**
     * The vault file cannot be used ([reason]); it was left untouched.
     * `WRONG_DEVICE`: this phone's device key does not open it — the key is
     * gone (app data moved to another phone, keystore reset, or a key the
     * platform deleted or invalidated; see [AndroidDeviceKeystore]). No PIN
     * attempt was spent. The vault cannot be opened here any more: offer to
     * restore a backup ([VaktVault.restore]) into a new file.
     */
    class VaultUnreadable(val reason: UnreadableReason, cause: Throwable? = null) :
        VaktException("the vault cannot be opened ($reason)", cause)

    /** The account is already in the vault as [existingId]. */
    class Duplicate(val existingId: Long, cause: Throwable? = null) :
        VaktException("this account is already in the vault", cause)

    /** No account with this [id]. */
    class NoSuchAccount(val id: Long, cause: Throwable? = null) : VaktException("no such account", cause)

    /** The account [id] is time-based; it has no counter to advance. */
    class NotCounterBased(val id: Long, cause: Throwable? = null) :
        VaktException("this account is time-based", cause)

    /** The session was locked (or closed): unlock again. */
    class Locked(cause: Throwable? = null) : VaktException("the vault is locked", cause)

    /**
     * Push answers: the challenge has a presence check — approve again with one
     * of [options] (the one the login screen shows).
     */
    class PresenceRequired(val options: List<String>, cause: Throwable? = null) :
        VaktException("pick the option the login screen shows", cause)

    /** The presence answer is not one of the challenge's options. */
    class NotAnOption(cause: Throwable? = null) : BadInput("that answer is not one of the offered options", cause)

    /** The server says the presence answer is wrong; the challenge is still open (ask again). */
    class WrongPresenceAnswer(cause: Throwable? = null) :
        VaktException("wrong answer: it is not the one the login screen shows", cause)

    /** A push server address uses plain http to another machine, and insecure servers are not allowed. */
    class InsecureServer(cause: Throwable? = null) :
        VaktException("the push server does not use https; only https is allowed", cause)

    /**
     * A login request was refused before anything of it was shown: [reason]
     * `FORGED` (its signature does not verify — possibly an attack) or
     * `MALFORMED` ([field] at fault).
     */
    class ChallengeRefused(val reason: ChallengeRefusal, val field: String?, cause: Throwable? = null) :
        VaktException("the login request was refused: it is forged or malformed", cause)

    /** A login request for a push token this vault does not have. */
    class UnknownPushToken(cause: Throwable? = null) :
        VaktException("the login request is for a push token this vault does not have", cause)

    /** Push token [tokenId] must be enrolled again (restored from a backup, or interrupted): scan a new code. */
    class NeedsReenrolment(val tokenId: Long, cause: Throwable? = null) :
        VaktException("this push token must be enrolled again: scan a new enrolment code", cause)

    /** The login request can no longer be answered here: drop it from the screen. */
    sealed class ChallengeGone(message: String, cause: Throwable?) : VaktException(message, cause)

    /** No login request with this [id]. */
    class NoSuchChallenge(val id: Long, cause: Throwable? = null) : ChallengeGone("no such login request", cause)

    /** The login request has expired. */
    class ChallengeExpired(cause: Throwable? = null) : ChallengeGone("the login request has expired", cause)

    /** The login request was already answered (differently, or it is a replay). */
    class AlreadyAnswered(cause: Throwable? = null) : ChallengeGone("the login request was already answered", cause)

    /** The push server no longer has this login request open (answered elsewhere, or expired there). */
    class ChallengeClosed(cause: Throwable? = null) :
        ChallengeGone("the push server no longer has this login request open", cause)

    /** Biometric unlock did not open the vault: ask for the PIN (the subclass says why). */
    sealed class Biometric(message: String, cause: Throwable?) : VaktException(message, cause)

    /** Biometric unlock is not enabled on this vault. */
    class BiometricNotEnabled(cause: Throwable? = null) : Biometric("biometric unlock is not enabled", cause)

    /** The user cancelled the biometric prompt. */
    class BiometricCancelled(cause: Throwable? = null) : Biometric("the biometric prompt was cancelled", cause)

    /** The system locked biometrics out after too many tries. */
    class BiometricLockedOut(cause: Throwable? = null) : Biometric("biometrics are locked out by the system", cause)

    /**
     * The biometric key is no longer valid (biometrics changed, lock screen removed):
     * biometric unlock was turned off; unlock with the PIN and offer to enable it again.
     */
    class BiometricInvalidated(cause: Throwable? = null) :
        Biometric("the biometric key is no longer valid; unlock with the PIN", cause)

    /** Something outside the user's control failed; log [message], offer to retry. */
    sealed class Failure(message: String, cause: Throwable?) : VaktException(message, cause)

    /**
     * The vault file is damaged; it was moved aside, untouched, to [movedTo].
     * Offer to restore a backup ([VaktVault.restore]) into the same path, which is free now.
     */
    class VaultDamaged(val movedTo: String, cause: Throwable? = null) :
        VaktException("the vault file is damaged; it was moved aside: restore a backup", cause)

    /**
     * No space is left on the device; nothing was changed. Ask the person to free some
     * space, then retry. Unlocking and codes keep working: the vault keeps space aside for them.
     */
    class StorageFull(cause: Throwable? = null) :
        Failure("there is no space left on the device; free some space and try again", cause)

    /**
     * The vault's folder cannot be written (read-only storage, permissions). The lockout
     * state can still be shown, but the vault cannot be opened: every PIN attempt must be
     * recorded there first.
     */
    class StorageNotWritable(cause: Throwable? = null) :
        Failure("the vault's folder cannot be written; the PIN lockout must record each attempt there", cause)

    /**
     * The storage is not available yet (direct boot: credential-encrypted storage before the
     * first unlock): retry once the user has unlocked the device (`ACTION_USER_UNLOCKED`).
     */
    class StorageUnavailable(cause: Throwable? = null) :
        Failure("the storage is not available until the device is unlocked", cause)

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
    class PushServer(val status: Int, val code: Long?, cause: Throwable? = null) :
        Failure("the push server refused the request (HTTP $status)", cause)

    /** The push server's answer is not what privacyIDEA sends. */
    class UnexpectedPushReply(cause: Throwable? = null) : Failure("the push server's answer is not understood", cause)

    /** An unexpected internal failure (a bug). */
    class Internal(message: String, cause: Throwable? = null) : Failure(message, cause)
}

/**
 * The one place the generated exceptions become [VaktException]s. The `when` is
 * exhaustive over the generated sealed class, so a new Rust error variant does
 * not compile until it is mapped here.
 */
internal fun FfiException.toVakt(): VaktException =
    when (this) {
        is FfiException.InvalidUri -> VaktException.InvalidUri(field, detail, this)
        is FfiException.InvalidKey -> VaktException.InvalidKey(detail, this)
        is FfiException.InvalidOrgKey -> VaktException.InvalidOrgKey(detail, this)
        is FfiException.InvalidParameter -> VaktException.InvalidParameter(detail, this)
        is FfiException.InvalidPin -> VaktException.InvalidPin(reason, detail, this)
        is FfiException.MistypedUnblockCode -> VaktException.MistypedUnblockCode(reason, detail, this)
        is FfiException.InvalidInput -> VaktException.InvalidInput(detail, this)
        is FfiException.WrongPin -> VaktException.WrongPin(attemptsLeft.toInt(), this)
        is FfiException.Blocked -> VaktException.Blocked(this)
        is FfiException.WrongUnblockCode -> VaktException.WrongUnblockCode(failedAttempts.toInt(), this)
        is FfiException.NotInitialized -> VaktException.NotInitialized(this)
        is FfiException.AlreadyInitialized -> VaktException.AlreadyInitialized(this)
        is FfiException.VaultUnreadable -> VaktException.VaultUnreadable(reason, this)
        is FfiException.Duplicate -> VaktException.Duplicate(existingId.toLong(), this)
        is FfiException.NoSuchAccount -> VaktException.NoSuchAccount(id.toLong(), this)
        is FfiException.NotCounterBased -> VaktException.NotCounterBased(id.toLong(), this)
        is FfiException.Locked -> VaktException.Locked(this)
        is FfiException.NoQrCode -> VaktException.NoQrCode(this)
        is FfiException.NotAnAuthenticatorQr -> VaktException.NotAnAuthenticatorQr(scheme, this)
        is FfiException.BackupUnreadable -> VaktException.BackupUnreadable(reason, this)
        is FfiException.BackupHasNoPassphrase -> VaktException.BackupHasNoPassphrase(this)
        is FfiException.NoBackupKey -> VaktException.NoBackupKey(this)
        is FfiException.WrongBackupSecret -> VaktException.WrongBackupSecret(failedAttempts.toInt(), this)
        is FfiException.ImportPasswordNeeded -> VaktException.ImportPasswordNeeded(this)
        is FfiException.WrongImportPassword -> VaktException.WrongImportPassword(this)
        is FfiException.ImportFailed -> VaktException.ImportFailed(detail, this)
        is FfiException.VaultDamaged -> VaktException.VaultDamaged(movedTo, this)
        is FfiException.StorageFull -> VaktException.StorageFull(this)
        is FfiException.StorageNotWritable -> VaktException.StorageNotWritable(this)
        is FfiException.StorageUnavailable -> VaktException.StorageUnavailable(this)
        is FfiException.Storage -> VaktException.Storage(detail, this)
        is FfiException.Keystore -> VaktException.Keystore(detail, this)
        is FfiException.BiometricNotEnabled -> VaktException.BiometricNotEnabled(this)
        is FfiException.BiometricCancelled -> VaktException.BiometricCancelled(this)
        is FfiException.BiometricLockedOut -> VaktException.BiometricLockedOut(this)
        is FfiException.BiometricInvalidated -> VaktException.BiometricInvalidated(this)
        is FfiException.Internal -> VaktException.Internal(detail, this)
        is FfiException.InsecureServer -> VaktException.InsecureServer(this)
        is FfiException.PushNetwork ->
            VaktException.PushNetwork(kind, if (detail.isEmpty()) "the push server could not be reached ($kind)" else "the push server could not be reached ($kind): $detail", this)
        is FfiException.PushServer -> VaktException.PushServer(status.toInt(), code, this)
        is FfiException.UnexpectedPushReply -> VaktException.UnexpectedPushReply(this)
        is FfiException.ChallengeRefused -> VaktException.ChallengeRefused(reason, field, this)
        is FfiException.UnknownPushToken -> VaktException.UnknownPushToken(this)
        is FfiException.NeedsReenrolment -> VaktException.NeedsReenrolment(tokenId.toLong(), this)
        is FfiException.NoSuchChallenge -> VaktException.NoSuchChallenge(id.toLong(), this)
        is FfiException.ChallengeExpired -> VaktException.ChallengeExpired(this)
        is FfiException.AlreadyAnswered -> VaktException.AlreadyAnswered(this)
        is FfiException.PresenceRequired -> VaktException.PresenceRequired(options, this)
        is FfiException.NotAnOption -> VaktException.NotAnOption(this)
        is FfiException.WrongPresenceAnswer -> VaktException.WrongPresenceAnswer(this)
        is FfiException.ChallengeClosed -> VaktException.ChallengeClosed(this)
    }

/** Runs one call into the generated bindings, rethrowing its errors as [VaktException]. */
internal inline fun <T> ffi(block: () -> T): T =
    try {
        block()
    } catch (e: FfiException) {
        throw e.toVakt()
    }
