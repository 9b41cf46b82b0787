package app.vakt

import java.time.Instant
import kotlin.time.Duration.Companion.seconds

/**
 * A new unblock code: an object, so that printing it (or a result holding it)
 * shows nothing of it; `reveal()` gives the text for the one screen that shows it.
 */
typealias NewUnblockCode = app.vakt.ffi.NewUnblockCode

/** Which rule a new PIN breaks ([VaktException.InvalidPin.reason]), to word in the user's language. */
typealias PinProblem = app.vakt.ffi.PinProblem

/** What is wrong with a typed unblock code ([VaktException.MistypedUnblockCode.reason]). */
typealias UnblockCodeProblem = app.vakt.ffi.UnblockCodeProblem

/**
 * The clock offset a server's reply gives: its `Date` header value [date] (e.g.
 * `HttpURLConnection.getHeaderField("Date")`) for a request sent at [sent] and answered
 * at [received] by the phone's clock; null when [date] is not an HTTP date.
 */
fun measureClockOffset(date: String, sent: Instant, received: Instant): kotlin.time.Duration? =
    app.vakt.ffi.clockOffsetFromDate(date, sent, received)?.seconds

/**
 * The platform key behind biometric unlock (a Keystore key with user authentication
 * required, used through `BiometricPrompt` with a `CryptoObject`). Called off the main
 * thread; it may block while the prompt is shown. Throw [UserAuthFailure].
 */
typealias UserAuthKeystore = app.vakt.ffi.UserAuthKeystore

/** Why the user-authenticated key did not seal or open: Cancelled, LockedOut, KeyInvalidated, Failed. */
typealias UserAuthFailure = app.vakt.ffi.UserAuthFailure

/** How codes are counted: TOTP, HOTP or Steam. */
typealias OtpType = app.vakt.ffi.OtpType

/** The HMAC hash of an account. */
typealias HashAlgorithm = app.vakt.ffi.HashAlgorithm

/** Why a vault file cannot be used. */
typealias UnreadableReason = app.vakt.ffi.UnreadableReason

/** Why a backup file cannot be read. */
typealias BackupUnreadableReason = app.vakt.ffi.BackupUnreadableReason

/** A push token to enrol, as its QR code describes it (without the enrolment credential). */
typealias PushEnrolmentDetails = app.vakt.ffi.PushEnrolmentDetails

/** An entry of an export code that cannot be used, by name, with the reason. */
typealias UnusableExportEntry = app.vakt.ffi.UnusableExportEntry

/** The apps whose export files [VaktSession.importAccounts] reads. */
typealias ImportFormat = app.vakt.ffi.ImportFormat

/** What an import did: added, duplicates, skipped entries, notes. */
typealias ImportReport = app.vakt.ffi.ImportReport

/** Google Authenticator export codes (images that **carry keys**: [QrImage]) and the accounts left out. */
typealias MigrationExport = app.vakt.ffi.MigrationExport

/**
 * A QR code as its modules, for the app to draw: `side` × `side` bytes in
 * `luma`, 0 dark and 255 light, quiet zone included. Draw it with [toArgb] (or
 * `toBitmap` on Android) and scale it without smoothing (`FilterQuality.None`,
 * `Paint.isFilterBitmap = false`) so it stays crisp. **It carries keys**: show
 * it, do not store or share it.
 */
typealias QrImage = app.vakt.ffi.QrImage

/** What a backup file says about itself (no secret needed). */
typealias BackupInfo = app.vakt.ffi.BackupInfo

/** A source of the current time, implemented in Kotlin or taken from [systemClock]. */
typealias Clock = app.vakt.ffi.Clock

/**
 * The platform keystore the vault binds its slots to: [AndroidDeviceKeystore] on
 * a phone, [AesGcmKeystore] over any `SecretKey`, or `softwareKeystore` in tests.
 * Implementations throw `app.vakt.ffi.KeystoreFailure` (`KeyMissing`, `Rejected`,
 * `Failed(detail)`); any other exception arrives in Rust as `Failed`. Push
 * tokens also need its RSA signing keys (`createSigningKey`, `sign`,
 * `deleteSigningKey`): see [AndroidDeviceKeystore].
 */
typealias DeviceKeystore = app.vakt.ffi.DeviceKeystore

/** The system clock (implemented in Rust). */
fun systemClock(): Clock = app.vakt.ffi.systemClock()

/** A clock stopped at [epochSeconds] (tests, screenshots). */
fun fixedClock(epochSeconds: Long): Clock {
    require(epochSeconds >= 0) { "epochSeconds must not be negative" }
    return app.vakt.ffi.fixedClock(epochSeconds.toULong())
}

/** A [Clock] reading [source] (e.g. a `java.time.Clock` that tests can move). */
fun clockOf(source: java.time.Clock): Clock =
    object : Clock {
        override fun nowUnix(): ULong = source.instant().epochSecond.coerceAtLeast(0).toULong()
    }

/** An account as listed: everything but its key (`period` a `java.time.Duration`). */
typealias Account = app.vakt.ffi.Account

/**
 * One row of the code screen: `code` with its `timeLeft` / `validUntil` and the
 * `nextCode`; for HOTP (`counterBased`) no code until the user asks (`nextCode(id)`).
 */
typealias CodeRow = app.vakt.ffi.CodeRow

/** What an otpauth URI describes, without its key. */
typealias UriInfo = app.vakt.ffi.UriInfo

/** The lockout state (readable without a PIN). */
typealias LockState = app.vakt.ffi.LockState

/** A key typed by hand ("can't scan the code?"). */
data class ManualKey(
    val issuer: String,
    val accountName: String,
    /** Base32 as shown by the service; spaces, dashes and lower case are fine. */
    val key: String,
    val type: OtpType = OtpType.TOTP,
    val algorithm: HashAlgorithm = HashAlgorithm.SHA1,
    val digits: Int = 6,
    val period: java.time.Duration = java.time.Duration.ofSeconds(30),
    val counter: Long = 0,
)

/** otpauth URIs without a vault: inspect a scanned QR code, or compute one code. */
object Otpauth {
    /** What [uri] describes (throws [VaktException.InvalidUri] naming the field at fault). */
    fun parse(uri: String): UriInfo = ffi { app.vakt.ffi.parseUri(uri) }

    /** The code of [uri] at [at] (HOTP: at the URI's counter). */
    fun code(uri: String, at: Instant): String = ffi { app.vakt.ffi.codeForUri(uri, at) }
}
