import Foundation

/// A P-384 (secp384r1) public key in the two encodings a container key goes
/// through: the X9.63 uncompressed point `04 ‖ X ‖ Y` that Apple's
/// `SecKeyCopyExternalRepresentation` gives for an EC key, and the DER
/// `SubjectPublicKeyInfo` the core wants (`DeviceKeystore.createEcdsaKey`).
/// For P-384 the SPKI is a fixed 23-byte prefix followed by the point.
/// Plain Swift (no Security framework), so it is tested on Linux too.
public enum P384PublicKey {
    /// SEQUENCE { SEQUENCE { id-ecPublicKey, secp384r1 }, BIT STRING (0 unused bits) … }.
    public static let spkiPrefix = Data([
        0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x05, 0x2B,
        0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00,
    ])

    /// Length of the uncompressed point.
    public static let pointLength = 97

    /// The SPKI DER of an X9.63 uncompressed point; nil unless `point` is 97
    /// bytes starting with 0x04.
    public static func spki(fromX963 point: Data) -> Data? {
        guard point.count == pointLength, point.first == 0x04 else { return nil }
        return spkiPrefix + point
    }

    /// The X9.63 point of a P-384 SPKI DER; nil if `spki` is not one.
    public static func x963(fromSpki spki: Data) -> Data? {
        guard spki.count == spkiPrefix.count + pointLength, spki.prefix(spkiPrefix.count) == spkiPrefix else { return nil }
        let point = Data(spki.suffix(pointLength))
        return point.first == 0x04 ? point : nil
    }
}
