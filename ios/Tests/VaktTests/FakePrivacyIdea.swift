import CryptoKit
import Foundation
import Security
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

/// A new RSA key pair that lives in memory only (not in the Keychain).
func newRsaKey(bits: Int = 2048) -> SecKey {
    let attributes: [String: Any] = [
        kSecAttrKeyType as String: kSecAttrKeyTypeRSA,
        kSecAttrKeySizeInBits as String: bits,
    ]
    var error: Unmanaged<CFError>?
    return SecKeyCreateRandomKey(attributes as CFDictionary, &error)!
}

/// PKCS#1 `RSAPublicKey` DER of a key's public half.
func pkcs1(_ key: SecKey) -> Data {
    var error: Unmanaged<CFError>?
    return SecKeyCopyExternalRepresentation(SecKeyCopyPublicKey(key)!, &error)! as Data
}

func rsaSign(_ key: SecKey, _ message: String) -> Data {
    var error: Unmanaged<CFError>?
    return SecKeyCreateSignature(key, .rsaSignatureMessagePKCS1v15SHA256, Data(message.utf8) as CFData, &error)! as Data
}

func rsaVerify(_ publicKey: SecKey, _ message: String, _ signatureB32: String) -> Bool {
    guard let signature = Base32.decode(signatureB32) else { return false }
    var error: Unmanaged<CFError>?
    return SecKeyVerifySignature(
        publicKey, .rsaSignatureMessagePKCS1v15SHA256, Data(message.utf8) as CFData, signature as CFData, &error
    )
}

/// A public key from SPKI or PKCS#1 DER (SecKey wants PKCS#1: the SPKI wrapper is stripped).
func rsaPublicKey(_ der: Data) -> SecKey? {
    var bytes = [UInt8](der)
    // SPKI: SEQUENCE { SEQUENCE { OID rsaEncryption, NULL }, BIT STRING { 0, RSAPublicKey } }
    func header(_ at: Int) -> Int {
        let length = Int(bytes[at + 1])
        return length < 0x80 ? 2 : 2 + (length & 0x7F)
    }
    func contentLength(_ at: Int) -> Int {
        let first = Int(bytes[at + 1])
        if first < 0x80 { return first }
        return (0 ..< (first & 0x7F)).reduce(0) { ($0 << 8) | Int(bytes[at + 2 + $1]) }
    }
    if bytes.count > 32, bytes[0] == 0x30 {
        let inner = header(0)
        if bytes[inner] == 0x30, bytes[inner + header(inner)] == 0x06 {
            let bitString = inner + header(inner) + contentLength(inner)
            bytes = Array(bytes[(bitString + header(bitString) + 1)...])
        }
    }
    let attributes: [String: Any] = [
        kSecAttrKeyType as String: kSecAttrKeyTypeRSA,
        kSecAttrKeyClass as String: kSecAttrKeyClassPublic,
    ]
    return SecKeyCreateWithData(Data(bytes) as CFData, attributes as CFDictionary, nil)
}

/// A Swift DeviceKeystore with RSA signing keys in memory (SecKey, not the
/// Keychain) besides CryptoKit AES-GCM wrap/unwrap. Public keys go out as
/// PKCS#1 (as `SecKeyCopyExternalRepresentation` gives them).
final class RsaTestKeystore: VaktFFI.DeviceKeystore, @unchecked Sendable {
    private let aes = AESGCMKeystore()
    private let lock = NSLock()
    private var keys: [String: SecKey] = [:]
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
        return pkcs1(key)
    }

    func sign(alias: String, message: Data) throws -> Data {
        lock.lock()
        let key = keys[alias]
        lock.unlock()
        guard let key else { throw KeystoreFailure.KeyMissing }
        var error: Unmanaged<CFError>?
        guard let signature = SecKeyCreateSignature(key, .rsaSignatureMessagePKCS1v15SHA256, message as CFData, &error) else {
            throw KeystoreFailure.Failed(message: "sign failed")
        }
        return signature as Data
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
    private var phone: SecKey?
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
        var random = [UInt8](repeating: 0, count: 20)
        _ = SecRandomCopyBytes(kSecRandomDefault, random.count, &random)
        let challenge = Challenge(nonce: Base32.encode(Data(random)), presence: presence, displayCode: displayCode)
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
                  let key = rsaPublicKey(spki) else {
                return error(400, 905)
            }
            phone = key
            fbtoken = form["fbtoken"]
            enrolled = true
            return ok(true, detail: ["public_key": pkcs1(Self.serverKey).base64EncodedString(), "rollout_state": "enrolled"])
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
