import Foundation
import enum Vakt.P384PublicKey
#if canImport(CryptoKit)
import CryptoKit
import Security
#endif
#if canImport(ImageIO)
import CoreGraphics
import ImageIO
#endif
#if canImport(VaktTestSupportC)
import VaktTestSupportC
#endif

// What the tests need from the platform, in one place: AES-256-GCM for a Swift
// DeviceKeystore, RSA keys and signatures for the push tests, and image files
// decoded to 8-bit grey. Apple platforms: CryptoKit, Security, ImageIO and
// CoreGraphics. Linux (scripts/test.d/41-swift.sh): OpenSSL's libcrypto and
// libpng through the VaktTestSupportC target (PNG only; tests of other image
// formats need ImageIO and are skipped there by name).

/// Whether image files are decoded by ImageIO (any format) or libpng (PNG only).
let imageIOAvailable: Bool = {
    #if canImport(ImageIO)
    return true
    #else
    return false
    #endif
}()

/// `count` random bytes.
func randomBytes(_ count: Int) -> Data {
    var generator = SystemRandomNumberGenerator()
    return Data((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
}

/// AES-256-GCM with a random nonce: `nonce ‖ ciphertext ‖ tag` (the Android format).
enum AesGcm {
    static func seal(_ plaintext: Data, key: Data) -> Data? {
        #if canImport(CryptoKit)
        return try? AES.GCM.seal(plaintext, using: SymmetricKey(data: key)).combined
        #else
        guard key.count == 32 else { return nil }
        var out = [UInt8](repeating: 0, count: plaintext.count + 28)
        let written = key.withUnsafeBytes { k in
            plaintext.withUnsafeBytes { p in
                vts_aes_gcm_seal(k.bindMemory(to: UInt8.self).baseAddress, p.bindMemory(to: UInt8.self).baseAddress,
                                 p.count, &out, out.count)
            }
        }
        return written == out.count ? Data(out) : nil
        #endif
    }

    /// nil unless `sealed` was made with `key` and is unchanged.
    static func open(_ sealed: Data, key: Data) -> Data? {
        #if canImport(CryptoKit)
        guard let box = try? AES.GCM.SealedBox(combined: sealed) else { return nil }
        return try? AES.GCM.open(box, using: SymmetricKey(data: key))
        #else
        guard key.count == 32, sealed.count >= 28 else { return nil }
        var out = [UInt8](repeating: 0, count: sealed.count - 28)
        let written = key.withUnsafeBytes { k in
            sealed.withUnsafeBytes { s in
                vts_aes_gcm_open(k.bindMemory(to: UInt8.self).baseAddress, s.bindMemory(to: UInt8.self).baseAddress,
                                 s.count, &out, out.count)
            }
        }
        return written == out.count ? Data(out) : nil
        #endif
    }
}

/// An RSA key pair in memory only (not in a keychain).
final class RsaKey: @unchecked Sendable {
    #if canImport(CryptoKit)
    private let key: SecKey

    init?(bits: Int) {
        let attributes: [String: Any] = [
            kSecAttrKeyType as String: kSecAttrKeyTypeRSA,
            kSecAttrKeySizeInBits as String: bits,
        ]
        var error: Unmanaged<CFError>?
        guard let key = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else { return nil }
        self.key = key
    }

    /// PKCS#1 `RSAPublicKey` DER of the public half.
    var publicKeyPkcs1: Data {
        var error: Unmanaged<CFError>?
        guard let publicKey = SecKeyCopyPublicKey(key),
              let der = SecKeyCopyExternalRepresentation(publicKey, &error) else { return Data() }
        return der as Data
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256.
    func sign(_ message: Data) -> Data? {
        var error: Unmanaged<CFError>?
        return SecKeyCreateSignature(key, .rsaSignatureMessagePKCS1v15SHA256, message as CFData, &error) as Data?
    }
    #else
    private let key: OpaquePointer

    init?(bits: Int) {
        guard let key = vts_rsa_generate(UInt32(bits)) else { return nil }
        self.key = key
    }

    deinit {
        vts_rsa_free(key)
    }

    /// PKCS#1 `RSAPublicKey` DER of the public half.
    var publicKeyPkcs1: Data {
        let size = vts_rsa_public_pkcs1(key, nil, 0)
        guard size > 0 else { return Data() }
        var out = [UInt8](repeating: 0, count: size)
        return vts_rsa_public_pkcs1(key, &out, out.count) == size ? Data(out) : Data()
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256.
    func sign(_ message: Data) -> Data? {
        let size = vts_rsa_sign_sha256(key, nil, 0, nil, 0)
        guard size > 0 else { return nil }
        var out = [UInt8](repeating: 0, count: size)
        let written = message.withUnsafeBytes { m in
            vts_rsa_sign_sha256(key, m.bindMemory(to: UInt8.self).baseAddress, m.count, &out, out.count)
        }
        return written > 0 ? Data(out.prefix(written)) : nil
    }
    #endif
}

/// A P-384 (secp384r1) key pair in memory only (not in a keychain): what
/// `SecureEnclaveKeystore` makes in the Keychain for containers.
final class P384Key: @unchecked Sendable {
    #if canImport(CryptoKit)
    private let key: SecKey

    init?() {
        let attributes: [String: Any] = [
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits as String: 384,
        ]
        var error: Unmanaged<CFError>?
        guard let key = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else { return nil }
        self.key = key
    }

    /// The X9.63 uncompressed point `04 ‖ X ‖ Y` of the public half.
    var publicKeyX963: Data {
        var error: Unmanaged<CFError>?
        guard let publicKey = SecKeyCopyPublicKey(key),
              let point = SecKeyCopyExternalRepresentation(publicKey, &error) else { return Data() }
        return point as Data
    }

    /// ECDSA over SHA-256, DER.
    func sign(_ message: Data) -> Data? {
        var error: Unmanaged<CFError>?
        return SecKeyCreateSignature(key, .ecdsaSignatureMessageX962SHA256, message as CFData, &error) as Data?
    }
    #else
    private let key: OpaquePointer

    init?() {
        guard let key = vts_ec_p384_generate() else { return nil }
        self.key = key
    }

    deinit {
        vts_ec_free(key)
    }

    /// The X9.63 uncompressed point `04 ‖ X ‖ Y` of the public half.
    var publicKeyX963: Data {
        let size = vts_ec_public_x963(key, nil, 0)
        guard size > 0 else { return Data() }
        var out = [UInt8](repeating: 0, count: size)
        return vts_ec_public_x963(key, &out, out.count) == size ? Data(out) : Data()
    }

    /// ECDSA over SHA-256, DER.
    func sign(_ message: Data) -> Data? {
        let size = vts_ec_sign_sha256(key, nil, 0, nil, 0)
        guard size > 0 else { return nil }
        var out = [UInt8](repeating: 0, count: size)
        let written = message.withUnsafeBytes { m in
            vts_ec_sign_sha256(key, m.bindMemory(to: UInt8.self).baseAddress, m.count, &out, out.count)
        }
        return written > 0 ? Data(out.prefix(written)) : nil
    }
    #endif
}

/// Whether `signature` (DER) is ECDSA over the SHA-256 digest of `message` by
/// the P-384 public key `spki` (SubjectPublicKeyInfo DER).
func p384VerifySha256(spki: Data, message: Data, signature: Data) -> Bool {
    #if canImport(CryptoKit)
    guard let point = P384PublicKey.x963(fromSpki: spki) else { return false }
    let attributes: [String: Any] = [
        kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
        kSecAttrKeyClass as String: kSecAttrKeyClassPublic,
        kSecAttrKeySizeInBits as String: 384,
    ]
    guard let key = SecKeyCreateWithData(point as CFData, attributes as CFDictionary, nil) else { return false }
    var error: Unmanaged<CFError>?
    return SecKeyVerifySignature(key, .ecdsaSignatureMessageX962SHA256, message as CFData, signature as CFData, &error)
    #else
    return spki.withUnsafeBytes { k in
        message.withUnsafeBytes { m in
            signature.withUnsafeBytes { s in
                vts_ec_p384_verify_sha256(
                    k.bindMemory(to: UInt8.self).baseAddress, k.count, m.bindMemory(to: UInt8.self).baseAddress, m.count,
                    s.bindMemory(to: UInt8.self).baseAddress, s.count
                ) == 1
            }
        }
    }
    #endif
}

/// An RSA public key from SubjectPublicKeyInfo or PKCS#1 DER.
struct RsaPublicKey {
    let der: Data

    /// nil if `der` is not an RSA public key.
    init?(der: Data) {
        self.der = der
        #if canImport(CryptoKit)
        guard secKey() != nil else { return nil }
        #else
        let valid = der.withUnsafeBytes { vts_rsa_public_valid($0.bindMemory(to: UInt8.self).baseAddress, $0.count) }
        guard valid == 1 else { return nil }
        #endif
    }

    /// Whether `signature` is this key's RSASSA-PKCS1-v1_5 SHA-256 signature of `message`.
    func verify(_ message: Data, signature: Data) -> Bool {
        #if canImport(CryptoKit)
        guard let key = secKey() else { return false }
        var error: Unmanaged<CFError>?
        return SecKeyVerifySignature(key, .rsaSignatureMessagePKCS1v15SHA256, message as CFData, signature as CFData, &error)
        #else
        return der.withUnsafeBytes { d in
            message.withUnsafeBytes { m in
                signature.withUnsafeBytes { s in
                    vts_rsa_verify_sha256(
                        d.bindMemory(to: UInt8.self).baseAddress, d.count, m.bindMemory(to: UInt8.self).baseAddress, m.count,
                        s.bindMemory(to: UInt8.self).baseAddress, s.count
                    ) == 1
                }
            }
        }
        #endif
    }

    #if canImport(CryptoKit)
    /// SecKey wants PKCS#1: an SPKI wrapper is stripped first.
    private func secKey() -> SecKey? {
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
                guard bitString + header(bitString) + 1 < bytes.count else { return nil }
                bytes = Array(bytes[(bitString + header(bitString) + 1)...])
            }
        }
        let attributes: [String: Any] = [
            kSecAttrKeyType as String: kSecAttrKeyTypeRSA,
            kSecAttrKeyClass as String: kSecAttrKeyClassPublic,
        ]
        return SecKeyCreateWithData(Data(bytes) as CFData, attributes as CFDictionary, nil)
    }
    #endif
}

/// An image as a camera's luma (Y) plane: 8-bit grey, `stride` bytes per row.
struct LumaPlane {
    let data: Data
    let width: Int
    let height: Int
    let stride: Int
}

/// An image file decoded to 8-bit grey, `padding` bytes of `junk` after each
/// row (as a camera's padding may be). Transparent pixels are composited over
/// white with `white`, else over `junk`. Apple platforms: any format ImageIO
/// reads; Linux: PNG.
func lumaPlane(_ image: Data, padding: Int = 0, white: Bool = false, junk: UInt8 = 0x5A) throws -> LumaPlane {
    #if canImport(ImageIO)
    guard let source = CGImageSourceCreateWithData(image as CFData, nil),
          let cgImage = CGImageSourceCreateImageAtIndex(source, 0, nil) else {
        throw UnexpectedError(description: "not an image")
    }
    let width = cgImage.width
    let height = cgImage.height
    let stride = width + padding
    var bytes = [UInt8](repeating: junk, count: stride * height)
    let drawn: Bool = bytes.withUnsafeMutableBytes { buffer in
        guard let context = CGContext(
            data: buffer.baseAddress, width: width, height: height, bitsPerComponent: 8, bytesPerRow: stride,
            space: CGColorSpaceCreateDeviceGray(), bitmapInfo: CGImageAlphaInfo.none.rawValue
        ) else {
            return false
        }
        if white {
            context.setFillColor(gray: 1, alpha: 1)
            context.fill(CGRect(x: 0, y: 0, width: width, height: height))
        }
        context.draw(cgImage, in: CGRect(x: 0, y: 0, width: width, height: height))
        return true
    }
    guard drawn else { throw UnexpectedError(description: "no grey context") }
    return LumaPlane(data: Data(bytes), width: width, height: height, stride: stride)
    #else
    var width: UInt32 = 0
    var height: UInt32 = 0
    let known = image.withUnsafeBytes { vts_png_size($0.bindMemory(to: UInt8.self).baseAddress, $0.count, &width, &height) }
    guard known == 1, width > 0, height > 0 else { throw UnexpectedError(description: "not a PNG image") }
    let stride = Int(width) + padding
    var bytes = [UInt8](repeating: junk, count: stride * Int(height))
    let decoded = image.withUnsafeBytes {
        vts_png_grey($0.bindMemory(to: UInt8.self).baseAddress, $0.count, white ? 0xFF : junk, &bytes, stride, bytes.count)
    }
    guard decoded == 1 else { throw UnexpectedError(description: "the PNG image cannot be decoded") }
    return LumaPlane(data: Data(bytes), width: Int(width), height: Int(height), stride: stride)
    #endif
}

/// A PNG file of `width` × `height` pixels: pixel `i` (rows packed) opaque
/// black where `dark(i)`, else black with alpha 0 (fully transparent).
func transparentPng(width: Int, height: Int, dark: (Int) -> Bool) throws -> Data {
    #if canImport(ImageIO)
    var rgba = [UInt8](repeating: 0, count: width * height * 4)
    for i in 0..<(width * height) where dark(i) {
        rgba[i * 4 + 3] = 0xFF
    }
    let transparent: CGImage? = rgba.withUnsafeMutableBytes { buffer in
        CGContext(
            data: buffer.baseAddress, width: width, height: height, bitsPerComponent: 8, bytesPerRow: width * 4,
            space: CGColorSpaceCreateDeviceRGB(), bitmapInfo: CGImageAlphaInfo.premultipliedLast.rawValue
        )?.makeImage()
    }
    let png = NSMutableData()
    guard let image = transparent,
          let destination = CGImageDestinationCreateWithData(png as CFMutableData, "public.png" as CFString, 1, nil)
    else { throw UnexpectedError(description: "no PNG writer") }
    CGImageDestinationAddImage(destination, image, nil)
    guard CGImageDestinationFinalize(destination) else { throw UnexpectedError(description: "not written") }
    return png as Data
    #else
    var greyAlpha = [UInt8](repeating: 0, count: width * height * 2)
    for i in 0..<(width * height) where dark(i) {
        greyAlpha[i * 2 + 1] = 0xFF
    }
    let size = vts_png_write_grey_alpha(greyAlpha, UInt32(width), UInt32(height), nil, 0)
    guard size > 0 else { throw UnexpectedError(description: "no PNG writer") }
    var out = [UInt8](repeating: 0, count: size)
    guard vts_png_write_grey_alpha(greyAlpha, UInt32(width), UInt32(height), &out, out.count) > 0 else {
        throw UnexpectedError(description: "not written")
    }
    return Data(out)
    #endif
}
