package app.vakt

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

    /** A manually entered parameter (digits, period) is out of range. */
    class InvalidParameter(message: String, cause: Throwable? = null) : BadInput(message, cause)

    /** A PIN is malformed, or too weak to be set. */
    class InvalidPin(message: String, cause: Throwable? = null) : BadInput(message, cause)

    /** The typed unblock code is malformed; this did not count as an attempt. */
    class MistypedUnblockCode(message: String, cause: Throwable? = null) : BadInput(message, cause)

    /** Another argument is not acceptable (e.g. a reorder that misses an account). */
    class InvalidInput(message: String, cause: Throwable? = null) : BadInput(message, cause)

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

    /** The vault file cannot be used ([reason]); it was left untouched. */
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

    /** Something outside the user's control failed; log [message], offer to retry. */
    sealed class Failure(message: String, cause: Throwable?) : VaktException(message, cause)

    /** Storage failed (disk full, busy). */
    class Storage(message: String, cause: Throwable? = null) : Failure(message, cause)

    /** The platform keystore failed for a reason other than a wrong key. */
    class Keystore(message: String, cause: Throwable? = null) : Failure(message, cause)

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
        is FfiException.InvalidParameter -> VaktException.InvalidParameter(detail, this)
        is FfiException.InvalidPin -> VaktException.InvalidPin(detail, this)
        is FfiException.MistypedUnblockCode -> VaktException.MistypedUnblockCode(detail, this)
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
        is FfiException.Storage -> VaktException.Storage(detail, this)
        is FfiException.Keystore -> VaktException.Keystore(detail, this)
        is FfiException.Internal -> VaktException.Internal(detail, this)
    }

/** Runs one call into the generated bindings, rethrowing its errors as [VaktException]. */
internal inline fun <T> ffi(block: () -> T): T =
    try {
        block()
    } catch (e: FfiException) {
        throw e.toVakt()
    }
