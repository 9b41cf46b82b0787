import Foundation
import VaktFFI

// The Swift twins of android/vakt/src/jvmTest/kotlin/app/vakt/FakePrivacyIdea.kt.

/// RFC 4648 base32, upper case, `=` padded: privacyIDEA's signature spelling.
enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    static func encode(_ data: Data) -> String {
        var out = ""
        var buffer = 0
        var bits = 0
        for byte in data {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
            buffer &= (1 << bits) - 1
        }
        if bits > 0 {
            out.append(alphabet[(buffer << (5 - bits)) & 31])
        }
        while out.count % 8 != 0 {
            out.append("=")
        }
        return out
    }

    static func decode(_ text: String) -> Data? {
        var out = Data()
        var buffer = 0
        var bits = 0
        for char in text where char != "=" {
            guard let value = alphabet.firstIndex(of: char) else { return nil }
            buffer = (buffer << 5) | value
            bits += 5
            if bits >= 8 {
                out.append(UInt8((buffer >> (bits - 8)) & 0xFF))
                bits -= 8
                buffer &= (1 << bits) - 1
            }
        }
        return out
    }
}

/// A new RSA key pair that lives in memory only (see `RsaKey`).
func newRsaKey(bits: Int = 2048) -> RsaKey {
    guard let key = RsaKey(bits: bits) else { fatalError("RSA key generation failed") }
    return key
}

func rsaSign(_ key: RsaKey, _ message: String) -> Data {
    key.sign(Data(message.utf8)) ?? Data()
}

/// Whether `signatureB32` (base32) is `publicKey`'s signature of `message`.
func rsaVerify(_ publicKey: RsaPublicKey, _ message: String, _ signatureB32: String) -> Bool {
    guard let signature = Base32.decode(signatureB32) else { return false }
    return publicKey.verify(Data(message.utf8), signature: signature)
}

/// A Swift DeviceKeystore with RSA signing keys in memory (`RsaKey`, not a
/// keychain) besides AES-GCM wrap/unwrap. Public keys go out as PKCS#1 (as
/// `SecKeyCopyExternalRepresentation` gives them).
final class RsaTestKeystore: VaktFFI.DeviceKeystore, @unchecked Sendable {
    private let aes = AESGCMKeystore()
    private let lock = NSLock()
    private var keys: [String: RsaKey] = [:]
    private(set) var requestedBits: UInt32 = 0

    var aliases: [String] {
        lock.lock()
        defer { lock.unlock() }
        return Array(keys.keys)
    }

    func wrap(plaintext: Data) throws -> Data { try aes.wrap(plaintext: plaintext) }

    func unwrap(wrapped: Data) throws -> Data { try aes.unwrap(wrapped: wrapped) }

    func createSigningKey(alias: String, bits: UInt32) throws -> Data {
        let key = newRsaKey(bits: 2048)
        lock.lock()
        keys[alias] = key
        requestedBits = bits
        lock.unlock()
        return key.publicKeyPkcs1
    }

    func sign(alias: String, message: Data) throws -> Data {
        lock.lock()
        let key = keys[alias]
        lock.unlock()
        guard let key else { throw KeystoreFailure.KeyMissing }
        guard let signature = key.sign(message) else {
            throw KeystoreFailure.Failed(message: "sign failed")
        }
        return signature
    }

    func deleteSigningKey(alias: String) throws {
        lock.lock()
        keys[alias] = nil
        lock.unlock()
    }
}

private func formPairs(_ text: String) -> [String: String] {
    var out: [String: String] = [:]
    for pair in text.split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1).map {
            String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
        }
        out[parts[0]] = parts.count > 1 ? parts[1] : ""
    }
    return out
}

/// An in-memory privacyIDEA push server (the same rules as the Kotlin and Rust fakes).
final class FakePrivacyIdea: VaktFFI.HttpTransport, @unchecked Sendable {
    static let serverKey = newRsaKey()

    final class Challenge {
        let nonce: String
        let presence: (options: String, correct: String)?
        let displayCode: String?
        var answered: Bool?
        var declineReason: String?

        init(nonce: String, presence: (options: String, correct: String)?, displayCode: String?) {
            self.nonce = nonce
            self.presence = presence
            self.displayCode = displayCode
        }
    }

    let url: String
    let serial: String
    let credential = "6ed5882c2d97952ad8b8e944c8e7f46274fbb5fe"
    private let lock = NSLock()
    private var phone: RsaPublicKey?
    private(set) var challenges: [Challenge] = []
    private(set) var requests = 0
    private(set) var polls = 0
    var fbtoken: String?
    var enrolled = false
    var tamper = false
    var reply: (status: UInt16, body: String)?
    var fail: Error?

    init(url: String = "http://127.0.0.1:5077/ttype/push", serial: String = "PIPU0000TEST") {
        self.url = url
        self.serial = serial
    }

    var enrolmentUri: String {
        let encoded = url.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? url
        return "otpauth://pipush/\(serial)?url=\(encoded)&ttl=10&issuer=privacyIDEA"
            + "&enrollment_credential=\(credential)&v=1&serial=\(serial)&sslverify=0&poll_only=True"
    }

    @discardableResult
    func trigger(presence: (options: String, correct: String)? = nil, displayCode: String? = nil) -> Challenge {
        let challenge = Challenge(nonce: Base32.encode(randomBytes(20)), presence: presence, displayCode: displayCode)
        lock.lock()
        challenges.append(challenge)
        lock.unlock()
        return challenge
    }

    /// The challenge as the server sends it (a poll item, or a notification's data).
    func item(_ c: Challenge) -> [String: String] {
        let question = "Log in to 127.0.0.1?"
        let title = "DemoIdP"
        var signed = "\(c.nonce)|\(url)|\(serial)|\(question)|\(title)|0"
        var item = [
            "nonce": c.nonce, "url": url, "serial": serial, "question": question, "title": title,
            "sslverify": "0", "capabilities": "{\"decline_reason\": true}",
        ]
        if let presence = c.presence {
            item["require_presence"] = presence.options
            signed += "|\(presence.options)"
        }
        let key = Self.serverKey
        item["signature"] = Base32.encode(rsaSign(key, tamper ? "something else" : signed))
        item["capabilities_signature"] = Base32.encode(
            rsaSign(key, "{\"capabilities\":{\"decline_reason\":true},\"nonce\":\"\(c.nonce)\"}")
        )
        return item
    }

    private func ok(_ value: Any, detail: [String: Any] = [:]) -> HttpResponse {
        let body: [String: Any] = ["result": ["status": true, "value": value], "detail": detail]
        return HttpResponse(status: 200, body: try! JSONSerialization.data(withJSONObject: body))
    }

    private func error(_ status: UInt16, _ code: Int) -> HttpResponse {
        let body: [String: Any] = ["result": ["status": false, "error": ["code": code, "message": "ERR\(code)"]]]
        return HttpResponse(status: status, body: try! JSONSerialization.data(withJSONObject: body))
    }

    func send(request: HttpRequest) throws -> HttpResponse {
        lock.lock()
        defer { lock.unlock() }
        requests += 1
        if let failure = fail {
            fail = nil
            throw failure
        }
        if let reply {
            return HttpResponse(status: reply.status, body: Data(reply.body.utf8))
        }
        switch request.method {
        case .get:
            return poll(request)
        case .post:
            return post(formPairs(String(decoding: request.body, as: UTF8.self)))
        }
    }

    private func poll(_ request: HttpRequest) -> HttpResponse {
        polls += 1
        let query = formPairs(request.url.components(separatedBy: "?").dropFirst().joined(separator: "?"))
        guard let phone, query["serial"] == serial,
              rsaVerify(phone, "\(query["serial"] ?? "")|\(query["timestamp"] ?? "")", query["signature"] ?? "") else {
            return error(400, 905)
        }
        return ok(challenges.filter { $0.answered == nil }.map(item))
    }

    private func post(_ form: [String: String]) -> HttpResponse {
        if let credential = form["enrollment_credential"] {
            if enrolled { return error(404, 601) }
            guard credential == self.credential, form["serial"] == serial,
                  let spki = Data(base64Encoded: (form["pubkey"] ?? "")
                      .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")),
                  let key = RsaPublicKey(der: spki) else {
                return error(400, 905)
            }
            phone = key
            fbtoken = form["fbtoken"]
            enrolled = true
            return ok(true, detail: ["public_key": Self.serverKey.publicKeyPkcs1.base64EncodedString(), "rollout_state": "enrolled"])
        }
        guard let phone else { return error(400, 905) }
        let decline = form["decline"] == "1"
        var result = false
        var display: String?
        for c in challenges where c.answered == nil {
            var signed = "\(c.nonce)|\(serial)"
            if decline {
                signed += "|decline"
                if let reason = form["decline_reason"] { signed += "|\(reason)" }
            }
            if let answer = form["presence_answer"] { signed += "|\(answer)" }
            guard rsaVerify(phone, signed, form["signature"] ?? "") else { continue }
            if decline {
                c.answered = false
                c.declineReason = form["decline_reason"]
                result = true
            } else if let presence = c.presence {
                if form["presence_answer"] == presence.correct {
                    c.answered = true
                    result = true
                }
            } else {
                c.answered = true
                display = c.displayCode
                result = true
            }
        }
        return ok(result, detail: display.map { ["display_code": $0] } ?? [:])
    }
}
