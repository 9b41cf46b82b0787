//! The CLI contract of `vakt code` and `vakt uri inspect`, run on the built
//! binary: results alone on stdout, nothing on stderr and exit 0 on success;
//! bad input gives exit 2, nothing on stdout and one line on stderr naming the
//! field; the secret is shown only with `--reveal`; no input makes it panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Output};

use serde_json::{Value, json};

/// Runs `vakt ARGS...` with a clean environment for colours and locale.
fn vakt<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_vakt"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .env("NO_COLOR", "1")
        .output()
        .expect("run vakt")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// stderr without the warning every URI given as an argument gets (tested
/// on its own below).
fn stderr_without_uri_warning(output: &Output) -> String {
    text(&output.stderr)
        .lines()
        .filter(|l| !l.starts_with("vakt: the URI on the command line holds a key"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Asserts success with exactly `want` and a newline on stdout.
fn assert_prints(output: &Output, want: &str, what: &str) {
    assert_eq!(
        (
            output.status.code(),
            text(&output.stdout),
            stderr_without_uri_warning(output)
        ),
        (Some(0), format!("{want}\n"), String::new()),
        "{what}"
    );
}

/// RFC 4226 / RFC 6238 keys, in base32: the ASCII strings "1234567890" repeated
/// to 20, 32 and 64 bytes.
const KEY20: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const KEY32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA";
const KEY64: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA";

#[test]
fn the_rfc_keys_are_what_the_rfcs_say() {
    for (b32, ascii) in [
        (KEY20, "12345678901234567890"),
        (KEY32, "12345678901234567890123456789012"),
        (
            KEY64,
            "1234567890123456789012345678901234567890123456789012345678901234",
        ),
    ] {
        let key = vakt_core::provision::keytext::parse_base32_key(b32).expect("base32");
        assert_eq!(key.bytes().expose(), ascii.as_bytes());
    }
}

/// RFC 4226 Appendix D: HOTP-SHA1, 6 digits, counters 0 to 9.
#[test]
fn rfc4226_appendix_d() {
    let codes = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];
    for (counter, code) in codes.iter().enumerate() {
        let uri = format!("otpauth://hotp/RFC4226:test?secret={KEY20}&counter={counter}");
        assert_prints(&vakt(["code", "--uri", &uri]), code, &uri);
        // --at does not matter for hotp.
        assert_prints(
            &vakt(["code", "--uri", &uri, "--at", "1234567890"]),
            code,
            &uri,
        );
    }
}

/// RFC 6238 Appendix B: TOTP, 8 digits, 30 s, SHA1/SHA256/SHA512.
#[test]
fn rfc6238_appendix_b() {
    let vectors: [(u64, [&str; 3]); 6] = [
        (59, ["94287082", "46119246", "90693936"]),
        (1_111_111_109, ["07081804", "68084774", "25091201"]),
        (1_111_111_111, ["14050471", "67062674", "99943326"]),
        (1_234_567_890, ["89005924", "91819424", "93441116"]),
        (2_000_000_000, ["69279037", "90698825", "38618901"]),
        (20_000_000_000, ["65353130", "77737706", "47863826"]),
    ];
    let mut checked = 0;
    for (at, codes) in vectors {
        for ((algorithm, key), code) in [("SHA1", KEY20), ("SHA256", KEY32), ("SHA512", KEY64)]
            .into_iter()
            .zip(codes)
        {
            let uri = format!(
                "otpauth://totp/RFC6238:test?secret={key}&algorithm={algorithm}&digits=8&period=30"
            );
            let at = at.to_string();
            assert_prints(
                &vakt(["code", "--uri", &uri, "--at", &at]),
                code,
                &format!("{algorithm} at {at}"),
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 18);
}

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    uri: String,
    error: Option<String>,
}

fn refused_cases() -> Vec<(String, String, String)> {
    let corpus: Vec<Case> =
        serde_json::from_str(include_str!("../../fixtures/uri-corpus.json")).expect("corpus");
    corpus
        .into_iter()
        .filter_map(|c| c.error.map(|field| (c.name, c.uri, field)))
        .collect()
}

/// The raw values of the URI's `secret` parameters.
fn secret_texts(uri: &str) -> Vec<String> {
    let query = uri.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, value)| key.eq_ignore_ascii_case("secret") && value.len() >= 4)
        .map(|(_, value)| value.to_owned())
        .collect()
}

fn assert_refused(output: &Output, field: &str, uri: &str, what: &str) {
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{what}: {stderr}");
    assert_eq!(text(&output.stdout), "", "{what}");
    assert!(
        stderr.ends_with('\n') && stderr.matches('\n').count() == 1,
        "{what}: not one line: {stderr:?}"
    );
    assert!(
        stderr.starts_with(&format!("vakt: {field}")),
        "{what}: does not name {field}: {stderr:?}"
    );
    for secret in secret_texts(uri) {
        assert!(!stderr.contains(&secret), "{what}: shows the secret");
    }
}

/// Every refusal of the URI corpus, through both commands.
#[test]
fn invalid_uris_exit_2_naming_the_field() {
    let cases = refused_cases();
    assert!(cases.len() >= 50, "only {} refused cases", cases.len());
    for (name, uri, field) in &cases {
        assert_refused(
            &vakt(["code", "--uri", uri, "--at", "59"]),
            field,
            uri,
            &format!("code: {name}"),
        );
        assert_refused(
            &vakt(["uri", "inspect", "--json", "--reveal", "--", uri]),
            field,
            uri,
            &format!("inspect: {name}"),
        );
    }
}

fn inspect_json(args: &[&str]) -> Value {
    let mut all = vec!["uri", "inspect", "--json"];
    all.extend_from_slice(args);
    let output = vakt(&all);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(stderr_without_uri_warning(&output), "");
    let stdout = text(&output.stdout);
    assert!(
        stdout.ends_with('\n') && stdout.matches('\n').count() == 1,
        "one line of JSON: {stdout:?}"
    );
    serde_json::from_str(&stdout).expect("JSON")
}

#[test]
fn inspect_json_fields() {
    let totp = "otpauth://totp/ACME%20Co:alice@example.com?secret=jbsw+y3dp+ehpk+3pxp%3D%3D&issuer=ACME%20Co&algorithm=sha256&digits=8&period=60";
    assert_eq!(
        inspect_json(&[totp]),
        json!({"kind": "totp", "issuer": "ACME Co", "account": "alice@example.com",
               "algorithm": "SHA256", "digits": 8, "period": 60})
    );
    assert_eq!(
        inspect_json(&["--reveal", totp]),
        json!({"kind": "totp", "issuer": "ACME Co", "account": "alice@example.com",
               "algorithm": "SHA256", "digits": 8, "period": 60,
               "secret": "JBSWY3DPEHPK3PXP"})
    );
    let hotp =
        "otpauth://hotp/Matrix:@alice:matrix.org?secret=MFRGG===&counter=18446744073709551615";
    assert_eq!(
        inspect_json(&["--reveal", hotp]),
        json!({"kind": "hotp", "issuer": "Matrix", "account": "@alice:matrix.org",
               "algorithm": "SHA1", "digits": 6, "counter": 18_446_744_073_709_551_615u64,
               "secret": "MFRGG"})
    );
    let steam = "otpauth://totp/Steam:gaben?secret=JBSWY3DPEHPK3PXP&encoder=steam&digits=8";
    assert_eq!(
        inspect_json(&[steam]),
        json!({"kind": "steam", "issuer": "Steam", "account": "gaben",
               "algorithm": "SHA1", "digits": 5, "period": 30})
    );
    let unicode = "apple-otpauth://totp/%F0%9F%94%90%20%E6%97%A5%E6%9C%AC:%E5%A4%AA%E9%83%8E?secret=JBSWY3DPEHPK3PXP&digits=10";
    assert_eq!(
        inspect_json(&[unicode]),
        json!({"kind": "totp", "issuer": "🔐 日本", "account": "太郎",
               "algorithm": "SHA1", "digits": 10, "period": 30})
    );
}

/// The text form: one `FIELD VALUE` line per field (the field padded to 10
/// columns), the secret line last.
fn inspect_text(args: &[&str]) -> (Vec<String>, BTreeMap<String, String>) {
    let mut all = vec!["uri", "inspect"];
    all.extend_from_slice(args);
    let output = vakt(&all);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(stderr_without_uri_warning(&output), "");
    let stdout = text(&output.stdout);
    assert!(stdout.ends_with('\n'), "{stdout:?}");
    let lines: Vec<String> = stdout.lines().map(str::to_owned).collect();
    let fields = lines
        .iter()
        .map(|line| {
            assert_eq!(line.get(10..11), Some(" "), "field padded to 10: {line:?}");
            let (key, value) = line.split_at(10);
            (key.trim_end().to_owned(), value[1..].to_owned())
        })
        .collect();
    (lines, fields)
}

#[test]
fn inspect_text_fields() {
    let uri = "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example";
    let (lines, fields) = inspect_text(&[uri]);
    let want: BTreeMap<String, String> = [
        ("kind", "totp"),
        ("issuer", "Example"),
        ("account", "alice"),
        ("algorithm", "SHA1"),
        ("digits", "6"),
        ("period", "30"),
        ("secret", "(hidden; --reveal shows it)"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(fields, want);
    assert_eq!(lines.len(), 7);
    assert!(lines[6].starts_with("secret "), "{lines:?}");

    let (lines, fields) = inspect_text(&["--reveal", uri]);
    assert_eq!(fields["secret"], "JBSWY3DPEHPK3PXP");
    assert_eq!(lines.len(), 7);

    let hotp = "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=7&digits=8";
    let (_, fields) = inspect_text(&[hotp]);
    assert_eq!(fields.get("counter").map(String::as_str), Some("7"));
    assert_eq!(fields.get("digits").map(String::as_str), Some("8"));
    assert!(!fields.contains_key("period"));
}

#[test]
fn the_secret_is_shown_only_with_reveal() {
    let forms = [
        "JBSWY3DPEHPK3PXP",
        "jbswy3dpehpk3pxp",
        "JBSW%20Y3DP%20EHPK%203PXP",
        "JBSWY3DPEHPK3PXP%3D%3D",
    ];
    for form in forms {
        let uri = format!("otpauth://totp/Example:alice?secret={form}&issuer=Example");
        for args in [
            vec!["uri", "inspect", &uri],
            vec!["uri", "inspect", "--json", &uri],
            vec!["code", "--uri", &uri, "--at", "59"],
        ] {
            let output = vakt(&args);
            assert_eq!(output.status.code(), Some(0));
            let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
            for part in ["JBSWY3DP", "jbswy3dp", "EHPK3PXP", "ehpk3pxp", "JBSW Y3DP"] {
                assert!(!all.contains(part), "{args:?} shows the secret: {all}");
            }
        }
        let revealed = vakt(["uri", "inspect", "--reveal", &uri]);
        assert!(text(&revealed.stdout).contains("JBSWY3DPEHPK3PXP"));
    }
}

/// No input makes the CLI panic (exit 101, "panicked", or the panic hook's
/// "internal error"): junk is refused with exit 2. (A NUL byte cannot be passed
/// in an argument; it is given percent-encoded.)
#[test]
fn junk_never_panics() {
    let long_junk = "\u{1F600}%:&=?/".repeat(8_000);
    let long_label = format!("otpauth://totp/{}?secret=JBSWY3DP", "%".repeat(100_000));
    let long_secret = format!("otpauth://totp/x?secret={}", "A".repeat(100_000));
    let long_query = format!("otpauth://totp/x?{}", "secret=JBSWY3DP&".repeat(6_000));
    let mut inputs: Vec<Vec<u8>> = [
        "",
        " ",
        "\t\n",
        "otpauth://",
        "otpauth://totp",
        "otpauth://totp/",
        "otpauth://totp/?",
        "otpauth://totp/?&&&==&",
        "otpauth://totp/%",
        "otpauth://totp/%F0%9F?secret=JBSWY3DP",
        "otpauth://totp/x?secret=%",
        "otpauth://totp/x?secret=JBSWY3DP&period=99999999999999999999999",
        "otpauth://totp/x?secret=JBSWY3DP&digits=%00",
        "otpauth://totp/%00:%00?secret=JBSWY3DP&issuer=%00",
        "\u{1}\u{2}\u{7f}\u{1b}[31m",
        "\u{feff}otpauth://totp/x?secret=JBSWY3DP",
        "otpauth://totp/\u{202e}evil?secret=JBSWY3DP",
        "apple-otpauth://steam/?secret=====",
        &long_junk,
        &long_label,
        &long_secret,
        &long_query,
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    // Not UTF-8 at all.
    inputs.push(b"otpauth://totp/\xff\xfe?secret=JBSWY3DP".to_vec());
    inputs.push(vec![0x80, 0x81, 0xfe, 0xff, b'o', b't', b'p']);
    inputs.push((0u8..=255).filter(|b| *b != 0).collect());

    for input in &inputs {
        let arg = OsStr::from_bytes(input);
        for args in [
            vec![OsStr::new("code"), OsStr::new("--uri"), arg],
            vec![
                OsStr::new("code"),
                OsStr::new("--uri"),
                arg,
                OsStr::new("--at"),
                arg,
            ],
            vec![
                OsStr::new("uri"),
                OsStr::new("inspect"),
                OsStr::new("--"),
                arg,
            ],
            vec![
                OsStr::new("uri"),
                OsStr::new("inspect"),
                OsStr::new("--json"),
                OsStr::new("--"),
                arg,
            ],
            vec![arg],
        ] {
            let output = vakt(&args);
            let stderr = String::from_utf8_lossy(&output.stderr);
            let shown = String::from_utf8_lossy(input);
            let shown: String = shown.chars().take(60).collect();
            assert!(
                matches!(output.status.code(), Some(0 | 2)),
                "exit {:?} for {shown:?}: {stderr}",
                output.status.code()
            );
            assert!(
                !stderr.contains("panicked") && !stderr.contains("internal error"),
                "{shown:?}: {stderr}"
            );
            if output.status.code() == Some(2) {
                assert!(output.stdout.is_empty(), "{shown:?}: output on stdout");
            }
        }
    }
}

#[test]
fn a_uri_with_a_key_is_read_from_stdin_or_the_environment_and_the_argument_form_warns() {
    use std::io::Write;
    use std::process::Stdio;
    let uri = "otpauth://totp/ACME:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME";
    // RFC 6238 at t = 59, SHA1, 6 of the 8 digits.
    let want = "287082";
    // The argument: works, and warns (without repeating the key).
    let out = vakt(["code", "--uri", uri, "--at", "59"]);
    assert_prints(&out, want, "argument");
    let err = text(&out.stderr);
    assert!(
        err.contains("other users") && err.contains("--uri -"),
        "{err}"
    );
    assert!(!err.contains("GEZDGNBV"), "{err}");
    // stdin: no warning.
    let mut child = Command::new(env!("CARGO_BIN_EXE_vakt"))
        .args(["code", "--uri", "-", "--at", "59"])
        .env_remove("VAKT_URI")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{uri}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_prints(&out, want, "stdin");
    assert_eq!(text(&out.stderr), "");
    // VAKT_URI: no warning; uri inspect reads it too.
    let out = Command::new(env!("CARGO_BIN_EXE_vakt"))
        .args(["code", "--at", "59"])
        .env("VAKT_URI", uri)
        .output()
        .unwrap();
    assert_prints(&out, want, "VAKT_URI");
    assert_eq!(text(&out.stderr), "");
    let out = Command::new(env!("CARGO_BIN_EXE_vakt"))
        .args(["uri", "inspect", "--json"])
        .env("VAKT_URI", uri)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(text(&out.stdout).contains("\"issuer\":\"ACME\""));
    // Neither: a clear error naming the ways.
    let out = Command::new(env!("CARGO_BIN_EXE_vakt"))
        .args(["code"])
        .env_remove("VAKT_URI")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("VAKT_URI"), "{out:?}");
}
