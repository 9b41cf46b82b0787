//! The otpauth URI corpus: every case of `fixtures/uri-corpus.json` through
//! `vakt_core::provision::uri::parse`, with the fields, the key bytes, codes where given,
//! the error's field for refusals, and a format/parse round trip for the rest.
//! Where each group of cases comes from is in `fixtures/README.md`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Deserialize;
use vakt_core::provision::uri::{self, UriError};
use vakt_core::{Account, OtpKind};

const CORPUS: &str = include_str!("../../fixtures/uri-corpus.json");
const PRIVACYIDEA_VARIANTS: &str = include_str!("../../fixtures/privacyidea/variants.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    group: String,
    name: String,
    uri: String,
    expect: Option<Expect>,
    error: Option<String>,
    #[serde(default)]
    codes: Vec<CodeAt>,
}

#[derive(Deserialize, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct Expect {
    kind: String,
    issuer: String,
    account: String,
    algorithm: String,
    digits: u8,
    period: Option<u64>,
    counter: Option<u64>,
    secret_hex: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeAt {
    at: u64,
    code: String,
}

fn corpus() -> Vec<Case> {
    serde_json::from_str(CORPUS).expect("fixtures/uri-corpus.json is a list of cases")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// What the parser made of a URI, in the corpus's terms.
fn observed(account: &Account) -> Expect {
    let p = &account.params;
    let (period, counter) = match p.kind {
        OtpKind::Totp { period } => (Some(period.get()), None),
        OtpKind::Steam => (p.kind.period().map(|p| p.get()), None),
        OtpKind::Hotp { counter } => (None, Some(counter)),
    };
    Expect {
        kind: p.kind.name().to_owned(),
        issuer: account.issuer.clone(),
        account: account.name.clone(),
        algorithm: p.algorithm.name().to_owned(),
        digits: p.code_length(),
        period,
        counter,
        secret_hex: hex(p.secret.bytes().expose()),
    }
}

/// The raw text of the URI's `secret` parameter(s), to make sure no error
/// message repeats it.
fn secret_texts(uri: &str) -> Vec<String> {
    let query = uri.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, _)| key.eq_ignore_ascii_case("secret"))
        .map(|(_, value)| value.to_owned())
        .filter(|value| value.len() >= 4)
        .collect()
}

/// Checks one case; returns what is wrong with it, if anything.
fn check(case: &Case) -> Result<(), String> {
    let result = uri::parse(&case.uri);
    match (&case.expect, &case.error, result) {
        (Some(want), None, Ok(account)) => {
            let got = observed(&account);
            if &got != want {
                return Err(format!("fields differ\n   want {want:?}\n    got {got:?}"));
            }
            for CodeAt { at, code } in &case.codes {
                let made = account.params.current_code(*at);
                if made.as_str() != code {
                    return Err(format!("code at {at}: want {code}, got {}", made.as_str()));
                }
            }
            let written = uri::format(&account);
            // EXPOSE: the test reads back the URI it has just written.
            match uri::parse(written.expose()) {
                Ok(again) if again == account => Ok(()),
                Ok(again) => Err(format!("format/parse round trip changed it: {again:?}")),
                Err(e) => Err(format!("format/parse round trip refused: {e}")),
            }
        }
        (None, Some(field), Err(e)) => check_error(case, field, &e),
        (Some(_), None, Err(e)) => Err(format!("refused ({}): {e}", e.field())),
        (None, Some(field), Ok(account)) => Err(format!(
            "accepted, want a refusal naming {field}: {:?}",
            observed(&account)
        )),
        _ => Err("a case needs exactly one of \"expect\" and \"error\"".to_owned()),
    }
}

fn check_error(case: &Case, field: &str, e: &UriError) -> Result<(), String> {
    if e.field() != field {
        return Err(format!("refused for {}, want {field}: {e}", e.field()));
    }
    if !case.codes.is_empty() {
        return Err("a refused case has no codes".to_owned());
    }
    let message = e.to_string();
    let debug = format!("{e:?}");
    if !message.starts_with(field) {
        return Err(format!("message does not start with the field: {message}"));
    }
    for secret in secret_texts(&case.uri) {
        if message.contains(&secret) || debug.contains(&secret) {
            return Err(format!("the message shows the secret: {message} / {debug}"));
        }
    }
    Ok(())
}

#[test]
fn every_corpus_case() {
    let cases = corpus();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            check(case).err().map(|why| {
                format!(
                    "[{}] {}: {}\n    uri: {:?}",
                    case.group, case.name, why, case.uri
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_corpus_is_well_formed() {
    let cases = corpus();
    assert!(cases.len() >= 150, "only {} cases", cases.len());
    let mut names = BTreeSet::new();
    let mut groups: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for case in &cases {
        assert!(
            names.insert(case.name.as_str()),
            "duplicate name {}",
            case.name
        );
        let entry = groups.entry(case.group.as_str()).or_default();
        if case.expect.is_some() {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
        if let Some(want) = &case.expect {
            let kind_fields = (want.kind.as_str(), want.period, want.counter);
            assert!(
                matches!(
                    kind_fields,
                    ("totp" | "steam", Some(_), None) | ("hotp", None, Some(_))
                ),
                "{}: period for totp/steam, counter for hotp",
                case.name
            );
        }
    }
    // Every group the README lists is present, and has cases of the kind it
    // is about.
    for group in [
        "spec",
        "secret-forms",
        "labels",
        "issuer-rule",
        "vendor-params",
        "schemes-types",
        "invalid",
        "eden-totp-test-suite",
        "privacyidea",
    ] {
        assert!(groups.contains_key(group), "no case in group {group}");
    }
    assert_eq!(groups["invalid"].0, 0, "the invalid group only refuses");
    // Every field a refusal can name is covered.
    let fields: BTreeSet<&str> = cases.iter().filter_map(|c| c.error.as_deref()).collect();
    for field in [
        "scheme",
        "type",
        "label",
        "issuer",
        "secret",
        "algorithm",
        "digits",
        "period",
        "counter",
    ] {
        assert!(fields.contains(field), "no refusal naming {field}");
    }
}

/// Every URL privacyIDEA issued (fixtures/privacyidea/variants.json) is a case
/// of the corpus, so none goes untested.
#[test]
fn every_privacyidea_variant_url_is_a_corpus_case() {
    let variants: serde_json::Value =
        serde_json::from_str(PRIVACYIDEA_VARIANTS).expect("variants.json is JSON");
    let uris: BTreeSet<String> = corpus().into_iter().map(|c| c.uri).collect();
    let mut seen = 0;
    for (variant, entry) in variants.as_object().expect("an object of variants") {
        let urls = entry["urls"].as_object().expect("urls");
        for (kind, url) in urls {
            let url = url.as_str().expect("a URL string");
            assert!(
                uris.contains(url),
                "{variant}.{kind} is not in fixtures/uri-corpus.json: {url}"
            );
            seen += 1;
        }
    }
    assert!(seen >= 20, "only {seen} URLs in variants.json");
}

/// privacyIDEA gives each key twice: in the otpauth URL (base32) and as
/// `seed://HEX`. The parser's bytes must be the seed's.
#[test]
fn privacyidea_keys_match_their_seeds() {
    let variants: serde_json::Value =
        serde_json::from_str(PRIVACYIDEA_VARIANTS).expect("variants.json is JSON");
    let mut checked = 0;
    for (variant, entry) in variants.as_object().expect("an object of variants") {
        let urls = &entry["urls"];
        let (Some(url), Some(seed)) = (urls["googleurl"].as_str(), urls["otpkey"].as_str()) else {
            continue;
        };
        let Ok(account) = uri::parse(url) else {
            continue; // daypassword, sms, email: types we do not read.
        };
        assert_eq!(
            Some(hex(account.params.secret.bytes().expose()).as_str()),
            seed.strip_prefix("seed://"),
            "{variant}"
        );
        checked += 1;
    }
    assert_eq!(
        checked, 4,
        "hotp, hotp_sha256_8, totp_sha256_8, totp_sha512_8_60s"
    );
}
