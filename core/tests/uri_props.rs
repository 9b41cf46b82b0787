//! Properties of the otpauth URI reader and writer:
//! - any account survives `format` then `parse` unchanged;
//! - `parse` never panics, on any text and on text that starts like a URI;
//! - when a URI carries a valid-looking secret, no refusal shows any of it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use vakt_core::otp::{Algorithm, Digits, Period, STEAM_DIGITS};
use vakt_core::provision::uri;
use vakt_core::{Account, OtpKind, OtpParams, OtpSecret, SecretBytes};

/// Characters that matter to a label or a query, plus anything at all.
fn name_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        2 => prop::char::range('a', 'z'),
        1 => prop::sample::select(vec![
            ':', ' ', '%', '+', '&', '=', '?', '/', '#', '@', '.', '~', '\t', '\n',
            '\u{3000}', '\u{200d}', '\u{fe0f}', 'é', 'É', '日', '😀', '🏴', '\0',
        ]),
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop::collection::vec(name_char(), 0..24).prop_map(|chars| chars.into_iter().collect())
}

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop_oneof![
        Just(Algorithm::Sha1),
        Just(Algorithm::Sha256),
        Just(Algorithm::Sha512)
    ]
}

fn secret() -> impl Strategy<Value = OtpSecret> {
    prop::collection::vec(any::<u8>(), 1..=64)
        .prop_map(|bytes| OtpSecret::new(SecretBytes::new(bytes)).expect("not empty"))
}

/// Any parameters an account can have. Steam's are its fixed ones: its
/// algorithm and digits are not read from a URI (see `uri` module docs).
fn params() -> impl Strategy<Value = OtpParams> {
    let totp = (
        prop_oneof![1u64..=120, any::<u64>().prop_map(|p| p.max(1))],
        algorithm(),
        1u8..=10,
        secret(),
    )
        .prop_map(|(period, algorithm, digits, secret)| OtpParams {
            kind: OtpKind::Totp {
                period: Period::new(period).expect("period >= 1"),
            },
            algorithm,
            digits: Digits::new(digits).expect("1..=10"),
            secret,
        });
    let hotp = (any::<u64>(), algorithm(), 1u8..=10, secret()).prop_map(
        |(counter, algorithm, digits, secret)| OtpParams {
            kind: OtpKind::Hotp { counter },
            algorithm,
            digits: Digits::new(digits).expect("1..=10"),
            secret,
        },
    );
    let steam = secret().prop_map(|secret| OtpParams {
        kind: OtpKind::Steam,
        algorithm: Algorithm::Sha1,
        digits: Digits::new(STEAM_DIGITS).expect("5"),
        secret,
    });
    prop_oneof![3 => totp, 2 => hotp, 1 => steam]
}

fn account() -> impl Strategy<Value = Account> {
    (name(), name(), params())
        .prop_map(|(issuer, name, params)| Account::new(&issuer, &name, params))
}

/// Text made of the pieces URIs are made of.
fn pieces(vocabulary: Vec<&'static str>) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => prop::sample::select(vocabulary).prop_map(str::to_owned),
        1 => name(),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat())
}

/// URI-shaped text: a scheme, a type, a label and parameters, each usually
/// plausible and sometimes broken, so that the label and parameter code is
/// reached far more often than by random text.
fn uri_like() -> impl Strategy<Value = String> {
    const BITS: [&str; 14] = [
        ":", "%3A", "%", "%F0%9F", "%FF", "%2", "+", " ", "/", "?", "&", "=", "😀", "日本",
    ];
    let scheme = prop_oneof![
        4 => prop::sample::select(vec!["otpauth://", "apple-otpauth://", "OTPAUTH://"]).prop_map(str::to_owned),
        1 => pieces(vec!["otpauth", ":", "//", "/", "apple-"]),
    ];
    let kind = prop_oneof![
        4 => prop::sample::select(vec!["totp", "hotp", "steam", "TOTP"]).prop_map(str::to_owned),
        1 => pieces(BITS.to_vec()),
    ];
    let label = pieces([BITS.as_slice(), &["Issuer", "alice@example.com"]].concat());
    let key = prop::sample::select(vec![
        "secret",
        "SECRET",
        "issuer",
        "algorithm",
        "digits",
        "period",
        "counter",
        "encoder",
        "image",
        "",
    ]);
    let value = prop_oneof![
        2 => prop::sample::select(vec![
            "JBSWY3DP", "jbsw+y3dp", "JBSWY3DP====", "steam", "SHA1", "SHA512", "SHA-1", "8",
            "10", "0", "-1", "30", "18446744073709551616", "",
        ])
        .prop_map(str::to_owned),
        1 => pieces(BITS.to_vec()),
    ];
    let pairs = prop::collection::vec((key, value), 0..8).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    });
    (scheme, kind, label, pairs).prop_map(|(s, k, l, q)| format!("{s}{k}/{l}?secret=JBSWY3DP&{q}"))
}

/// A valid-looking key (16 to 64 base32 characters) and how it is written in
/// the URI: as is, lower case, or grouped with spaces.
fn written_secret() -> impl Strategy<Value = (String, String)> {
    (prop::collection::vec(any::<u8>(), 10..=40), 0..3usize).prop_map(|(bytes, form)| {
        let canonical = base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &bytes);
        let written = match form {
            0 => canonical.clone(),
            1 => canonical.to_lowercase(),
            _ => canonical
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("+"),
        };
        (canonical, written)
    })
}

/// A parameter value that may be anything (including words and numbers that
/// are almost right).
fn junk_value() -> impl Strategy<Value = String> {
    prop_oneof![
        name(),
        prop::sample::select(vec![
            "", "0", "-30", "11", "SHA-1", "MD5", "thirty", "%FF", "1e9", "+6", "30s"
        ])
        .prop_map(str::to_owned),
        any::<u64>().prop_map(|n| n.to_string()),
    ]
}

/// Percent-encodes what would end a parameter value or a label early.
fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Every 8-character window of the key: no part of it may be shown.
fn windows(secret: &str) -> Vec<&str> {
    (0..=secret.len().saturating_sub(8))
        .filter_map(|i| secret.get(i..i + 8))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn format_then_parse_is_identity(account in account()) {
        let written = uri::format(&account);
        // EXPOSE: the test reads back the URI it has just written.
        let again = uri::parse(written.expose());
        prop_assert_eq!(again.as_ref(), Ok(&account), "uri: {:?}", written.expose());
    }

    #[test]
    fn parse_never_panics_on_any_text(text in any::<String>()) {
        let _ = uri::parse(&text);
    }

    #[test]
    fn parse_never_panics_after_a_totp_prefix(text in any::<String>()) {
        let _ = uri::parse(&format!("otpauth://totp/{text}"));
    }

    #[test]
    fn parse_never_panics_on_uri_like_text(text in uri_like(), cut in any::<prop::sample::Index>()) {
        let _ = uri::parse(&text);
        // And on every prefix-cut of it (a QR code read in part).
        let at = cut.index(text.len() + 1);
        if let Some(head) = text.get(..at) {
            let _ = uri::parse(head);
        }
    }

    #[test]
    fn refusals_never_show_the_secret(
        (canonical, written) in written_secret(),
        kind in prop_oneof![
            Just("totp".to_owned()), Just("hotp".to_owned()), Just("steam".to_owned()),
            name().prop_map(|n| encode(&n)),
        ],
        label in name(),
        others in prop::collection::vec(
            (prop::sample::select(vec!["issuer", "algorithm", "digits", "period", "counter", "encoder", "image"]), junk_value()),
            0..6,
        ),
        secret_at in 0..6usize,
        spoil in prop_oneof![Just(None), (0..64usize, prop::sample::select(vec!['1', '8', '0', '!', '='])).prop_map(Some)],
    ) {
        let mut secret_text = written.clone();
        if let Some((at, c)) = spoil {
            secret_text.insert(at % (secret_text.len() + 1), c);
        }
        let mut pairs: Vec<String> = others
            .iter()
            .map(|(key, value)| format!("{key}={}", encode(value)))
            .collect();
        pairs.insert(secret_at.min(pairs.len()), format!("secret={secret_text}"));
        let text = format!("otpauth://{kind}/{}?{}", encode(&label), pairs.join("&"));
        if let Err(e) = uri::parse(&text) {
            let shown = format!("{e} / {e:?}");
            for window in windows(&canonical).into_iter().chain(windows(&written)) {
                prop_assert!(!shown.contains(window), "{shown} shows part of the key of {text}");
            }
        }
    }
}

/// The round trip also holds for the edge accounts a random search may miss.
#[test]
fn edge_accounts_round_trip() {
    let key = || OtpSecret::new(SecretBytes::from_slice(&[0xAB])).expect("one byte");
    let totp = |period: u64| OtpParams {
        kind: OtpKind::Totp {
            period: Period::new(period).expect("period"),
        },
        algorithm: Algorithm::Sha512,
        digits: Digits::new(10).expect("10"),
        secret: key(),
    };
    for (issuer, name) in [
        ("", ""),
        ("", ":"),
        ("", "a:b"),
        (":", ""),
        ("a:b", "c:d"),
        ("A", "a:x"),
        ("GitHub", "GitHub"),
        ("%", "%25"),
        ("+ +", "+"),
        ("🏴\u{200d}☠️", "🏳️\u{200d}🌈"),
        ("x", " y "),
        ("a&b=c", "?#/"),
    ] {
        for period in [1, 30, u64::MAX] {
            let account = Account::new(issuer, name, totp(period));
            let written = uri::format(&account);
            // EXPOSE: the test reads back the URI it has just written.
            assert_eq!(
                uri::parse(written.expose()).as_ref(),
                Ok(&account),
                "{:?}",
                written.expose()
            );
        }
    }
}
