// Test support for Linux only (Package.swift declares this target on Linux):
// what the XCTests do with Apple's frameworks on Apple platforms — RSA and
// P-384 keys and signatures (Security), AES-256-GCM (CryptoKit) and PNG decoding
// (ImageIO / CoreGraphics) — done with OpenSSL's libcrypto and libpng. Test
// code only: the library and the wrapper never use it.
#ifndef VAKT_TEST_SUPPORT_C_H
#define VAKT_TEST_SUPPORT_C_H

#include <stddef.h>
#include <stdint.h>

/// An RSA key pair in memory (an OpenSSL EVP_PKEY).
typedef struct vts_rsa_key vts_rsa_key;

/// A new RSA key pair of `bits` bits; NULL on failure. Free with vts_rsa_free.
vts_rsa_key *vts_rsa_generate(unsigned bits);
void vts_rsa_free(vts_rsa_key *key);

/// The public key as PKCS#1 RSAPublicKey DER into `out` (`capacity` bytes).
/// Returns its length (also when `out` is NULL: the size needed), or -1.
long vts_rsa_public_pkcs1(const vts_rsa_key *key, uint8_t *out, size_t capacity);

/// RSASSA-PKCS1-v1_5 with SHA-256 of `message` into `signature`. Returns the
/// signature's length (the size needed when `signature` is NULL), or -1.
long vts_rsa_sign_sha256(const vts_rsa_key *key, const uint8_t *message, size_t message_length,
                         uint8_t *signature, size_t capacity);

/// Whether `der` is an RSA public key (SubjectPublicKeyInfo or PKCS#1).
int vts_rsa_public_valid(const uint8_t *der, size_t der_length);

/// 1 if `signature` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of
/// `message` by the public key `der` (SubjectPublicKeyInfo or PKCS#1), else 0.
int vts_rsa_verify_sha256(const uint8_t *der, size_t der_length, const uint8_t *message, size_t message_length,
                          const uint8_t *signature, size_t signature_length);

/// A P-384 (secp384r1) key pair in memory (an OpenSSL EVP_PKEY).
typedef struct vts_ec_key vts_ec_key;

/// A new P-384 key pair; NULL on failure. Free with vts_ec_free.
vts_ec_key *vts_ec_p384_generate(void);
void vts_ec_free(vts_ec_key *key);

/// The public key as the X9.63 uncompressed point (04 ‖ X ‖ Y, 97 bytes: what
/// SecKeyCopyExternalRepresentation gives) into `out`. Returns its length
/// (the size needed when `out` is NULL), or -1.
long vts_ec_public_x963(const vts_ec_key *key, uint8_t *out, size_t capacity);

/// ECDSA over the SHA-256 digest of `message`, DER-encoded, into `signature`.
/// Returns the signature's length (the largest possible when `signature` is
/// NULL), or -1.
long vts_ec_sign_sha256(const vts_ec_key *key, const uint8_t *message, size_t message_length,
                        uint8_t *signature, size_t capacity);

/// 1 if `signature` (DER) is a valid ECDSA signature over the SHA-256 digest of
/// `message` by the P-384 public key `spki` (SubjectPublicKeyInfo DER, nothing
/// after it), else 0.
int vts_ec_p384_verify_sha256(const uint8_t *spki, size_t spki_length, const uint8_t *message,
                              size_t message_length, const uint8_t *signature, size_t signature_length);

/// AES-256-GCM with a random 12-byte nonce: writes nonce ‖ ciphertext ‖ 16-byte
/// tag (length + 28 bytes) into `out`. Returns the bytes written, or -1.
long vts_aes_gcm_seal(const uint8_t key[32], const uint8_t *plaintext, size_t length, uint8_t *out, size_t capacity);

/// Opens what vts_aes_gcm_seal made: writes the plaintext (length − 28 bytes)
/// into `out`. Returns its length, or -1 if it is too short or not authentic.
long vts_aes_gcm_open(const uint8_t key[32], const uint8_t *sealed, size_t length, uint8_t *out, size_t capacity);

/// A PNG file's size in pixels; 0 if it is not a PNG libpng reads.
int vts_png_size(const uint8_t *png, size_t length, uint32_t *width, uint32_t *height);

/// Decodes a PNG file as 8-bit grey into `out` (`stride` ≥ width bytes a row,
/// `capacity` ≥ stride × height; bytes past each row's width are left as they are). Transparent pixels are
/// composited over the grey level `background`. Returns 1, or 0 on failure.
int vts_png_grey(const uint8_t *png, size_t length, uint8_t background, uint8_t *out, size_t stride, size_t capacity);

/// Encodes 8-bit grey + alpha pixels (2 bytes each, rows packed) as a PNG file
/// into `out`. Returns its length (the size needed when `out` is NULL), or -1.
long vts_png_write_grey_alpha(const uint8_t *pixels, uint32_t width, uint32_t height, uint8_t *out, size_t capacity);

#endif
