import CryptoKit
import Foundation
import Security
import VaktFFI

/// The device key as a P-256 key in the **Secure Enclave**, used with ECIES
/// (`eciesEncryptionCofactorVariableIVX963SHA256AESGCM`): `wrap` encrypts to the
/// key's public half, `unwrap` asks the Secure Enclave to decrypt.
///
/// Why this and not a Keychain-stored AES key with CryptoKit `AES.GCM`: the
/// private key is generated inside the Secure Enclave and can never be read out,
/// not even by the app — the same guarantee as the non-exportable Android
/// Keystore key. An AES key kept in the Keychain has to be loaded into the app's
/// memory for every use, so code running in the process could copy it and
/// unwrap slots elsewhere. The cost (an ECDH in the enclave per unwrap, 97 bytes
/// more per slot) is paid only at unlock.
///
/// The key is created on the first `wrap` (vault creation), accessible only when
/// the device is unlocked and never migrated to another device
/// (`WhenUnlockedThisDeviceOnly`). `unwrap` never creates it: a lost key
/// surfaces as `VaktError.vaultUnreadable(.wrongDevice)`.
///
/// Where there is no Secure Enclave (the simulator, some Macs) the same ECIES
/// runs on a P-256 key kept in the Keychain with the same accessibility; check
/// `isHardwareBacked` if that matters to you.
public final class SecureEnclaveKeystore: DeviceKeystore, @unchecked Sendable {
    /// The Keychain application tag of the default device key.
    public static let defaultTag = "app.vakt.device-key"

    private static let algorithm = SecKeyAlgorithm.eciesEncryptionCofactorVariableIVX963SHA256AESGCM
    private let tag: Data
    private let lock = NSLock()

    /// Whether keys are created in the Secure Enclave on this device.
    public static var isHardwareBacked: Bool { SecureEnclave.isAvailable }

    public init(tag: String = SecureEnclaveKeystore.defaultTag) {
        self.tag = Data(tag.utf8)
    }

    public func wrap(plaintext: Data) throws -> Data {
        let privateKey = try existingKey() ?? createKey()
        guard let publicKey = SecKeyCopyPublicKey(privateKey) else {
            throw KeystoreFailure.Failed(message: "the device key has no public key")
        }
        var error: Unmanaged<CFError>?
        guard let wrapped = SecKeyCreateEncryptedData(publicKey, Self.algorithm, plaintext as CFData, &error) else {
            throw KeystoreFailure.Failed(message: Self.describe(error))
        }
        return wrapped as Data
    }

    public func unwrap(wrapped: Data) throws -> Data {
        guard let privateKey = try existingKey() else {
            throw KeystoreFailure.KeyMissing
        }
        var error: Unmanaged<CFError>?
        guard let plaintext = SecKeyCreateDecryptedData(privateKey, Self.algorithm, wrapped as CFData, &error) else {
            let cfError = error?.takeRetainedValue()
            if let cfError, CFErrorGetCode(cfError) == Int(errSecInteractionNotAllowed) {
                // The device is locked: a failure to retry, not a wrong key.
                throw KeystoreFailure.Failed(message: "keystore error \(CFErrorGetCode(cfError))")
            }
            // Authentication failed: made by another key, or damaged.
            throw KeystoreFailure.Rejected
        }
        return plaintext as Data
    }

    /// Deletes the device key (every vault bound to it becomes unreadable).
    public func deleteKey() {
        lock.lock()
        defer { lock.unlock() }
        let query: [String: Any] = [
            kSecClass as String: kSecClassKey,
            kSecAttrApplicationTag as String: tag,
        ]
        SecItemDelete(query as CFDictionary)
    }

    private func existingKey() throws -> SecKey? {
        let query: [String: Any] = [
            kSecClass as String: kSecClassKey,
            kSecAttrApplicationTag as String: tag,
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecReturnRef as String: true,
        ]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            guard let item, CFGetTypeID(item) == SecKeyGetTypeID() else {
                throw KeystoreFailure.Failed(message: "the Keychain returned something other than a key")
            }
            return (item as! SecKey) // swiftlint:disable:this force_cast
        case errSecItemNotFound:
            return nil
        default:
            throw KeystoreFailure.Failed(message: "Keychain error \(status)")
        }
    }

    private func createKey() throws -> SecKey {
        lock.lock()
        defer { lock.unlock() }
        if let key = try existingKey() {
            return key // created by another thread meanwhile
        }
        let hardware = Self.isHardwareBacked
        var error: Unmanaged<CFError>?
        guard let access = SecAccessControlCreateWithFlags(
            nil,
            kSecAttrAccessibleWhenUnlockedThisDeviceOnly,
            hardware ? .privateKeyUsage : [],
            &error
        ) else {
            throw KeystoreFailure.Failed(message: Self.describe(error))
        }
        var attributes: [String: Any] = [
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits as String: 256,
            kSecPrivateKeyAttrs as String: [
                kSecAttrIsPermanent as String: true,
                kSecAttrApplicationTag as String: tag,
                kSecAttrAccessControl as String: access,
            ] as [String: Any],
        ]
        if hardware {
            attributes[kSecAttrTokenID as String] = kSecAttrTokenIDSecureEnclave
        }
        guard let key = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
            throw KeystoreFailure.Failed(message: Self.describe(error))
        }
        return key
    }

    private static func describe(_ error: Unmanaged<CFError>?) -> String {
        guard let error = error?.takeRetainedValue() else { return "keystore error" }
        return "keystore error \(CFErrorGetCode(error))"
    }
}
