//! The QR commands through the `vakt` binary: scan (images, luma frames,
//! --raw), add --qr, export --qr, qr.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use vakt_core::account::{Account, OtpKind, OtpParams, OtpSecret};
use vakt_core::otp::{Algorithm, Digits, Period};
use vakt_core::qr::render as qr_render;
use vakt_core::{SecretBytes, SecretString};

const PIN: &str = "4829";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture(path: &str) -> PathBuf {
    root().join("fixtures").join(path)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn vakt(args: &[&str], envs: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vakt"));
    // The device key in a file: tests never touch the user's OS keyring.
    command.env("VAKT_KEYSTORE", "file");
    command
        .args(args)
        .env_remove("VAKT_PIN")
        .env_remove("VAKT_VAULT")
        .env_remove("VAKT_SECRET");
    for (k, v) in envs {
        command.env(k, v);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().unwrap();
    Run {
        code: status.code().unwrap(),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

fn ok(args: &[&str], envs: &[(&str, &str)]) -> String {
    let run = vakt(args, envs);
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    run.stdout
}

fn scan_json(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["scan", "--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(&all, &[])).unwrap()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A vault made with the cheap test KDF; returns (tempdir, vault dir).
fn new_vault() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    ok(
        &["--vault", p(&dir), "init", "--json"],
        &[("VAKT_INSECURE_TEST_KDF", "1"), ("VAKT_PIN", PIN)],
    );
    (tmp, dir)
}

fn with_pin<'a>(dir: &'a Path, args: &[&'a str]) -> Run {
    let mut all = vec!["--vault", p(dir)];
    all.extend_from_slice(args);
    vakt(&all, &[("VAKT_PIN", PIN)])
}

fn list(dir: &Path) -> Vec<Value> {
    let run = with_pin(dir, &["list", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

fn write_png(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    let png = qr_render::png(&SecretString::from_str_copy(text)).unwrap();
    std::fs::write(&path, png.expose()).unwrap();
    path
}

fn base32(bytes: &[u8]) -> String {
    OtpSecret::new(SecretBytes::from_slice(bytes))
        .unwrap()
        .to_base32()
        .expose()
        .to_owned()
}

/// What `vakt scan --json --reveal` says of an account (without `source` and
/// batch fields).
fn expected(account: &Account) -> Value {
    let p = &account.params;
    let mut v = json!({
        "kind": p.kind.name(),
        "issuer": account.issuer,
        "account": account.name,
        "algorithm": p.algorithm.name(),
        "digits": p.code_length(),
        "secret": p.secret.to_base32().expose(),
    });
    match p.kind {
        OtpKind::Hotp { counter } => v["counter"] = json!(counter),
        _ => v["period"] = json!(p.kind.period().unwrap().get()),
    }
    v
}

fn strip(mut v: Value) -> Value {
    let m = v.as_object_mut().unwrap();
    for key in ["source", "batch_index", "batch_size", "batch_id"] {
        m.remove(key);
    }
    v
}

fn account(
    issuer: &str,
    name: &str,
    kind: OtpKind,
    algorithm: Algorithm,
    digits: u8,
    key: &[u8],
) -> Account {
    Account::new(
        issuer,
        name,
        OtpParams {
            kind,
            algorithm,
            digits: Digits::new(digits).unwrap(),
            secret: OtpSecret::new(SecretBytes::from_slice(key)).unwrap(),
        },
    )
}

const TOTP30: OtpKind = OtpKind::Totp {
    period: Period::THIRTY,
};

/// The accounts of fixtures/migration/vakt-export-*.png.
fn fixture_accounts() -> Vec<Account> {
    use Algorithm::*;
    vec![
        account(
            "GitHub",
            "alice@example.com",
            TOTP30,
            Sha1,
            6,
            b"Hello!\xde\xad\xbe\xef",
        ),
        account("Google", "bob@gmail.com", TOTP30, Sha256, 8, &[2; 32]),
        account(
            "Bank",
            "carol",
            OtpKind::Hotp { counter: 42 },
            Sha1,
            6,
            &[3; 20],
        ),
        account("Matrix", "@dave:matrix.org", TOTP30, Sha1, 6, &[4; 20]),
        account("🔑 Keys", "emoji user", TOTP30, Sha1, 6, &[5; 20]),
        account("日本", "太郎", TOTP30, Sha1, 6, &[6; 20]),
        account("", "no-issuer", TOTP30, Sha1, 6, &[7; 10]),
        account("", "a:colon:name", TOTP30, Sha1, 6, &[8; 10]),
        account(
            "Long Issuer",
            "long.name@example.org",
            TOTP30,
            Sha512,
            8,
            &[9; 64],
        ),
        account(
            "Cats & Dogs",
            "marge",
            OtpKind::Hotp { counter: 0 },
            Sha256,
            6,
            &[10; 20],
        ),
        account("Eleven", "e11", TOTP30, Sha1, 6, &[11; 20]),
        account("Twelve", "e12", TOTP30, Sha1, 6, &[12; 20]),
    ]
}

const FIXTURE_BATCH_ID: i32 = 1_234_567;

/// Regenerates fixtures/migration/vakt-export-*.png with our exporter:
/// `cargo test -p vakt --test qr_cli -- --ignored regenerate`.
#[test]
#[ignore]
fn regenerate_migration_fixtures() {
    let plan = vakt_core::transfer::export::google_authenticator::export(
        &fixture_accounts(),
        FIXTURE_BATCH_ID,
    );
    assert!(plan.not_exportable.is_empty());
    let dir = fixture("migration");
    let n = plan.codes.len();
    for (i, code) in plan.codes.iter().enumerate() {
        let png = qr_render::png(&code.uri).unwrap();
        std::fs::write(
            dir.join(format!("vakt-export-{}-of-{n}.png", i + 1)),
            png.expose(),
        )
        .unwrap();
    }
    for (name, text) in [
        ("published-minimal.png", PUBLISHED_MINIMAL),
        ("published-four-accounts.png", PUBLISHED_FOUR_ACCOUNTS),
    ] {
        write_png(&dir, name, text);
    }
}

/// Published test vector (README of github.com/dim13/otpauth).
const PUBLISHED_MINIMAL: &str = "otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZTAC";
/// Published test vector (example of the Dart package otpauth_migration).
const PUBLISHED_FOUR_ACCOUNTS: &str = "otpauth-migration://offline?data=Cj8KFGnEpnTMQ7KDguNWnddyGyCbSVLaEhhBQ01FIENvOmpvaG5AZXhhbXBsZS5jb20aB0FDTUUgQ28gASgBMAIKRAoUXkj+5MY2arwKjsnH2aDsbm6TAlYSG0JldGEgTHRkLjpob21lckBleGFtcGxlLmNvbRoJQmV0YSBMdGQuIAEoATACCkgKFDDFyzUNPgYoI3q/KGHBdcNU9ptWEh1DYXRzICYgRG9nczptYXJnZUBleGFtcGxlLmNvbRoLQ2F0cyAmIERvZ3MgASgBMAIKSAoUunHzbm5h/LUO0yilLMI+dYZY1eISHURhaWx5IEJ1Z2xlOnBldGVyQGV4YW1wbGUuY29tGgtEYWlseSBCdWdsZSABKAEwAhABGAEgACjDnb+uAg==";

fn export_fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture("migration"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("vakt-export-")
        })
        .collect();
    files.sort();
    files
}

// ---------------------------------------------------------------- scanning --

#[test]
fn scans_the_privacyidea_totp_fixture() {
    let png = fixture("privacyidea/totp_qr.png");
    let found = scan_json(&[p(&png)]);
    assert_eq!(found.len(), 1);
    let item = &found[0];
    assert_eq!(item["kind"], "totp");
    assert_eq!(item["issuer"], "privacyIDEA");
    assert_eq!(item["account"], "TOTP0000F42C");
    assert_eq!(item["algorithm"], "SHA1");
    assert_eq!(item["digits"], 6);
    assert_eq!(item["period"], 30);
    assert!(item.get("secret").is_none(), "{item}");

    let url = std::fs::read_to_string(fixture("privacyidea/totp_otpauth_url.txt")).unwrap();
    let secret = url
        .split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let revealed = scan_json(&["--reveal", p(&png)]);
    assert_eq!(revealed[0]["secret"], secret);

    let text = ok(&["scan", p(&png)], &[]);
    assert!(
        text.starts_with("totp   privacyIDEA (TOTP0000F42C)  SHA1, 6 digits, 30 s"),
        "{text}"
    );
    assert!(!text.contains(secret), "{text}");
}

#[test]
fn scans_the_privacyidea_push_fixture() {
    let png = fixture("privacyidea/push_qr.png");
    let found = scan_json(&[p(&png)]);
    assert_eq!(found.len(), 1);
    let push = &found[0];
    assert_eq!(push["kind"], "push");
    assert_eq!(push["serial"], "PIPU0000668B");
    assert_eq!(push["issuer"], "privacyIDEA");
    assert_eq!(push["url"], "http://127.0.0.1:5077/ttype/push");
    assert_eq!(push["ttl_minutes"], 10);
    assert_eq!(push["sslverify"], false);
    assert_eq!(push["poll_only"], true);
    assert_eq!(push["version"], 1);
    assert!(push.get("enrollment_credential").is_none());
    let credential = "6ed5882c2d97952ad8b8e944c8e7f46274fbb5fe";
    let text = ok(&["scan", p(&png)], &[]);
    assert!(!text.contains(credential), "{text}");
    let revealed = scan_json(&["--reveal", p(&png)]);
    assert_eq!(revealed[0]["enrollment_credential"], credential);
}

#[test]
fn raw_prints_the_text_of_every_code() {
    let push = fixture("privacyidea/push_qr.png");
    let totp = fixture("privacyidea/totp_qr.png");
    let want_push = std::fs::read_to_string(fixture("privacyidea/push_enroll_url.txt")).unwrap();
    let want_totp = std::fs::read_to_string(fixture("privacyidea/totp_otpauth_url.txt")).unwrap();
    let text = ok(&["scan", "--raw", p(&push), p(&totp)], &[]);
    assert_eq!(
        text,
        format!("{}\n{}\n", want_push.trim(), want_totp.trim())
    );
    let json: Vec<String> =
        serde_json::from_str(&ok(&["scan", "--raw", "--json", p(&totp)], &[])).unwrap();
    assert_eq!(json, [want_totp.trim()]);

    // --raw prints foreign codes too.
    let tmp = tempfile::tempdir().unwrap();
    let url = write_png(tmp.path(), "url.png", "https://example.com/");
    assert_eq!(
        ok(&["scan", "--raw", p(&url)], &[]),
        "https://example.com/\n"
    );
}

#[test]
fn scans_published_google_authenticator_exports() {
    let found = scan_json(&["--reveal", p(&fixture("migration/published-minimal.png"))]);
    assert_eq!(found.len(), 1);
    assert_eq!(
        strip(found[0].clone()),
        json!({"kind": "totp", "issuer": "Example", "account": "alice@google.com",
               "algorithm": "SHA1", "digits": 6, "period": 30, "secret": "JBSWY3DPEHPK3PXP"})
    );
    assert_eq!(
        (
            found[0]["batch_index"].clone(),
            found[0]["batch_size"].clone()
        ),
        (json!(0), json!(1))
    );

    let found = scan_json(&[
        "--reveal",
        p(&fixture("migration/published-four-accounts.png")),
    ]);
    let got: Vec<(String, String, String)> = found
        .iter()
        .map(|f| {
            assert_eq!(f["batch_id"], 634_375_875);
            assert_eq!(f["batch_size"], 1);
            (
                f["issuer"].as_str().unwrap().to_owned(),
                f["account"].as_str().unwrap().to_owned(),
                f["secret"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "ACME Co",
                "john@example.com",
                "NHCKM5GMIOZIHAXDK2O5O4Q3ECNUSUW2"
            ),
            (
                "Beta Ltd.",
                "homer@example.com",
                "LZEP5ZGGGZVLYCUOZHD5TIHMNZXJGASW"
            ),
            (
                "Cats & Dogs",
                "marge@example.com",
                "GDC4WNINHYDCQI32X4UGDQLVYNKPNG2W"
            ),
            (
                "Daily Bugle",
                "peter@example.com",
                "XJY7G3TOMH6LKDWTFCSSZQR6OWDFRVPC"
            ),
        ]
        .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
    );
}

#[test]
fn scans_our_export_fixtures_and_says_which_codes_are_missing() {
    let files = export_fixtures();
    assert_eq!(files.len(), 2, "{files:?}");
    let paths: Vec<&str> = files.iter().map(|f| p(f)).collect();
    let mut args = vec!["--reveal"];
    args.extend(&paths);
    let found = scan_json(&args);
    let want: Vec<Value> = fixture_accounts().iter().map(expected).collect();
    let got: Vec<Value> = found.iter().cloned().map(strip).collect();
    assert_eq!(got, want);
    for item in &found {
        assert_eq!(item["batch_id"], FIXTURE_BATCH_ID);
        assert_eq!(item["batch_size"], 2);
    }

    // Only the second code: its accounts, and a note that code 1 is missing.
    let run = vakt(&["scan", "--json", paths[1]], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    assert!(found.iter().all(|f| f["batch_index"] == 1));
    assert!(
        run.stderr.contains(&format!(
            "export {FIXTURE_BATCH_ID} has 2 codes; not scanned yet: code 1"
        )),
        "{}",
        run.stderr
    );
    let text = ok(&["scan", paths[0]], &[]);
    assert!(text.contains("[export code 1 of 2]"), "{text}");
}

// ------------------------------------------------ hand-made export payloads --

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn bytes_field(tag: u64, bytes: &[u8], out: &mut Vec<u8>) {
    varint(tag << 3 | 2, out);
    varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

fn int_field(tag: u64, value: i64, out: &mut Vec<u8>) {
    varint(tag << 3, out);
    varint(value as u64, out);
}

/// One OtpParameters message, field by field as formats.md documents them.
fn entry(
    secret: &[u8],
    name: &str,
    issuer: &str,
    algorithm: i64,
    digits: i64,
    kind: i64,
    counter: i64,
) -> Vec<u8> {
    let mut out = Vec::new();
    bytes_field(1, secret, &mut out);
    bytes_field(2, name.as_bytes(), &mut out);
    bytes_field(3, issuer.as_bytes(), &mut out);
    int_field(4, algorithm, &mut out);
    int_field(5, digits, &mut out);
    int_field(6, kind, &mut out);
    int_field(7, counter, &mut out);
    out
}

fn migration_uri(entries: &[Vec<u8>], size: i64, index: i64, id: i64) -> String {
    use base64::Engine;
    let mut out = Vec::new();
    for e in entries {
        bytes_field(1, e, &mut out);
    }
    int_field(2, 1, &mut out);
    int_field(3, size, &mut out);
    int_field(4, index, &mut out);
    int_field(5, id, &mut out);
    let data = base64::engine::general_purpose::STANDARD.encode(out);
    format!(
        "otpauth-migration://offline?data={}",
        data.replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    )
}

#[test]
fn unusable_export_entries_are_named_and_the_rest_imported() {
    let tmp = tempfile::tempdir().unwrap();
    let uri = migration_uri(
        &[
            entry(
                b"md5-secret-zz",
                "MD5 Inc:md5@example.com",
                "MD5 Inc",
                4,
                1,
                2,
                0,
            ),
            entry(b"good-key-1", "Good:one", "Good", 1, 1, 2, 0),
            entry(b"untyped-zz", "Untyped:u", "Untyped", 1, 1, 0, 0),
            entry(b"", "Empty:e", "Empty", 1, 1, 2, 0),
            entry(b"good-key-2", "Counter:two", "Counter", 2, 2, 1, 7),
            entry(b"digits-zz", "Digits:d", "Digits", 1, 9, 2, 0),
        ],
        1,
        0,
        99,
    );
    let png = write_png(tmp.path(), "mixed.png", &uri);
    let run = vakt(&["scan", "--json", "--reveal", p(&png)], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    let names: Vec<&str> = found
        .iter()
        .map(|f| f["issuer"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Good", "Counter"]);
    assert_eq!(found[1]["counter"], 7);
    assert_eq!(found[1]["digits"], 8);
    assert_eq!(found[1]["algorithm"], "SHA256");
    assert_eq!(found[0]["secret"], base32(b"good-key-1"));
    for (label, field) in [
        (
            "MD5 Inc (md5@example.com) cannot be imported: algorithm: MD5",
            "md5",
        ),
        (
            "Untyped (u) cannot be imported: type: unspecified",
            "untyped",
        ),
        ("Empty (e) cannot be imported: secret: empty", "empty"),
        (
            "Digits (d) cannot be imported: digits: unknown value 9",
            "digits",
        ),
    ] {
        assert!(run.stderr.contains(label), "{field}: {}", run.stderr);
    }
    assert!(!run.stderr.contains("zz"), "{}", run.stderr);

    // add --qr imports the usable ones and says why the others are left out.
    let (_vault_tmp, dir) = new_vault();
    let run = with_pin(&dir, &["add", "--qr", p(&png)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("added #1  Good (one)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("added #2  Counter (two)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("MD5 Inc (md5@example.com) cannot be imported"),
        "{}",
        run.stderr
    );
    assert_eq!(list(&dir).len(), 2);

    // A code whose every entry is unusable: nothing to add, exit 2, no PIN asked.
    let bad = write_png(
        tmp.path(),
        "bad.png",
        &migration_uri(&[entry(b"k", "MD5:x", "MD5", 4, 1, 2, 0)], 1, 0, 5),
    );
    let run = vakt(&["--vault", p(&dir), "add", "--qr", p(&bad)], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("MD5 (x) cannot be imported: algorithm: MD5"),
        "{}",
        run.stderr
    );
    let run = vakt(&["scan", p(&bad)], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

// ------------------------------------------------------------- luma frames --

/// A luma frame holding `text`, rows padded to `stride` with grey bytes.
fn frame(text: &str, stride_pad: u32) -> (Vec<u8>, u32, u32, u32) {
    let image = qr_render::luma(&SecretString::from_str_copy(text), 3).unwrap();
    let stride = image.width + stride_pad;
    let mut data = Vec::new();
    for row in image.data.expose().chunks(image.width as usize) {
        data.extend_from_slice(row);
        data.extend(std::iter::repeat_n(0x80u8, stride_pad as usize));
    }
    (data, image.width, image.height, stride)
}

#[test]
fn scans_raw_and_gzipped_luma_frames() {
    let tmp = tempfile::tempdir().unwrap();
    let uri = "otpauth://totp/Frame:cam?secret=JBSWY3DPEHPK3PXP&issuer=Frame";
    let (data, width, height, stride) = frame(uri, 13);
    assert!(stride > width);
    let raw = tmp.path().join("frame.y");
    std::fs::write(&raw, &data).unwrap();
    // A whole NV12 buffer: the chroma plane after the luma plane is ignored.
    let nv12 = tmp.path().join("frame.nv12");
    let mut with_chroma = data.clone();
    with_chroma.extend(std::iter::repeat_n(0x80u8, data.len() / 2));
    std::fs::write(&nv12, &with_chroma).unwrap();
    let gz = tmp.path().join("frame.y.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&data).unwrap();
    std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
    let (w, h, s) = (width.to_string(), height.to_string(), stride.to_string());
    for file in [&raw, &gz, &nv12] {
        let found = scan_json(&[
            "--reveal",
            "--luma",
            p(file),
            "--width",
            &w,
            "--height",
            &h,
            "--stride",
            &s,
        ]);
        assert_eq!(found.len(), 1, "{file:?}");
        assert_eq!(found[0]["issuer"], "Frame");
        assert_eq!(found[0]["secret"], "JBSWY3DPEHPK3PXP");
        let text = ok(
            &[
                "scan",
                "--raw",
                "--luma",
                p(file),
                "--width",
                &w,
                "--height",
                &h,
                "--stride",
                &s,
            ],
            &[],
        );
        assert_eq!(text.trim(), uri);
    }

    // Without the stride the rows are read skewed: no code found, exit 2.
    let run = vakt(
        &["scan", "--luma", p(&raw), "--width", &w, "--height", &h],
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    // A truncated frame is refused with the sizes.
    let short = tmp.path().join("short.y");
    std::fs::write(&short, &data[..data.len() / 2]).unwrap();
    let run = vakt(
        &[
            "scan",
            "--luma",
            p(&short),
            "--width",
            &w,
            "--height",
            &h,
            "--stride",
            &s,
        ],
        &[],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("the frame buffer has"),
        "{}",
        run.stderr
    );
    // The geometry is required.
    assert_eq!(vakt(&["scan", "--luma", p(&raw)], &[]).code, 2);
}

// ---------------------------------------------------------- foreign codes --

#[test]
fn a_foreign_code_exits_2_naming_the_scheme_only() {
    let tmp = tempfile::tempdir().unwrap();
    let url = write_png(
        tmp.path(),
        "url.png",
        "https://example.com/login?session=hunter2",
    );
    let wifi = write_png(tmp.path(), "wifi.png", "WIFI:S:home;T:WPA;P:hunter2;;");
    let run = vakt(&["scan", p(&url)], &[]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .contains("not an authenticator QR code (scheme 'https:')"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);

    let run = vakt(&["scan", "--json", p(&url), p(&wifi)], &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("scheme 'wifi:'"), "{}", run.stderr);
    assert!(
        run.stderr.contains("no usable authenticator QR code found"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);

    // Next to a good code, a foreign one is reported and the good one used.
    let run = vakt(
        &[
            "scan",
            "--json",
            p(&url),
            p(&fixture("privacyidea/totp_qr.png")),
        ],
        &[],
    );
    assert_eq!(run.code, 0);
    assert_eq!(
        serde_json::from_str::<Vec<Value>>(&run.stdout)
            .unwrap()
            .len(),
        1
    );
    assert!(run.stderr.contains("scheme 'https:'"), "{}", run.stderr);

    // add --qr: exit 2 before asking for a PIN.
    let (_vault_tmp, dir) = new_vault();
    let run = vakt(&["--vault", p(&dir), "add", "--qr", p(&url)], &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("scheme 'https:'"), "{}", run.stderr);

    // A frame without any QR code.
    let blank = tmp.path().join("blank.y");
    std::fs::write(&blank, vec![255u8; 64 * 48]).unwrap();
    let run = vakt(
        &[
            "scan",
            "--luma",
            p(&blank),
            "--width",
            "64",
            "--height",
            "48",
        ],
        &[],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("blank.y: no QR code found"),
        "{}",
        run.stderr
    );
    let not_png = tmp.path().join("notes.txt");
    std::fs::write(&not_png, "hello").unwrap();
    let run = vakt(&["scan", p(&not_png)], &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not a readable image"),
        "{}",
        run.stderr
    );
    let run = vakt(&["scan", p(&tmp.path().join("missing.png"))], &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot open"), "{}", run.stderr);
}

// ---------------------------------------------------------------- add --qr --

#[test]
fn add_qr_adds_every_account_once() {
    let (_tmp, dir) = new_vault();
    let totp = fixture("privacyidea/totp_qr.png");
    let files = export_fixtures();
    let mut args = vec!["add", "--qr", p(&totp)];
    for f in &files {
        args.push("--qr");
        args.push(p(f));
    }
    let run = with_pin(&dir, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 13, "{}", run.stdout);
    assert!(
        run.stdout
            .starts_with("added #1  privacyIDEA (TOTP0000F42C)"),
        "{}",
        run.stdout
    );
    let listed = list(&dir);
    assert_eq!(listed.len(), 13);
    assert_eq!(listed[1]["issuer"], "GitHub");
    assert_eq!(listed[3]["counter"], 42);

    // Again: every account is reported as already there; nothing added; exit 0.
    let run = with_pin(&dir, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .lines()
            .all(|l| l.starts_with("already in the vault as #")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("already in the vault as #2  GitHub (alice@example.com)")
    );
    assert_eq!(list(&dir).len(), 13);

    // The same code given twice in one run is read once.
    let (_tmp2, dir2) = new_vault();
    let run = with_pin(&dir2, &["add", "--qr", p(&totp), "--qr", p(&totp)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.trim(), "added #1  privacyIDEA (TOTP0000F42C)");

    // A wrong PIN is reported as such (exit 3), nothing added.
    let run = vakt(
        &["--vault", p(&dir2), "add", "--qr", p(&files[0])],
        &[("VAKT_PIN", "0000")],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(list(&dir2).len(), 1);
}

#[test]
fn an_account_under_other_names_with_the_same_codes_is_added_and_said_to_be_like() {
    let tmp = tempfile::tempdir().unwrap();
    let (_vault_tmp, dir) = new_vault();
    add_uri(
        &dir,
        "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example",
    );

    // By URI: stdout stays `added #ID` alone (scripts read it); the note is on stderr.
    let run = with_pin(
        &dir,
        &[
            "add",
            "--uri",
            "otpauth://totp/Other:bob?secret=JBSWY3DPEHPK3PXP&issuer=Other",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.trim(), "added #2");
    assert!(
        run.stderr.contains("#2 gives the same codes as #1"),
        "{}",
        run.stderr
    );

    // From a QR code: said on the account's line.
    let png = write_png(
        tmp.path(),
        "like.png",
        "otpauth://totp/Third:carol?secret=JBSWY3DPEHPK3PXP&issuer=Third",
    );
    let run = with_pin(&dir, &["add", "--qr", p(&png)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout.trim(),
        "added #3  Third (carol) (gives the same codes as #1)"
    );
    // The same code again is a duplicate of #3, not a look-alike.
    let run = with_pin(&dir, &["add", "--qr", p(&png)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout.trim(),
        "already in the vault as #3  Third (carol)"
    );
    assert_eq!(list(&dir).len(), 3);
}

#[test]
fn add_qr_enrols_push_and_an_unreachable_server_stores_nothing() {
    // The captured code names a server on 127.0.0.1:5077 that is not running:
    // enrolment is attempted (exit 7, the server could not be reached), and
    // nothing is stored. The end-to-end enrolment is in tests/privacyidea.
    let (_tmp, dir) = new_vault();
    let run = with_pin(
        &dir,
        &["add", "--qr", p(&fixture("privacyidea/push_qr.png"))],
    );
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(
        run.stderr.contains("could not be reached"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("6ed5882c"), "{}", run.stderr);
    assert!(list(&dir).is_empty());
    let tokens = with_pin(&dir, &["push", "list", "--json"]);
    assert_eq!(tokens.code, 0, "{}", tokens.stderr);
    assert_eq!(tokens.stdout.trim(), "[]");
    assert!(
        !dir.join("push-keys").exists()
            || std::fs::read_dir(dir.join("push-keys")).unwrap().count() == 0,
        "the device key of a failed enrolment is deleted"
    );
}

// ------------------------------------------------------ export --qr, qr ID --

fn add_uri(dir: &Path, uri: &str) {
    let run = with_pin(dir, &["add", "--uri", uri]);
    assert_eq!(run.code, 0, "{uri}: {}", run.stderr);
}

#[test]
fn export_qr_then_scan_gives_back_every_key() {
    let (tmp, dir) = new_vault();
    let uris = [
        "otpauth://totp/GitHub:alice?secret=JBSWY3DPEHPK3PXP&issuer=GitHub",
        "otpauth://hotp/Bank:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Bank&counter=9&digits=8&algorithm=SHA256",
        "otpauth://steam/Steam:gamer?secret=MFRGGZDFMZTWQ2LK",
        "otpauth://totp/Slow:s?secret=ONSWG4TFOQ&issuer=Slow&period=60",
    ];
    for uri in &uris {
        add_uri(&dir, uri);
    }
    for i in 0..11 {
        add_uri(
            &dir,
            &format!(
                "otpauth://totp/Bulk:user{i}?secret={}&issuer=Bulk",
                base32(&[i as u8 + 1; 20])
            ),
        );
    }
    let out = tmp.path().join("out");
    let run = with_pin(&dir, &["export", "--qr", p(&out)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("vakt-export-1-of-2.png (export code 1 of 2: #1, #2, #5"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("vakt-account-3.png (#3 Steam (gamer) cannot go into a Google Authenticator export (type: Steam Guard"), "{}", run.stdout);
    assert!(run.stdout.contains("vakt-account-4.png (#4 Slow (s) cannot go into a Google Authenticator export (period: 60 s"), "{}", run.stdout);
    assert!(
        run.stderr.contains("these images hold your keys"),
        "{}",
        run.stderr
    );

    let mut files: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let names: Vec<&str> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "vakt-account-3.png",
            "vakt-account-4.png",
            "vakt-export-1-of-2.png",
            "vakt-export-2-of-2.png"
        ]
    );
    #[cfg(unix)]
    for f in &files {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // Scanning the images back gives every account, key and all.
    let mut args = vec!["--reveal"];
    args.extend(files.iter().map(|f| p(f)));
    let mut scanned: Vec<Value> = scan_json(&args).into_iter().map(strip).collect();
    let mut want: Vec<Value> = Vec::new();
    for uri in &uris {
        let inspected = ok(&["uri", "inspect", "--json", "--reveal", uri], &[]);
        want.push(serde_json::from_str(&inspected).unwrap());
    }
    for i in 0..11 {
        want.push(
            json!({"kind": "totp", "issuer": "Bulk", "account": format!("user{i}"),
            "algorithm": "SHA1", "digits": 6, "period": 30, "secret": base32(&[i as u8 + 1; 20])}),
        );
    }
    let key = |v: &Value| v["secret"].as_str().unwrap().to_owned();
    scanned.sort_by_key(key);
    want.sort_by_key(key);
    assert_eq!(scanned, want);

    // Export again into the same folder: refused, nothing overwritten.
    let before = std::fs::read(&files[2]).unwrap();
    let run = with_pin(&dir, &["export", "--qr", p(&out)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    assert_eq!(std::fs::read(&files[2]).unwrap(), before);

    // Chosen accounts only, in the order given; an unknown id is refused.
    let some = tmp.path().join("some");
    let run = with_pin(&dir, &["export", "--qr", p(&some), "2", "1", "2"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found = scan_json(&[p(&some.join("vakt-export-1-of-1.png"))]);
    let order: Vec<&str> = found
        .iter()
        .map(|f| f["issuer"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["Bank", "GitHub"]);
    let run = with_pin(&dir, &["export", "--qr", p(&tmp.path().join("none")), "99"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no account #99"), "{}", run.stderr);
    assert!(!tmp.path().join("none").exists());
}

#[test]
fn export_of_an_empty_vault_exits_2() {
    let (tmp, dir) = new_vault();
    let run = with_pin(&dir, &["export", "--qr", p(&tmp.path().join("out"))]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no accounts to export"),
        "{}",
        run.stderr
    );
}

#[test]
fn qr_draws_one_account() {
    let (tmp, dir) = new_vault();
    let uri = "otpauth://totp/GitHub:alice?secret=JBSWY3DPEHPK3PXP&issuer=GitHub";
    add_uri(&dir, uri);
    let run = with_pin(&dir, &["qr", "1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines.len() > 10);
    assert!(lines[0].chars().all(|c| c == '█'), "{}", lines[0]);
    assert!(
        lines
            .iter()
            .all(|l| l.chars().count() == lines[0].chars().count())
    );
    assert!(run.stdout.chars().all(|c| " ▀▄█\n".contains(c)));
    let inverted = with_pin(&dir, &["qr", "--invert", "1"]).stdout;
    assert!(inverted.lines().next().unwrap().chars().all(|c| c == ' '));

    let png = tmp.path().join("one.png");
    let run = with_pin(&dir, &["qr", "1", "--png", p(&png)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found = scan_json(&["--reveal", p(&png)]);
    assert_eq!(found[0]["secret"], "JBSWY3DPEHPK3PXP");
    assert_eq!(found[0]["issuer"], "GitHub");
    let run = with_pin(&dir, &["qr", "1", "--png", p(&png)]);
    assert_eq!(run.code, 2, "never overwrites");
    assert_eq!(with_pin(&dir, &["qr", "7"]).code, 2);
}
