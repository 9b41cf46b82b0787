//! Documentation made from the command-line definitions: every command's
//! `--help` shows an example, `vakt completions SHELL` prints a script its
//! shell accepts, and `vakt man` a man page `man` renders, naming every
//! command.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::process::{Command, Output, Stdio};

fn vakt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vakt"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run vakt")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

/// The commands `vakt --help` lists (its "Commands:" section).
fn commands() -> Vec<String> {
    let help = stdout(&vakt(&["--help"]));
    let listed: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect();
    assert!(listed.len() > 20, "{listed:?}");
    listed
}

#[test]
fn every_command_shows_an_example_in_its_help() {
    assert!(stdout(&vakt(&["--help"])).contains("Example: "));
    for command in commands() {
        let help = stdout(&vakt(&[command.as_str(), "--help"]));
        assert!(
            help.contains("\nExample: "),
            "vakt {command} --help shows no example:\n{help}"
        );
    }
}

#[test]
fn bash_completion_script_parses_and_completes_every_command() {
    let script = stdout(&vakt(&["completions", "bash"]));
    let check = Command::new("bash")
        .args(["-n", "-c", &script])
        .output()
        .expect("bash");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // Completing `vakt ` offers every command.
    let probe = format!(
        "{script}\nCOMP_WORDS=(vakt ''); COMP_CWORD=1; COMP_LINE='vakt '; COMP_POINT=5; _vakt vakt '' vakt; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    );
    let offered = Command::new("bash")
        .args(["-c", &probe])
        .stderr(Stdio::inherit())
        .output()
        .expect("bash");
    let offered = String::from_utf8(offered.stdout).expect("UTF-8");
    for command in commands() {
        assert!(
            offered.lines().any(|l| l == command),
            "bash does not complete {command}: {offered}"
        );
    }
}

#[test]
fn zsh_fish_elvish_and_powershell_scripts_name_every_command() {
    for (shell, marker) in [
        ("zsh", "#compdef vakt"),
        ("fish", "complete -c vakt"),
        ("elvish", "edit:completion:arg-completer[vakt]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = stdout(&vakt(&["completions", shell]));
        assert!(script.contains(marker), "{shell}: {script}");
        for command in commands() {
            assert!(script.contains(&command), "{shell} script lacks {command}");
        }
    }
    let refused = vakt(&["completions", "tcsh"]);
    assert_eq!(
        refused.status.code(),
        Some(2),
        "an unknown shell is bad input"
    );
}

#[test]
fn man_pages_render_and_name_every_command() {
    let page = stdout(&vakt(&["man"]));
    assert!(page.contains(".TH vakt 1"), "{page}");
    for command in commands() {
        // roff writes a hyphen as `\-`.
        let name = command.replace('-', "\\-");
        assert!(page.contains(&name), "vakt.1 lacks {command}");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    let printed = stdout(&vakt(&["man", "--out", out.to_str().unwrap()]));
    assert_eq!(printed.trim(), out.join("vakt.1").display().to_string());
    for command in commands() {
        let file = out.join(format!("vakt-{command}.1"));
        assert!(file.is_file(), "no {}", file.display());
    }
    // groff (what `man` uses) renders it without a warning.
    let rendered = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww"])
        .arg(out.join("vakt-codes.1"))
        .output();
    if let Ok(rendered) = rendered {
        assert!(rendered.status.success());
        assert!(
            rendered.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&rendered.stderr)
        );
        assert!(String::from_utf8_lossy(&rendered.stdout).contains("vakt-codes"));
    }
}
