import Foundation
import VaktFFI

/// A new RSA key pair that lives in memory only (see `RsaKey`).
func newRsaKey(bits: Int = 2048) -> RsaKey {
    guard let key = RsaKey(bits: bits) else { fatalError("RSA key generation failed") }
    return key
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
