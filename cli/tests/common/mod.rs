//! What the CLI's integration tests share: running the built `vakt` on a
//! vault folder with only the `VAKT_*` variables a test gives (never the
//! user's secrets or OS keyring, never a terminal), and the checks that hold
//! for every run (no panic). Each test crate uses a part of it.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The variables that would leak the caller's secrets or vault into a test.
pub const SECRET_VARS: [&str; 7] = [
    "VAKT_PIN",
    "VAKT_CONTAINER_PASSPHRASE",
    "VAKT_NEW_PIN",
    "VAKT_UNBLOCK_CODE",
    "VAKT_SECRET",
    "VAKT_INSECURE_TEST_KDF",
    "VAKT_VAULT",
];

/// One finished run: exit status and output.
#[derive(Debug)]
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }
}

/// `vakt --vault DIR ARGS…` with only `env` of the secret variables, the
/// device key in a file and stdin closed (not started).
pub fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vakt"));
    // The device key in a file: tests never touch the user's OS keyring.
    command.env("VAKT_KEYSTORE", "file");
    command.arg("--vault").arg(dir).args(args);
    for var in SECRET_VARS {
        command.env_remove(var);
    }
    command.envs(env.iter().copied());
    command.stdin(Stdio::null());
    command
}

/// The run `output` of `vakt ARGS…` ended with, checked: it exited (no
/// signal) and did not panic.
pub fn to_run(args: &[&str], output: Output) -> Run {
    let status = output
        .status
        .code()
        .unwrap_or_else(|| panic!("vakt {args:?} ended by a signal: {output:?}"));
    let run = Run {
        status,
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert_ne!(run.status, 101, "vakt {args:?} panicked: {run:?}");
    assert!(
        !run.stderr.contains("panicked") && !run.stdout.contains("panicked"),
        "vakt {args:?}: {run:?}"
    );
    run
}

/// Runs `vakt` to completion ([`command`], [`to_run`]).
pub fn vakt(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    to_run(args, command(dir, args, env).output().unwrap())
}
