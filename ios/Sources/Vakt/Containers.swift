import Foundation
import VaktFFI

/// Where a container stands: registered, pending (interrupted), not registered
/// here (moved or unregistered on the server), needs registration (restored).
public typealias ContainerState = VaktFFI.ContainerState
/// Whether a container token is an account or a push token.
public typealias ContainerTokenKind = VaktFFI.ContainerTokenKind
/// The server's policies for the phone (`disableTokenDeletion`, `disableUnregister`, …).
public typealias ContainerPolicies = VaktFFI.ContainerPolicies
/// One token of a container as the vault holds it (`entryId`: an account's or push token's id).
public typealias ContainerToken = VaktFFI.ContainerToken
/// A privacyIDEA smartphone container (`id` in its own id space; `registeredAt`, `lastSync` as `Date`s).
public typealias Container = VaktFFI.Container
/// What one synchronisation changed: tokens added, still listed, removed (kept in the vault) and failed.
public typealias ContainerSyncReport = VaktFFI.ContainerSyncReport
/// One token a synchronisation reported.
public typealias SyncedToken = VaktFFI.SyncedToken
/// A token the server sent that could not be added (sent again at the next sync).
public typealias FailedToken = VaktFFI.FailedToken
/// A container registration code's details, as scanned (`QrContent.containerRegistration`).
public typealias ContainerRegistrationDetails = VaktFFI.ContainerRegistrationDetails

extension VaktFFI.Container: Identifiable {}

/// privacyIDEA smartphone containers on an open session: register with a
/// container's registration (or rollover) code, synchronise its tokens,
/// unregister. Get one from `VaktSession.containers(transport:allowInsecure:deviceBrand:deviceModel:)`.
/// Every call is `async` and runs off the main thread; network calls go
/// through `transport`. The container's P-384 key lives in the Keychain
/// (`SecureEnclaveKeystore`: the Secure Enclave has no P-384). See
/// docs/containers.md.
///
/// `allowInsecure` allows plain http to other machines and honours a code's
/// `ssl_verify=False`; leave it off outside test set-ups.
public final class VaktContainers: @unchecked Sendable {
    private let session: VaktSession
    /// The transport of every network call.
    public let transport: HttpTransport
    public let allowInsecure: Bool
    /// The phone's maker and model shown to the server's admin (e.g. `Apple`,
    /// `UIDevice.current.model`); nil sends none.
    public let deviceBrand: String?
    public let deviceModel: String?

    init(session: VaktSession, transport: HttpTransport, allowInsecure: Bool, deviceBrand: String?, deviceModel: String?) {
        self.session = session
        self.transport = transport
        self.allowInsecure = allowInsecure
        self.deviceBrand = deviceBrand
        self.deviceModel = deviceModel
    }

    /// Registers this vault with the container of a scanned registration or
    /// rollover code (`pia://container/…`; its content is
    /// `.containerRegistration`). `passphrase` answers the code's
    /// `passphrasePrompt`. Then call `sync(id:)` for its tokens. Throws
    /// `.passphraseRequired` (ask and register again), `.registrationRefused`
    /// (code expired or used, or wrong passphrase), `.containerAlreadyRegistered`,
    /// `.invalidInput` for another kind of code.
    public func register(scanned qr: ScannedQr, passphrase: String? = nil) async throws -> Container {
        let (code, transport, insecure, brand, model) = (qr.code, transport, allowInsecure, deviceBrand, deviceModel)
        return try await session.run {
            try $0.registerContainer(
                code: code, passphrase: passphrase, deviceBrand: brand, deviceModel: model,
                transport: transport, allowInsecure: insecure
            )
        }
    }

    /// The same for a registration code's text.
    public func register(uri: String, passphrase: String? = nil) async throws -> Container {
        try await register(scanned: QrScanner.fromText(uri), passphrase: passphrase)
    }

    /// Synchronises a container with its server: new tokens become accounts
    /// (push tokens are enrolled with `notificationToken`), tokens it no
    /// longer lists are reported in `removed` and kept. Throws
    /// `.containerNotRegisteredHere` when the server no longer accepts this
    /// vault for it (moved to another phone, or unregistered on the server),
    /// `.unexpectedPushReply` for an answer that does not decrypt (forged,
    /// replayed): nothing is changed then.
    public func sync(id: Int64, notificationToken: String? = nil) async throws -> ContainerSyncReport {
        let (transport, insecure) = (transport, allowInsecure)
        return try await session.run {
            try $0.syncContainer(id: id, transport: transport, allowInsecure: insecure, notificationToken: notificationToken)
        }
    }

    /// Every container of the vault (no network).
    public func list() async throws -> [Container] {
        try await session.run { try $0.containers() }
    }

    /// Unregisters a container at its server and forgets it here; its tokens
    /// stay as ordinary accounts. Throws `.notAllowedByServer` when the
    /// server's policy forbids it (nothing is sent then).
    public func unregister(id: Int64) async throws {
        let (transport, insecure) = (transport, allowInsecure)
        try await session.run { try $0.unregisterContainer(id: id, transport: transport, allowInsecure: insecure) }
    }
}
