import Foundation
import enum Vakt.P384PublicKey
import VaktFFI
import XCTest

/// P-384 container keys (privacyIDEA smartphone containers): the Rust software
/// keystore's, the Swift test keystore's (what `SecureEnclaveKeystore` does in
/// the Keychain), and the core making and checking them through the foreign
/// trait. Verified with Security on Apple platforms, OpenSSL on Linux.
final class ContainerKeyTests: VaktTestCase {
    private let message = Data("nonce|time|SMPH0001|https://pi.example/container/register/finalize".utf8)

    func testSoftwareKeystoreSignsEcdsaSha256() throws {
        // The test library builds vakt-core with p384-keys: the software keystore makes them.
        let ks = try softwareKeystore(keyFile: path("c/device.key"))
        let spki = try ks.createEcdsaKey(alias: "vakt-container-1")
        XCTAssertEqual(spki.count, 120, "SPKI of an uncompressed P-384 point")
        XCTAssertEqual(spki.prefix(P384PublicKey.spkiPrefix.count), P384PublicKey.spkiPrefix)
        let signature = try ks.signEcdsa(alias: "vakt-container-1", message: message)
        XCTAssertTrue(p384VerifySha256(spki: spki, message: message, signature: signature))
        XCTAssertFalse(p384VerifySha256(spki: spki, message: message + Data([1]), signature: signature), "and only that")
        XCTAssertThrowsError(try ks.sign(alias: "vakt-container-1", message: message)) {
            XCTAssertEqual($0 as? KeystoreFailure, .Failed(message: "the key of this alias is not an RSA key"))
        }
        try ks.deleteSigningKey(alias: "vakt-container-1")
        XCTAssertThrowsError(try ks.signEcdsa(alias: "vakt-container-1", message: message)) {
            XCTAssertEqual($0 as? KeystoreFailure, .KeyMissing)
        }
    }

    func testSwiftKeystoreThroughTheCore() throws {
        // Rust calls the Swift keystore's createEcdsaKey and signEcdsa and verifies both.
        let keystore = RsaTestKeystore()
        let pem = try testSupportCheckContainerKey(keystore: keystore, alias: "vakt-container-1", message: message)
        XCTAssertTrue(pem.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        XCTAssertTrue(pem.hasSuffix("-----END PUBLIC KEY-----\n"))
        XCTAssertEqual(keystore.aliases, ["vakt-container-1"])
        // Its signatures verify here too; one namespace with the RSA keys.
        let spki = try keystore.createEcdsaKey(alias: "b")
        XCTAssertTrue(p384VerifySha256(spki: spki, message: message, signature: try keystore.signEcdsa(alias: "b", message: message)))
        _ = try keystore.createSigningKey(alias: "b", bits: 2048)
        XCTAssertThrowsError(try keystore.signEcdsa(alias: "b", message: message)) {
            XCTAssertEqual($0 as? KeystoreFailure, .KeyMissing)
        }
        // Rust → Swift → Rust: the software keystore behind a Swift wrapper.
        let scripted = ScriptedKeystore(try softwareKeystore(keyFile: path("s/device.key")))
        XCTAssertTrue(try testSupportCheckContainerKey(keystore: scripted, alias: "c", message: message).contains("PUBLIC KEY"))
        // A keystore without signing keys: Keystore.
        guard case .Keystore? = ffiError({
            try testSupportCheckContainerKey(keystore: AESGCMKeystore(), alias: "k", message: message)
        }) else { return XCTFail("keystore") }
    }

    func testP384PublicKeyEncodings() throws {
        let point = Data([0x04]) + Data(repeating: 7, count: 96)
        let spki = try XCTUnwrap(P384PublicKey.spki(fromX963: point))
        XCTAssertEqual(spki.count, 120)
        XCTAssertEqual(P384PublicKey.x963(fromSpki: spki), point)
        XCTAssertNil(P384PublicKey.spki(fromX963: point.prefix(96)))
        XCTAssertNil(P384PublicKey.spki(fromX963: Data([0x02]) + point.dropFirst()))
        XCTAssertNil(P384PublicKey.x963(fromSpki: spki + Data([0])))
        XCTAssertNil(P384PublicKey.x963(fromSpki: Data([0x31]) + spki.dropFirst()))
        // A real key: the test keystore's SPKI is the prefix and its point.
        let key = try XCTUnwrap(P384Key())
        let realSpki = try XCTUnwrap(P384PublicKey.spki(fromX963: key.publicKeyX963))
        XCTAssertEqual(P384PublicKey.x963(fromSpki: realSpki), key.publicKeyX963)
    }
}
