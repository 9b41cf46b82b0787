// See include/VaktTestSupportC.h. Linux only; test code only.
#include "VaktTestSupportC.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <png.h>
#include <string.h>

// vts_rsa_key is never defined: it is an EVP_PKEY under another name.
static EVP_PKEY *pkey(const vts_rsa_key *key) { return (EVP_PKEY *)key; }

vts_rsa_key *vts_rsa_generate(unsigned bits) { return (vts_rsa_key *)EVP_RSA_gen(bits); }

void vts_rsa_free(vts_rsa_key *key) { EVP_PKEY_free(pkey(key)); }

long vts_rsa_public_pkcs1(const vts_rsa_key *key, uint8_t *out, size_t capacity) {
    int needed = i2d_PublicKey(pkey(key), NULL);
    if (needed <= 0) return -1;
    if (out == NULL) return needed;
    if ((size_t)needed > capacity) return -1;
    unsigned char *cursor = out;
    return i2d_PublicKey(pkey(key), &cursor) == needed ? needed : -1;
}

long vts_rsa_sign_sha256(const vts_rsa_key *key, const uint8_t *message, size_t message_length,
                         uint8_t *signature, size_t capacity) {
    int size = EVP_PKEY_get_size(pkey(key));
    if (size <= 0) return -1;
    if (signature == NULL) return size;
    if (capacity < (size_t)size) return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) return -1;
    size_t length = capacity;
    int ok = EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey(key)) == 1 &&
             EVP_DigestSign(ctx, signature, &length, message, message_length) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? (long)length : -1;
}

// SubjectPublicKeyInfo first, then PKCS#1; the whole buffer must be the key.
static EVP_PKEY *parse_public(const uint8_t *der, size_t length) {
    const unsigned char *cursor = der;
    EVP_PKEY *key = d2i_PUBKEY(NULL, &cursor, (long)length);
    if (key != NULL && EVP_PKEY_is_a(key, "RSA") && cursor == der + length) return key;
    EVP_PKEY_free(key);
    cursor = der;
    key = d2i_PublicKey(EVP_PKEY_RSA, NULL, &cursor, (long)length);
    if (key != NULL && cursor == der + length) {
        ERR_clear_error();
        return key;
    }
    EVP_PKEY_free(key);
    ERR_clear_error();
    return NULL;
}

int vts_rsa_public_valid(const uint8_t *der, size_t der_length) {
    EVP_PKEY *key = parse_public(der, der_length);
    EVP_PKEY_free(key);
    return key != NULL;
}

int vts_rsa_verify_sha256(const uint8_t *der, size_t der_length, const uint8_t *message, size_t message_length,
                          const uint8_t *signature, size_t signature_length) {
    EVP_PKEY *key = parse_public(der, der_length);
    if (key == NULL) return 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestVerify(ctx, signature, signature_length, message, message_length) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return ok;
}

// vts_ec_key is never defined either: an EVP_PKEY holding a P-384 key.
static EVP_PKEY *ec_pkey(const vts_ec_key *key) { return (EVP_PKEY *)key; }

vts_ec_key *vts_ec_p384_generate(void) { return (vts_ec_key *)EVP_EC_gen("secp384r1"); }

void vts_ec_free(vts_ec_key *key) { EVP_PKEY_free(ec_pkey(key)); }

long vts_ec_public_x963(const vts_ec_key *key, uint8_t *out, size_t capacity) {
    size_t needed = 0;
    if (EVP_PKEY_get_octet_string_param(ec_pkey(key), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0, &needed) != 1) {
        ERR_clear_error();
        return -1;
    }
    if (out == NULL) return (long)needed;
    if (needed > capacity) return -1;
    size_t written = 0;
    int ok = EVP_PKEY_get_octet_string_param(ec_pkey(key), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out, capacity,
                                             &written) == 1;
    ERR_clear_error();
    return ok ? (long)written : -1;
}

long vts_ec_sign_sha256(const vts_ec_key *key, const uint8_t *message, size_t message_length,
                        uint8_t *signature, size_t capacity) {
    // The same EVP_DigestSign as RSA: the key's type picks ECDSA.
    return vts_rsa_sign_sha256((const vts_rsa_key *)key, message, message_length, signature, capacity);
}

int vts_ec_p384_verify_sha256(const uint8_t *spki, size_t spki_length, const uint8_t *message,
                              size_t message_length, const uint8_t *signature, size_t signature_length) {
    const unsigned char *cursor = spki;
    EVP_PKEY *key = d2i_PUBKEY(NULL, &cursor, (long)spki_length);
    char curve[32] = {0};
    size_t curve_length = 0;
    int ok = key != NULL && cursor == spki + spki_length && EVP_PKEY_is_a(key, "EC") &&
             EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve, &curve_length) == 1 &&
             strcmp(curve, "secp384r1") == 0;
    EVP_MD_CTX *ctx = ok ? EVP_MD_CTX_new() : NULL;
    ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
         EVP_DigestVerify(ctx, signature, signature_length, message, message_length) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return ok;
}

enum { NONCE = 12, TAG = 16 };

long vts_aes_gcm_seal(const uint8_t key[32], const uint8_t *plaintext, size_t length, uint8_t *out, size_t capacity) {
    if (capacity < length + NONCE + TAG || length > (size_t)INT32_MAX) return -1;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int written = 0, last = 0;
    int ok = ctx != NULL && RAND_bytes(out, NONCE) == 1 &&
             EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, out) == 1 &&
             (length == 0 || EVP_EncryptUpdate(ctx, out + NONCE, &written, plaintext, (int)length) == 1) &&
             EVP_EncryptFinal_ex(ctx, out + NONCE + written, &last) == 1 &&
             (size_t)(written + last) == length &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG, out + NONCE + length) == 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? (long)(length + NONCE + TAG) : -1;
}

long vts_aes_gcm_open(const uint8_t key[32], const uint8_t *sealed, size_t length, uint8_t *out, size_t capacity) {
    if (length < NONCE + TAG || capacity < length - NONCE - TAG || length > (size_t)INT32_MAX) return -1;
    size_t body = length - NONCE - TAG;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int written = 0, last = 0;
    int ok = ctx != NULL && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, sealed) == 1 &&
             (body == 0 || EVP_DecryptUpdate(ctx, out, &written, sealed + NONCE, (int)body) == 1) &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG, (void *)(sealed + NONCE + body)) == 1 &&
             EVP_DecryptFinal_ex(ctx, out + written, &last) == 1 && (size_t)(written + last) == body;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok && body > 0) memset(out, 0, body);
    return ok ? (long)body : -1;
}

static int begin(png_image *image, const uint8_t *png, size_t length) {
    memset(image, 0, sizeof *image);
    image->version = PNG_IMAGE_VERSION;
    return png_image_begin_read_from_memory(image, png, length);
}

int vts_png_size(const uint8_t *png, size_t length, uint32_t *width, uint32_t *height) {
    png_image image;
    if (!begin(&image, png, length)) return 0;
    *width = image.width;
    *height = image.height;
    png_image_free(&image);
    return 1;
}

int vts_png_grey(const uint8_t *png, size_t length, uint8_t background, uint8_t *out, size_t stride, size_t capacity) {
    png_image image;
    if (!begin(&image, png, length)) return 0;
    image.format = PNG_FORMAT_GRAY;
    if (image.width == 0 || image.height == 0 || stride < image.width || stride > (size_t)INT32_MAX ||
        capacity / stride < image.height) {
        png_image_free(&image);
        return 0;
    }
    png_color colour = {background, background, background};
    int ok = png_image_finish_read(&image, &colour, out, (png_int_32)stride, NULL);
    png_image_free(&image);
    return ok;
}

long vts_png_write_grey_alpha(const uint8_t *pixels, uint32_t width, uint32_t height, uint8_t *out, size_t capacity) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = width;
    image.height = height;
    image.format = PNG_FORMAT_GA;
    png_alloc_size_t size = out == NULL ? 0 : capacity;
    int ok = png_image_write_to_memory(&image, out, &size, 0, pixels, 0, NULL);
    png_image_free(&image);
    return ok && size <= (png_alloc_size_t)INT32_MAX ? (long)size : -1;
}
