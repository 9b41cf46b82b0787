import Foundation
import enum Vakt.P384PublicKey
import VaktFFI

/// A new RSA key pair that lives in memory only (see `RsaKey`).
func newRsaKey(bits: Int = 2048) -> RsaKey {
    guard let key = RsaKey(bits: bits) else { fatalError("RSA key generation failed") }
    return key
}

/// A Swift DeviceKeystore with signing keys in memory (not a keychain) besides
/// AES-GCM wrap/unwrap: RSA keys for push (`RsaKey`; public keys go out as
/// PKCS#1, as `SecKeyCopyExternalRepresentation` gives them) and P-384 keys
/// for containers (`P384Key`, ECDSA over SHA-256; public keys go out as SPKI
/// made from the X9.63 point, as `SecureEnclaveKeystore` does). One namespace
/// of aliases for both kinds.
final class RsaTestKeystore: VaktFFI.DeviceKeystore, @unchecked Sendable {
    private let aes = AESGCMKeystore()
    private let lock = NSLock()
    private var keys: [String: RsaKey] = [:]
    private var ecKeys: [String: P384Key] = [:]
    private(set) var requestedBits: UInt32 = 0

    var aliases: [String] {
        lock.lock()
        defer { lock.unlock() }
        return Array(keys.keys) + Array(ecKeys.keys)
    }

    func wrap(plaintext: Data) throws -> Data { try aes.wrap(plaintext: plaintext) }

    func unwrap(wrapped: Data) throws -> Data { try aes.unwrap(wrapped: wrapped) }

    func createSigningKey(alias: String, bits: UInt32) throws -> Data {
        let key = newRsaKey(bits: 2048)
        lock.lock()
        keys[alias] = key
        ecKeys[alias] = nil
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

    func createEcdsaKey(alias: String) throws -> Data {
        guard let key = P384Key(), let spki = P384PublicKey.spki(fromX963: key.publicKeyX963) else {
            throw KeystoreFailure.Failed(message: "P-384 key generation failed")
        }
        lock.lock()
        ecKeys[alias] = key
        keys[alias] = nil
        lock.unlock()
        return spki
    }

    func signEcdsa(alias: String, message: Data) throws -> Data {
        lock.lock()
        let key = ecKeys[alias]
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
        ecKeys[alias] = nil
        lock.unlock()
    }
}
