package app.vakt

import app.vakt.ffi.ManualEntry
import app.vakt.ffi.Session
import app.vakt.ffi.Vault
import app.vakt.ffi.VaultOptions
import java.io.Closeable
import java.io.File
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toJavaDuration
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.withContext

/**
 * A Vakt vault on disk, locked: read its lockout state, unlock it with the PIN,
 * unblock it with the unblock code, change the PIN.
 *
 * Every call that touches the disk or derives a key is a `suspend` function run
 * on [io] (`Dispatchers.IO` by default), so it is safe to call from the main
 * thread. [close] frees the native object; use `use {}`:
 *
 * ```
 * VaktVault.open(file, AndroidDeviceKeystore()).use { vault ->
 *     vault.unlock(pin).use { session -> session.codeRows().collect(::render) }
 * }
 * ```
 */
class VaktVault private constructor(
    private val vault: Vault,
    private val io: CoroutineDispatcher,
) : Closeable {
    /** Choices made when a vault is created (and the same ones when it is opened). */
    data class Options(
        /** Minimum length of new PINs, 4–12 (default 4, as in the core). */
        val minPinLength: Int = 4,
    ) {
        init {
            require(minPinLength in 4..12) { "minPinLength must be 4–12" }
        }

        internal fun ffi() = VaultOptions(minPinLength.toUInt())
    }

    /**
     * A new vault and its first unblock code: show the code once
     * ([NewUnblockCode.reveal]), never store it. Printing it shows nothing of it.
     */
    class Created internal constructor(
        /** The vault, locked. */
        val vault: VaktVault,
        /** `reveal()` gives `XXXXX-XXXXX-XXXXX-XXXXX`. */
        val unblockCode: NewUnblockCode,
    )

    /** The result of unblocking: an open session and the **new** unblock code. */
    class Unblocked internal constructor(
        /** The unlocked vault. */
        val session: VaktSession,
        /** Replaces the old code, which no longer works. Show it once ([NewUnblockCode.reveal]). */
        val unblockCode: NewUnblockCode,
    )

    /** The secret the user typed to open a backup. `toString` never shows it. */
    sealed class BackupSecret {
        /** The unblock code current when the backup was made. */
        class UnblockCode(internal val code: String) : BackupSecret()

        /** The backup passphrase (if one was set before the backup was made). */
        class Passphrase(internal val passphrase: String) : BackupSecret()

        override fun toString() = this::class.simpleName ?: "BackupSecret"
    }

    /** A backup restored into a new vault, with that vault's **new** unblock code. */
    class Restored internal constructor(
        /** The new vault (locked; opens with the new PIN). */
        val vault: VaktVault,
        /** An open session on it. */
        val session: VaktSession,
        /** The new vault's unblock code (the backup's no longer opens it). Show it once ([NewUnblockCode.reveal]). */
        val unblockCode: NewUnblockCode,
        /** Accounts restored. */
        val restored: Int,
        /** Push tokens to enrol again on this device (by name; [VaktPush.tokens] lists them as `NEEDS_REENROLMENT`). */
        val needsReenrolment: List<String>,
    )

    private val closed = AtomicBoolean(false)

    companion object {
        /**
         * Restores [backup] (the bytes of a backup file) into a new vault in
         * [file] on this device, opened by [secret] and protected by [newPin].
         * A wrong secret throws [VaktException.WrongBackupSecret] and is counted
         * like an unblock attempt (the waits grow).
         */
        suspend fun restore(
            file: File,
            keystore: DeviceKeystore,
            backup: ByteArray,
            secret: BackupSecret,
            newPin: String,
            clock: Clock = systemClock(),
            options: Options = Options(),
            io: CoroutineDispatcher = Dispatchers.IO,
        ): Restored =
            withContext(io) {
                val (kind, text) =
                    when (secret) {
                        is BackupSecret.UnblockCode -> app.vakt.ffi.BackupSecretKind.UNBLOCK_CODE to secret.code
                        is BackupSecret.Passphrase -> app.vakt.ffi.BackupSecretKind.PASSPHRASE to secret.passphrase
                    }
                val r = ffi { app.vakt.ffi.restoreBackup(file.path, keystore, clock, backup, kind, text, newPin, options.ffi()) }
                Restored(VaktVault(r.vault, io), VaktSession(r.session, io), r.unblockCode, r.restored.toInt(), r.needsReenrolment)
            }

        /** What a backup file says about itself, before any secret is asked for. */
        fun inspectBackup(backup: ByteArray): BackupInfo = ffi { app.vakt.ffi.inspectBackup(backup) }

        /** Creates a vault in [file] protected by [pin]; refuses if one exists there. */
        suspend fun create(
            file: File,
            keystore: DeviceKeystore,
            pin: String,
            clock: Clock = systemClock(),
            options: Options = Options(),
            io: CoroutineDispatcher = Dispatchers.IO,
        ): Created =
            withContext(io) {
                val created = ffi { app.vakt.ffi.createVault(file.path, keystore, clock, pin, options.ffi()) }
                Created(VaktVault(created.vault, io), created.unblockCode)
            }

        /** Opens the vault in [file]; a file that cannot be read is reported and left untouched. */
        suspend fun open(
            file: File,
            keystore: DeviceKeystore,
            clock: Clock = systemClock(),
            options: Options = Options(),
            io: CoroutineDispatcher = Dispatchers.IO,
        ): VaktVault =
            withContext(io) {
                VaktVault(ffi { Vault.open(file.path, keystore, clock, options.ffi()) }, io)
            }
    }

    private suspend fun <T> call(block: (Vault) -> T): T =
        offThread(io) {
            if (closed.get()) throw IllegalStateException("this VaktVault is closed")
            ffi { block(vault) }
        }

    /** The lockout state (no PIN needed). */
    suspend fun status(): LockState = call { it.status() }

    /** Checks [pin] (the attempt is counted first) and opens a session. */
    suspend fun unlock(pin: String): VaktSession = call { VaktSession(it.unlock(pin), io) }

    /** Opens the vault with the unblock code, sets [newPin] and returns the new unblock code. */
    suspend fun unblock(unblockCode: String, newPin: String): Unblocked =
        // Not cancellable: the new unblock code must reach the screen.
        withContext(io + NonCancellable) {
            if (closed.get()) throw IllegalStateException("this VaktVault is closed")
            val result = ffi { vault.unblock(unblockCode, newPin) }
            Unblocked(VaktSession(result.session, io), result.unblockCode)
        }

    /** Whether biometric unlock is enabled (no PIN needed). */
    suspend fun biometricEnabled(): Boolean = call { it.biometricEnabled() }

    /**
     * Opens a session through the platform's user-authenticated [key] (it shows the
     * prompt). Throws [VaktException.Biometric] (ask for the PIN), or
     * [VaktException.Blocked]: biometrics never open a blocked vault.
     */
    suspend fun unlockWithBiometrics(key: UserAuthKeystore): VaktSession =
        call { VaktSession(it.unlockBiometric(key), io) }

    /** Changes the PIN; [currentPin] counts as an attempt like any other. */
    suspend fun changePin(currentPin: String, newPin: String): Unit = call { it.changePin(currentPin, newPin) }

    /** Frees the native vault. Sessions already opened stay usable until closed. */
    override fun close() {
        if (closed.compareAndSet(false, true)) vault.destroy()
    }
}

/**
 * Runs the blocking native call [block] on [io]; the caller waits for it in a way
 * that cancellation ends at once (the call finishes on its own and its result is
 * dropped): a cancelled screen never waits out a 20 s network request.
 */
internal suspend fun <T> offThread(io: CoroutineDispatcher, block: () -> T): T =
    nativeCalls.async(io) { block() }.await()

/** Where native calls run: not children of the caller, so they outlive its cancellation. */
private val nativeCalls = CoroutineScope(SupervisorJob())

/**
 * An unlocked vault. [close] (or `use {}`) locks it at once, from any thread: the
 * vault key is zeroized in Rust, calls in progress finish and throw
 * [VaktException.Locked], and later calls throw it too. Safe to use from several
 * coroutines or threads at once. It also locks itself after [idleTimeout] without
 * a call, or when the app stays in the background too long ([enteredBackground]).
 */
class VaktSession internal constructor(
    private val session: Session,
    private val io: CoroutineDispatcher,
) : Closeable {
    private val closed = AtomicBoolean(false)

    internal suspend fun <T> call(block: (Session) -> T): T =
        offThread(io) {
            if (closed.get()) throw lockedError()
            try {
                ffi { block(session) }
            } catch (e: IllegalStateException) {
                // The native object was freed by a close() racing this call.
                if (closed.get()) throw lockedError(e) else throw e
            }
        }

    /** Every account in display order (never their keys). */
    suspend fun accounts(): List<Account> = call { it.accounts() }

    /** Adds the account of an otpauth URI (as scanned); returns its id. */
    suspend fun addUri(uri: String): Long = call { it.addUri(uri) }

    /** Adds an account from a key typed by hand; returns its id. */
    suspend fun addManual(key: ManualKey): Long {
        require(key.digits >= 0 && key.counter >= 0) { "digits and counter must not be negative" }
        val entry =
            ManualEntry(
                key.issuer,
                key.accountName,
                key.key,
                key.type,
                key.algorithm,
                key.digits.toUInt(),
                key.period,
                key.counter.toULong(),
            )
        return call { it.addManual(entry) }
    }

    /** Renames account [id]; its issuer too if [issuer] is not null. */
    suspend fun rename(id: Long, accountName: String, issuer: String? = null): Unit =
        call { it.rename(id, issuer, accountName) }

    /**
     * Deletes account [id], or push token [id] (its login requests and signing key too).
     * Throws [VaktException.DeletionNotAllowed] for a container's token whose server forbids it.
     */
    suspend fun delete(id: Long): Unit = call { it.delete(id) }

    /** Puts the accounts in this order ([ids] lists every account once). */
    suspend fun reorder(ids: List<Long>): Unit = call { it.reorder(ids) }

    /** The code screen now, by the vault's clock. */
    suspend fun codes(): List<CodeRow> = call { it.codes() }

    /** The code screen at [at] (screenshots, tests). */
    suspend fun codesAt(at: java.time.Instant): List<CodeRow> = call { it.codesAt(at) }

    /** HOTP: advances the counter (committed before the code is returned). */
    suspend fun nextCode(id: Long): String = call { it.nextCode(id) }

    /** Replaces the unblock code; returns the new one (show it once). */
    suspend fun reissueUnblockCode(): NewUnblockCode =
        // Not cancellable: the new code replaces the old one and must reach the screen.
        withContext(NonCancellable) { call { it.reissueUnblockCode() } }

    /**
     * Adds what a scanned code holds (one account, or an export code's usable
     * accounts) in one transaction; a key already in the vault is reported, not
     * added again.
     */
    suspend fun addScanned(qr: ScannedQr): List<ScannedAccount> = call { it.addScanned(qr.code) }

    /**
     * A backup of every account (an encrypted file's bytes) to store anywhere.
     * Cheap; opens with the current unblock code (and the backup passphrase).
     */
    suspend fun backup(): ByteArray = call { it.backup() }

    /** Goes up with every change: a backup is due when it differs from its value at the last one. */
    suspend fun changeCount(): Long = call { it.changeCount() }

    /** Lets [passphrase] (12+ characters) open backups made from now on, besides the unblock code. */
    suspend fun setBackupPassphrase(passphrase: String): Unit = call { it.setBackupPassphrase(passphrase) }

    /** Stops the backup passphrase opening new backups; whether one was set. */
    suspend fun removeBackupPassphrase(): Boolean = call { it.removeBackupPassphrase() }

    /** Imports another app's export file ([password] only if encrypted), in one transaction. */
    suspend fun importAccounts(format: ImportFormat, file: ByteArray, password: String? = null): ImportReport =
        call { it.importAccounts(format, file, password) }

    /**
     * Every account as an Aegis JSON file; **keys in the clear** unless [password] is given.
     * Keys leave the vault, so the user's [pin] is asked again even in an open session
     * (a wrong one counts towards the lockout).
     */
    suspend fun exportAegis(pin: String, password: String? = null): ByteArray = call { it.exportAegis(pin, password) }

    /**
     * Accounts [ids] (in order; empty: all) as Google Authenticator export QR
     * codes ([QrImage]s to draw). **The images carry the keys**: show them,
     * never store or share them. The [pin] is asked again, as for [exportAegis].
     */
    suspend fun exportMigrationQrCodes(pin: String, ids: List<Long> = emptyList()): MigrationExport =
        call { it.exportMigrationQrCodes(pin, ids) }

    /**
     * Account [id]'s otpauth QR code, to draw ([QrImage]). **It carries the key**: show it,
     * never store or share it. The [pin] is asked again, as for [exportAegis].
     */
    suspend fun accountQr(pin: String, id: Long): QrImage = call { it.accountQr(pin, id) }

    /**
     * The code screen, once at once and then every [tick] (by default each
     * second, on the second), for as long as it is collected. Completes when the
     * session is closed; other errors are thrown to the collector.
     */
    fun codeRows(tick: Duration = 1.seconds): Flow<List<CodeRow>> =
        flow {
            val tickMillis = tick.inWholeMilliseconds.coerceAtLeast(1)
            while (true) {
                val rows =
                    try {
                        codes()
                    } catch (e: VaktException.Locked) {
                        return@flow
                    }
                emit(rows)
                delay(tickMillis - System.currentTimeMillis() % tickMillis)
            }
        }

    /**
     * Push approval (privacyIDEA push tokens) through [transport]; see
     * [VaktPush]. [allowInsecure]: plain http to other machines and `sslverify=0`
     * (test set-ups only).
     */
    fun push(transport: HttpTransport = UrlConnectionTransport(), allowInsecure: Boolean = false): VaktPush =
        VaktPush(this, transport, allowInsecure)

    /**
     * privacyIDEA smartphone containers through [transport]; see
     * [VaktContainers]. [deviceBrand] and [deviceModel] (e.g. `Build.MANUFACTURER`,
     * `Build.MODEL`) are shown to the server's admin. [allowInsecure]: plain http
     * to other machines and `ssl_verify=False` (test set-ups only).
     */
    fun containers(
        transport: HttpTransport = UrlConnectionTransport(),
        allowInsecure: Boolean = false,
        deviceBrand: String? = null,
        deviceModel: String? = null,
    ): VaktContainers = VaktContainers(this, transport, allowInsecure, deviceBrand, deviceModel)

    /** Whether the session is locked (closed here, or locked in Rust). */
    val isLocked: Boolean get() = closed.get() || session.isLocked()

    /**
     * Enables biometric unlock with the platform's user-authenticated [key]; the user's
     * [pin] is asked again (a wrong one counts towards the lockout).
     */
    suspend fun enableBiometrics(pin: String, key: UserAuthKeystore): Unit = call { it.enableBiometric(pin, key) }

    /** Turns biometric unlock off. */
    suspend fun disableBiometrics(): Unit = call { it.disableBiometric() }

    /**
     * The clock offset codes and push use (the right time minus the phone's). Show it
     * when it is 30 s or more either way: the phone's clock should be set right.
     */
    suspend fun clockOffset(): Duration = call { it.clockOffset().seconds }

    /**
     * Keeps [offset] as the clock offset (zero clears it; more than a day either way
     * throws [VaktException.InvalidInput]). Measure it with [measureClockOffset] from
     * the `Date` of a reply of the privacyIDEA server (over https).
     */
    suspend fun setClockOffset(offset: Duration): Unit = call { it.setClockOffset(offset.inWholeSeconds) }

    /** Locks the session after this long without a call (by the vault's clock); null: never by idleness. */
    var idleTimeout: Duration? = null
        set(value) {
            require(value == null || !value.isNegative()) { "idleTimeout must not be negative" }
            field = value
            if (!closed.get()) session.setIdleTimeout(value?.toJavaDuration())
        }

    /**
     * Call from `onStop` (the app went to the background): the session locks at once
     * with [lockAfter] zero, else if the app is still away that long when it comes back
     * or is next used. See docs/bindings.md for wiring it to the process lifecycle.
     */
    fun enteredBackground(lockAfter: Duration = Duration.ZERO) {
        if (!closed.get()) session.enteredBackground(lockAfter.coerceAtLeast(Duration.ZERO).toJavaDuration())
    }

    /** Call from `onStart`: false if the session locked meanwhile (ask for the PIN). */
    fun enteredForeground(): Boolean = !closed.get() && session.enteredForeground()

    /** Locks the session (the vault key is zeroized) and frees the native object. */
    override fun close() {
        if (closed.compareAndSet(false, true)) {
            session.lock()
            session.destroy()
        }
    }
}
