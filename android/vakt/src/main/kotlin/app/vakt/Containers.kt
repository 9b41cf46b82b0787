package app.vakt

/** Where a container stands: registered, pending (interrupted), not registered here (moved or unregistered on the server), needs registration (restored). */
typealias ContainerState = app.vakt.ffi.ContainerState

/** Whether a container token is an account or a push token. */
typealias ContainerTokenKind = app.vakt.ffi.ContainerTokenKind

/** The server's policies for the phone (`disableTokenDeletion`, `disableUnregister`, …). */
typealias ContainerPolicies = app.vakt.ffi.ContainerPolicies

/** One token of a container as the vault holds it (`entryId`: an account's or push token's id). */
typealias ContainerToken = app.vakt.ffi.ContainerToken

/** A privacyIDEA smartphone container (`id` in its own id space; `registeredAt`, `lastSync` as `Instant`s). */
typealias Container = app.vakt.ffi.Container

/** What one synchronisation changed: tokens added, still listed, removed (kept in the vault) and failed. */
typealias ContainerSyncReport = app.vakt.ffi.ContainerSyncReport

/** One token a synchronisation reported. */
typealias SyncedToken = app.vakt.ffi.SyncedToken

/** A token the server sent that could not be added (sent again at the next sync). */
typealias FailedToken = app.vakt.ffi.FailedToken

/** A container registration code's details, as scanned (`ScannedContent.ContainerRegistration`). */
typealias ContainerRegistrationDetails = app.vakt.ffi.ContainerRegistrationDetails

/**
 * privacyIDEA smartphone containers on an open session: register with a
 * container's registration (or rollover) code, synchronise its tokens,
 * unregister. Get one from [VaktSession.containers]. Every call is a
 * `suspend` function run off the main thread; calls that talk to the server go
 * through [transport]. The container's P-384 key lives in the device keystore
 * ([AndroidDeviceKeystore]). See docs/containers.md.
 *
 * [allowInsecure] allows plain http to other machines and honours a code's
 * `ssl_verify=False`. Leave it off outside test set-ups.
 */
class VaktContainers internal constructor(
    private val session: VaktSession,
    /** The transport of every network call. */
    val transport: HttpTransport,
    /** See the class documentation. */
    val allowInsecure: Boolean,
    /** The phone's maker and model shown to the server's admin (e.g. `Build.MANUFACTURER`, `Build.MODEL`); null sends none. */
    val deviceBrand: String? = null,
    /** See [deviceBrand]. */
    val deviceModel: String? = null,
) {
    /**
     * Registers this vault with the container of a scanned registration or
     * rollover code (`pia://container/…`; its content is
     * `ScannedContent.ContainerRegistration`). [passphrase] answers the code's
     * `passphrasePrompt`. Then call [sync] for its tokens. Throws
     * [VaktException.PassphraseRequired] (ask and register again),
     * [VaktException.RegistrationRefused] (code expired or used, or wrong
     * passphrase), [VaktException.ContainerAlreadyRegistered],
     * [VaktException.InvalidInput] for another kind of code.
     */
    suspend fun register(qr: ScannedQr, passphrase: String? = null): Container =
        session.call { it.registerContainer(qr.code, passphrase, deviceBrand, deviceModel, transport, allowInsecure) }

    /** The same for a registration code's text. */
    suspend fun register(uri: String, passphrase: String? = null): Container =
        QrScanner.fromText(uri).use { register(it, passphrase) }

    /**
     * Synchronises container [id] with its server: new tokens become accounts
     * (push tokens are enrolled with [notificationToken]), tokens it no longer
     * lists are reported in `removed` and kept. Throws
     * [VaktException.ContainerNotRegisteredHere] when the server no longer
     * accepts this vault for it (moved to another phone, or unregistered on
     * the server), [VaktException.UnexpectedPushReply] for an answer that does
     * not decrypt (forged, replayed): nothing is changed then.
     */
    suspend fun sync(id: Long, notificationToken: String? = null): ContainerSyncReport =
        session.call { it.syncContainer(id, transport, allowInsecure, notificationToken) }

    /** Every container of the vault (no network). */
    suspend fun list(): List<Container> = session.call { it.containers() }

    /**
     * Unregisters container [id] at its server and forgets it here; its tokens
     * stay as ordinary accounts. Throws [VaktException.NotAllowedByServer]
     * when the server's policy forbids it (nothing is sent then).
     */
    suspend fun unregister(id: Long): Unit = session.call { it.unregisterContainer(id, transport, allowInsecure) }
}
