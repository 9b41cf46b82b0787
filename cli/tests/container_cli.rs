#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! `vakt container` and container codes through the built `vakt` binary,
//! without a server: what is refused before anything is made or stored (an
//! unreachable server, plain http to another host, a passphrase the code asks
//! for and no way to answer it, a malformed code), and the commands on a vault
//! with no container. Registration, sync, rollover and unregister against a
//! real server: tests/privacyidea/test_containers.py.

use std::path::Path;

use serde_json::json;

mod common;

use common::{Run, vakt};

const PIN: &str = "4829";
const BAD_INPUT: i32 = 2;
const SERVER: i32 = 7;

fn env() -> [(&'static str, &'static str); 2] {
    [("VAKT_PIN", PIN), ("VAKT_INSECURE_TEST_KDF", "1")]
}

fn run(vault: &Path, args: &[&str]) -> Run {
    vakt(vault, args, &env())
}

fn code(url: &str, extra: &str) -> String {
    format!(
        "pia://container/SMPH0001?issuer=privacyIDEA&ttl=10&nonce=9509336a179305ec327c851e7ff2444844d657d5&time=2026-12-02T16%3A35%3A10%2B00%3A00&url={url}&serial=SMPH0001&key_algorithm=secp384r1&hash_algorithm=SHA256&ssl_verify=True{extra}"
    )
}

fn nothing_stored(vault: &Path) {
    let listed = run(vault, &["container", "list", "--json"]);
    assert_eq!((listed.status, listed.json()), (0, json!([])), "{listed:?}");
    let keys = vault.join("push-keys");
    let count = std::fs::read_dir(&keys).map(|d| d.count()).unwrap_or(0);
    assert_eq!(count, 0, "a device key was left in {keys:?}");
}

#[test]
fn codes_that_cannot_register_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path();
    assert_eq!(run(vault, &["init"]).status, 0);

    // A loopback port nothing listens on: the server cannot be reached.
    let unreachable = code("http%3A//127.0.0.1%3A9", "");
    let r = run(vault, &["add", "--uri", &unreachable]);
    assert_eq!(r.status, SERVER, "{r:?}");
    assert!(r.stderr.contains("could not be reached"), "{r:?}");
    nothing_stored(vault);

    // Plain http to another machine: refused before anything is made.
    let remote = code("http%3A//pi.example", "");
    let r = run(vault, &["add", "--uri", &remote]);
    assert_eq!(r.status, BAD_INPUT, "{r:?}");
    assert!(r.stderr.contains("--allow-insecure"), "{r:?}");
    nothing_stored(vault);

    // A passphrase asked, no VAKT_CONTAINER_PASSPHRASE and no terminal.
    let asks = code(
        "http%3A//127.0.0.1%3A9",
        "&passphrase=Your%20code%20word%3F",
    );
    let r = run(vault, &["add", "--uri", &asks]);
    assert_eq!(r.status, BAD_INPUT, "{r:?}");
    assert!(r.stderr.contains("VAKT_CONTAINER_PASSPHRASE"), "{r:?}");
    nothing_stored(vault);

    // Malformed codes name the field, and show no value.
    for (text, field) in [
        (
            code("http%3A//127.0.0.1%3A9", "").replace("nonce=", "x="),
            "nonce",
        ),
        (code("ftp%3A//127.0.0.1", ""), "url"),
        (
            code("http%3A//127.0.0.1%3A9", "").replace("secp384r1", "secp256r1"),
            "key_algorithm",
        ),
    ] {
        let r = run(vault, &["add", "--uri", &text]);
        assert_eq!(r.status, BAD_INPUT, "{r:?}");
        assert!(r.stderr.contains(field), "{field}: {r:?}");
        assert!(!r.stderr.contains("9509336a"), "{r:?}");
    }
    nothing_stored(vault);
}

#[test]
fn container_commands_on_a_vault_without_containers() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path();
    assert_eq!(run(vault, &["init"]).status, 0);
    let r = run(vault, &["container", "list"]);
    assert_eq!((r.status, r.stdout.trim()), (0, "no containers"), "{r:?}");
    let r = run(vault, &["container", "sync"]);
    assert_eq!(
        (r.status, r.stdout.trim()),
        (0, "no registered containers"),
        "{r:?}"
    );
    let r = run(vault, &["container", "sync", "--json"]);
    assert_eq!((r.status, r.json()), (0, json!([])), "{r:?}");
    for args in [
        &["container", "sync", "3"][..],
        &["container", "unregister", "3"][..],
    ] {
        let r = run(vault, args);
        assert_eq!(r.status, BAD_INPUT, "{r:?}");
        assert!(r.stderr.contains("no container #3"), "{r:?}");
    }
    // The PIN is needed: a wrong one is refused as for every command.
    let r = vakt(vault, &["container", "list"], &[("VAKT_PIN", "0000")]);
    assert_eq!(r.status, 3, "{r:?}");
}
