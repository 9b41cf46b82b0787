use super::*;
use crate::secret::SecretBytes;

fn key(bytes: &[u8]) -> SecretBytes {
    SecretBytes::from_slice(bytes)
}

const SHA1_KEY: &[u8] = b"12345678901234567890";
const SHA256_KEY: &[u8] = b"12345678901234567890123456789012";
const SHA512_KEY: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

#[test]
fn rfc4226_appendix_d() {
    let expected = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];
    let truncated: [u32; 10] = [
        1284755224, 1094287082, 137359152, 1726969429, 1640338314, 868254676, 1918287922, 82162583,
        673399871, 645520489,
    ];
    for (counter, (code, value)) in expected.iter().zip(truncated).enumerate() {
        let counter = counter as u64;
        assert_eq!(
            hotp(Algorithm::Sha1, &key(SHA1_KEY), counter, Digits::SIX).as_str(),
            *code
        );
        assert_eq!(
            truncated_value(Algorithm::Sha1, &key(SHA1_KEY), counter),
            value
        );
    }
}

#[test]
fn rfc6238_appendix_b() {
    let table: [(u64, &str, &str, &str); 6] = [
        (59, "94287082", "46119246", "90693936"),
        (1111111109, "07081804", "68084774", "25091201"),
        (1111111111, "14050471", "67062674", "99943326"),
        (1234567890, "89005924", "91819424", "93441116"),
        (2000000000, "69279037", "90698825", "38618901"),
        (20000000000, "65353130", "77737706", "47863826"),
    ];
    for (t, sha1, sha256, sha512) in table {
        for (alg, k, want) in [
            (Algorithm::Sha1, SHA1_KEY, sha1),
            (Algorithm::Sha256, SHA256_KEY, sha256),
            (Algorithm::Sha512, SHA512_KEY, sha512),
        ] {
            let got = totp(alg, &key(k), t, Period::THIRTY, Digits::EIGHT);
            assert_eq!(got.as_str(), want, "{alg} at {t}");
        }
    }
}

#[test]
fn steam_known_answer() {
    // From steampy's test suite (an independent implementation).
    let secret = key(b"1234567890abcdefghij");
    assert_eq!(
        steam_code(&secret, time_step(1469184207, Period::THIRTY)).as_str(),
        "P2QJN"
    );
}

#[test]
fn steam_codes_use_only_the_steam_alphabet() {
    let secret = key(b"1234567890abcdefghij");
    for step in 0..500 {
        let code = steam_code(&secret, step);
        assert_eq!(code.as_str().len(), 5);
        assert!(code.as_str().bytes().all(|c| STEAM_ALPHABET.contains(&c)));
    }
}

#[test]
fn digits_bounds_and_padding() {
    assert!(Digits::new(0).is_none());
    assert!(Digits::new(11).is_none());
    assert_eq!(Digits::new(1).map(Digits::get), Some(1));
    assert_eq!(Digits::new(10).map(Digits::get), Some(10));
    // Counter 0 of RFC 4226 truncates to 1284755224: ten digits pad with a zero.
    let ten = Digits::new(10).unwrap();
    assert_eq!(
        hotp(Algorithm::Sha1, &key(SHA1_KEY), 0, ten).as_str(),
        "1284755224"
    );
    // Counter 7 truncates to 82162583, which needs a leading zero at 9 and 10 digits.
    assert_eq!(
        hotp(Algorithm::Sha1, &key(SHA1_KEY), 7, Digits::new(10).unwrap()).as_str(),
        "0082162583"
    );
    assert_eq!(
        hotp(Algorithm::Sha1, &key(SHA1_KEY), 7, Digits::new(1).unwrap()).as_str(),
        "3"
    );
    assert!(Period::new(0).is_none());
}

#[test]
fn time_boundaries() {
    let k = key(SHA1_KEY);
    // t = 0 is step 0.
    assert_eq!(
        totp(Algorithm::Sha1, &k, 0, Period::THIRTY, Digits::SIX),
        hotp(Algorithm::Sha1, &k, 0, Digits::SIX)
    );
    // The last second of a period and the first of the next.
    assert_eq!(time_step(29, Period::THIRTY), 0);
    assert_eq!(time_step(30, Period::THIRTY), 1);
    let view = code_view(29, Period::THIRTY, |s| {
        hotp(Algorithm::Sha1, &k, s, Digits::SIX)
    });
    assert_eq!(view.seconds_left, 1);
    assert_eq!(
        view.next_code,
        Some(hotp(Algorithm::Sha1, &k, 1, Digits::SIX))
    );
    let view = code_view(30, Period::THIRTY, |s| {
        hotp(Algorithm::Sha1, &k, s, Digits::SIX)
    });
    assert_eq!(view.seconds_left, 30);
    assert_eq!(view.code, hotp(Algorithm::Sha1, &k, 1, Digits::SIX));
    // Near 2^63 and at the very end of u64 time: no overflow.
    let near = (1u64 << 63) - 1;
    let view = code_view(near, Period::THIRTY, |s| {
        hotp(Algorithm::Sha1, &k, s, Digits::SIX)
    });
    assert_eq!(view.code, hotp(Algorithm::Sha1, &k, near / 30, Digits::SIX));
    assert_eq!(view.seconds_left, 30 - near % 30);
    let end = code_view(u64::MAX, Period::new(1).unwrap(), |s| {
        hotp(Algorithm::Sha1, &k, s, Digits::SIX)
    });
    assert_eq!(end.next_code, None);
    assert_eq!(end.seconds_left, 1);
    // A billion-second period.
    let long = Period::new(1_000_000_000).unwrap();
    assert_eq!(time_step(2_999_999_999, long), 2);
    let view = code_view(2_999_999_999, long, |s| {
        hotp(Algorithm::Sha1, &k, s, Digits::SIX)
    });
    assert_eq!(view.seconds_left, 1);
    let max_period = Period::new(u64::MAX).unwrap();
    assert_eq!(time_step(u64::MAX - 1, max_period), 0);
}

#[test]
fn algorithm_names() {
    for alg in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
        assert_eq!(Algorithm::from_name(alg.name()), Some(alg));
        assert_eq!(Algorithm::from_name(&alg.name().to_lowercase()), Some(alg));
    }
    for bad in ["SHA-1", "MD5", "", "sha1 ", "SHA384"] {
        assert_eq!(Algorithm::from_name(bad), None, "{bad}");
    }
}

#[test]
fn code_debug_is_redacted() {
    let code = hotp(Algorithm::Sha1, &key(SHA1_KEY), 0, Digits::SIX);
    assert!(!format!("{code:?}").contains("755224"));
}

mod agrees_with_totp_rs {
    use super::*;
    use proptest::prelude::*;

    fn totp_rs_alg(alg: Algorithm) -> totp_rs::Algorithm {
        match alg {
            Algorithm::Sha1 => totp_rs::Algorithm::SHA1,
            Algorithm::Sha256 => totp_rs::Algorithm::SHA256,
            Algorithm::Sha512 => totp_rs::Algorithm::SHA512,
        }
    }

    proptest! {
        #[test]
        fn same_codes(
            secret in proptest::collection::vec(any::<u8>(), 16..64),
            alg in prop_oneof![Just(Algorithm::Sha1), Just(Algorithm::Sha256), Just(Algorithm::Sha512)],
            digits in 6u8..=8,
            period in 1u64..100_000,
            t in 0u64..(1u64 << 40),
        ) {
            let reference = totp_rs::TOTP::new_unchecked(
                totp_rs_alg(alg), usize::from(digits), 1, period, secret.clone());
            let ours = totp(alg, &key(&secret), t, Period::new(period).unwrap(), Digits::new(digits).unwrap());
            prop_assert_eq!(ours.as_str(), reference.generate(t));
        }
    }
}
