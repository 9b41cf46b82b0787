import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking // URLSession on Linux
#endif
import VaktFFI

/// Sends push requests with the platform's HTTP stack: implement it, or use
/// `URLSessionTransport`. Called on a background queue; it may block.
/// **The request body may carry the enrolment credential, and URLs and bodies
/// carry device signatures: never log them.** Throw `TransportFailure`
/// (`.Timeout`, `.Unreachable`, `.Tls`, `.Other`); any other error arrives in
/// Rust as `Other`.
public typealias HttpTransport = VaktFFI.HttpTransport
public typealias HttpRequest = VaktFFI.HttpRequest
public typealias HttpMethod = VaktFFI.HttpMethod
public typealias HttpResponse = VaktFFI.HttpResponse
public typealias TransportFailure = VaktFFI.TransportFailure
public typealias DeclineReason = VaktFFI.DeclineReason
public typealias PushTokenState = VaktFFI.PushTokenState
public typealias PushChallengeState = VaktFFI.PushChallengeState
public typealias PushDecision = VaktFFI.PushDecision
public typealias PushNetworkKind = VaktFFI.PushNetworkKind
public typealias ChallengeRefusal = VaktFFI.ChallengeRefusal
public typealias PushProblemKind = VaktFFI.PushProblemKind

/// A privacyIDEA push token (`id` is shared with accounts: `VaktSession.delete(id:)` deletes it).
public typealias PushToken = VaktFFI.PushToken
/// A verified login request, ready to show (`receivedAt`, `expiresAt` as `Date`s).
public typealias PushChallenge = VaktFFI.PushChallenge
/// One token's problem during a poll; `message` is for people.
public typealias PushProblem = VaktFFI.PushProblem
/// What a poll found: every waiting challenge, how many are new, and per-token problems.
public typealias PushPollResult = VaktFFI.PushPollReport
/// What became of a new registration token at one push token's server:
/// `problem` nil means it took it.
public typealias PushRegistrationUpdate = VaktFFI.PushRegistrationUpdate

extension VaktFFI.PushToken: Identifiable {}
extension VaktFFI.PushChallenge: Identifiable {}

/// Push approval on an open session: enrol privacyIDEA push tokens, receive
/// login requests (poll, or a notification's payload) and answer them. Get one
/// from `VaktSession.push(transport:allowInsecure:)`. Every call is `async`
/// and runs off the main thread; network calls go through `transport`.
///
/// `allowInsecure` allows plain http to other machines and honours a server's
/// request not to verify its certificate (`sslverify=0`); leave it off outside
/// test set-ups. Even with it, `URLSessionTransport` verifies certificates
/// unless it was given its own delegate for that.
public final class VaktPush: @unchecked Sendable {
    private let session: VaktSession
    /// The transport of every network call.
    public let transport: HttpTransport
    public let allowInsecure: Bool

    init(session: VaktSession, transport: HttpTransport, allowInsecure: Bool) {
        self.session = session
        self.transport = transport
        self.allowInsecure = allowInsecure
    }

    /// Enrols the push token of a scanned enrolment code (a signing key is made
    /// in the keystore and registered with the server). `notificationToken`:
    /// the Firebase registration token (also on iOS: not the raw APNs device
    /// token), nil to poll only. Throws `.duplicate` if it is
    /// already enrolled, `.pushServer` (404) if the code was used or expired.
    public func enrol(scanned qr: ScannedQr, notificationToken: String? = nil) async throws -> PushToken {
        let (code, transport, insecure) = (qr.code, transport, allowInsecure)
        return try await session.run {
            try $0.enrolPush(code: code, transport: transport, allowInsecure: insecure, notificationToken: notificationToken)
        }
    }

    /// The same for an `otpauth://pipush/` URI's text.
    public func enrol(uri: String, notificationToken: String? = nil) async throws -> PushToken {
        let (transport, insecure) = (transport, allowInsecure)
        return try await session.run {
            try $0.enrolPushUri(uri: uri, transport: transport, allowInsecure: insecure, notificationToken: notificationToken)
        }
    }

    /// Every push token.
    public func tokens() async throws -> [PushToken] {
        try await session.run { try $0.pushTokens() }
    }

    /// Asks every enrolled token's server for login requests; problems are
    /// reported per token, not thrown.
    public func poll() async throws -> PushPollResult {
        let (transport, insecure) = (transport, allowInsecure)
        return try await session.run { try $0.pollPush(transport: transport, allowInsecure: insecure) }
    }

    /// Gives every enrolled token's server a new Firebase registration token
    /// (from `MessagingDelegate.messaging(_:didReceiveRegistrationToken:)`;
    /// pass the Firebase registration token, not the raw APNs device token),
    /// signed by each token's device key. It is stored first; a server that
    /// fails is reported in that token's `problem`, not thrown, and gets it
    /// again at the next `poll()`. Throws `.invalidInput` for an empty token.
    public func updateRegistration(_ registrationToken: String) async throws -> [PushRegistrationUpdate] {
        let (transport, insecure) = (transport, allowInsecure)
        return try await session.run {
            try $0.updatePushRegistration(registrationToken: registrationToken, transport: transport, allowInsecure: insecure)
                
        }
    }

    /// Polls at once, then every `interval` seconds for as long as it is
    /// iterated. Ends when the session is locked.
    public func pollUpdates(every interval: TimeInterval = 10) -> AsyncThrowingStream<PushPollResult, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    while !Task.isCancelled {
                        continuation.yield(try await self.poll())
                        try await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000))
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

    /// A login request from a push notification: its payload as string pairs
    /// (APNs `userInfo` / Firebase `data`, other keys ignored). Verified before
    /// anything is stored; throws `.challengeRefused` (forged or malformed),
    /// `.unknownPushToken`, `.needsReenrolment`, or `.alreadyAnswered` /
    /// `.challengeExpired` for a replay.
    public func receive(_ data: [String: String]) async throws -> PushChallenge {
        try await session.run { try $0.receivePush(data: data) }
    }

    /// The same for a notification's `userInfo` as it arrives
    /// (`UNNotificationContent.userInfo`, `didReceiveRemoteNotification`):
    /// see `notificationData(_:)` for what is taken from it.
    public func receive(notification userInfo: [AnyHashable: Any]) async throws -> PushChallenge {
        try await receive(Self.notificationData(userInfo))
    }

    /// The string pairs of a notification's `userInfo`, as `receive(_:)` takes
    /// them: every string key with a string value. privacyIDEA's fields arrive
    /// as strings (Firebase data values always are) and are kept exactly, since
    /// the server signed their text. Everything else — the `aps` dictionary,
    /// numbers, arrays, keys that are not strings — is left out; a field the
    /// challenge needs that is missing is refused by name
    /// (`.challengeRefused(.malformed, field:)`).
    public static func notificationData(_ userInfo: [AnyHashable: Any]) -> [String: String] {
        var data: [String: String] = [:]
        for (key, value) in userInfo {
            if let key = key.base as? String, let text = value as? String {
                data[key] = text
            }
        }
        return data
    }

    /// The login requests waiting for an answer, oldest first (no network).
    public func challenges() async throws -> [PushChallenge] {
        try await session.run { try $0.pushChallenges() }
    }

    /// One login request, whatever its state.
    public func challenge(id: Int64) async throws -> PushChallenge {
        try await session.run { try $0.pushChallenge(id: id) }
    }

    /// Approves login request `id` (`presenceAnswer`: the option the login
    /// screen shows, when it has options). Returns the code to show, if any.
    /// After a network failure, approving again retries the same answer.
    @discardableResult
    public func approve(id: Int64, presenceAnswer: String? = nil) async throws -> String? {
        let (transport, insecure) = (transport, allowInsecure)
        return try await session.run {
            try $0.approvePush(id: id, transport: transport, allowInsecure: insecure, presenceAnswer: presenceAnswer)
        }
    }

    /// Declines login request `id`; `reason` is sent if the server accepts reasons.
    public func decline(id: Int64, reason: DeclineReason? = nil) async throws {
        let (transport, insecure) = (transport, allowInsecure)
        try await session.run {
            try $0.declinePush(id: id, transport: transport, allowInsecure: insecure, reason: reason)
        }
    }
}

/// An `HttpTransport` over `URLSession` (ephemeral: no cache, no cookies), so
/// the system's trust store, proxy and ATS apply. It blocks its calling thread
/// (Vakt calls it from its own background queue, never the main thread).
///
/// Certificates are always verified. A request with `verifyTls == false` (the
/// app allowed insecure servers *and* the server asked not to verify) is
/// refused with `.Tls` — unless the app passes `unverifiedTlsTrust`, its own
/// decision about the server trust (e.g. pins a self-signed test
/// certificate). This class never accepts any certificate on its own.
///
/// Redirects are never followed: Vakt checked the address rules (https, or
/// loopback) on the URL it asked for, and a redirect would carry the signed
/// answer somewhere else. A 3xx comes back as the response, which Vakt refuses.
public final class URLSessionTransport: HttpTransport, @unchecked Sendable {
    private static let maxBody = 1 << 20
    /// Decides about a server's trust for the requests that may skip
    /// verification; see the class documentation.
    public typealias TrustDecision = (URLAuthenticationChallenge) -> (URLSession.AuthChallengeDisposition, URLCredential?)
    private let unverifiedTlsTrust: TrustDecision?

    public init(unverifiedTlsTrust: TrustDecision? = nil) {
        self.unverifiedTlsTrust = unverifiedTlsTrust
    }

    public func send(request: HttpRequest) throws -> HttpResponse {
        guard let url = URL(string: request.url) else {
            throw TransportFailure.Other(message: "malformed URL")
        }
        var trust: TrustDecision?
        if !request.verifyTls && url.scheme == "https" {
            guard let appTrust = unverifiedTlsTrust else {
                throw TransportFailure.Tls(message: "the server asks not to verify its certificate; this transport verifies every certificate")
            }
            trust = appTrust
        }
        let delegate = TransportDelegate(trust: trust)
        let timeout = Self.timeoutInterval(request.timeout)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.urlCache = nil
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }

        var urlRequest = URLRequest(url: url)
        urlRequest.timeoutInterval = timeout
        switch request.method {
        case .get:
            urlRequest.httpMethod = "GET"
        case .post:
            urlRequest.httpMethod = "POST"
            urlRequest.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            urlRequest.httpBody = request.body
        }

        let done = DispatchSemaphore(value: 0)
        var outcome: Result<HttpResponse, TransportFailure> = .failure(.Other(message: "no answer"))
        let task = session.dataTask(with: urlRequest) { data, response, error in
            defer { done.signal() }
            if let error = error as? URLError {
                outcome = .failure(Self.failure(error))
                return
            }
            guard let http = response as? HTTPURLResponse else {
                outcome = .failure(.Other(message: "not an HTTP answer"))
                return
            }
            let body = data ?? Data()
            guard body.count <= Self.maxBody else {
                outcome = .failure(.Other(message: "answer too large"))
                return
            }
            outcome = .success(HttpResponse(status: UInt16(clamping: http.statusCode), body: body))
        }
        task.resume()
        done.wait()
        return try outcome.get()
    }

    /// A request's `timeout` as URLSession takes it. FoundationNetworking
    /// (Linux) drops the fraction of a second — a timeout under one second
    /// fails at once — so there it is rounded up to whole seconds.
    static func timeoutInterval(_ seconds: TimeInterval) -> TimeInterval {
        #if canImport(FoundationNetworking)
        return seconds.rounded(.up)
        #else
        return seconds
        #endif
    }

    /// The error's code only: its description may name the URL.
    private static func failure(_ error: URLError) -> TransportFailure {
        switch error.code {
        case .timedOut:
            return .Timeout
        case .cannotFindHost, .cannotConnectToHost, .notConnectedToInternet, .networkConnectionLost,
             .dnsLookupFailed:
            return .Unreachable(message: "URLError \(error.code.rawValue)")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected,
             .appTransportSecurityRequiresSecureConnection:
            return .Tls(message: "URLError \(error.code.rawValue)")
        default:
            return .Other(message: "URLError \(error.code.rawValue)")
        }
    }
}

/// The session delegate of `URLSessionTransport`: refuses every redirect
/// (the 3xx response is what the request gets), and hands server-trust
/// challenges to the app's decision when it gave one (default handling
/// otherwise).
final class TransportDelegate: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    private let trust: URLSessionTransport.TrustDecision?

    init(trust: URLSessionTransport.TrustDecision?) {
        self.trust = trust
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
        completionHandler: @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
        // `NSURLAuthenticationMethodServerTrust`, spelled out: the constant is
        // unavailable in swift-corelibs-foundation (Linux).
        guard let trust, challenge.protectionSpace.authenticationMethod == "NSURLAuthenticationMethodServerTrust" else {
            completionHandler(.performDefaultHandling, nil)
            return
        }
        let (disposition, credential) = trust(challenge)
        completionHandler(disposition, credential)
    }
}
