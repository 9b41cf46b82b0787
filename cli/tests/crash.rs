#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// The run log shows the seed and where the kills landed.
#![allow(clippy::print_stderr)]
//! Crash injection: `vakt` processes killed with SIGKILL at random instants
//! while they add, rename or delete accounts, change the PIN, try a wrong PIN
//! or unblock — and after every kill, fresh processes must find a vault that
//! opens, passes `PRAGMA integrity_check`, and holds a state the interrupted
//! command explains:
//!
//! - no account lost: an `add` that exited 0 stays until a `delete` exits 0;
//!   a killed add is there or not; a killed rename shows the old or the new
//!   name; a killed delete leaves the account or not — nothing else changes;
//! - a killed `pin change` leaves exactly one of the old and new PIN working;
//! - the failed-PIN count never goes down except through a correct PIN or an
//!   unblock, and a killed wrong-PIN attempt never leaves it lower;
//! - a killed `unblock` leaves either the old state (the old code still
//!   unblocks) or the new PIN working (and the old code refused).
//!
//! Which PIN works is found on a *copy* of the vault with its counters
//! cleared, so probing never disturbs the counts under test.
//!
//! The schedule (operation, arguments, kill delay) comes from a seeded RNG,
//! seeded with [`DEFAULT_SEED`] unless `VAKT_CRASH_SEED` says otherwise:
//! `VAKT_CRASH_SEED=N` replays schedule N (timing aside), `VAKT_CRASH_SEED=random`
//! picks a new one from the clock (the log prints how to replay it).
//! `VAKT_CRASH_ITERATIONS=N` sets the length (default [`DEFAULT_ITERATIONS`]).
//! Kill delays are uniform in [0, 1.2 × the operation's measured duration].

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

use common::{Run, command, to_run, vakt};

const DEFAULT_ITERATIONS: usize = 240;
/// The schedule the test command runs (the same every run, so a failure in CI
/// replays with the same operations, arguments and relative kill instants).
const DEFAULT_SEED: u64 = 0x5EED_C0DE_2024_0021;
/// Iterations between two measurements of the operations' durations.
const RECALIBRATE_EVERY: usize = 40;
/// PINs the harness sets (all acceptable as new PINs).
const PINS: [&str; 6] = ["4829", "5830", "7391", "2864", "9157", "3608"];
/// Never a PIN of the vault.
const WRONG_PIN: &str = "6047";
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// SplitMix64: small, seedable, good enough for a schedule.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How a process under the kill schedule ended.
#[derive(Debug)]
enum Ended {
    /// It finished before the kill.
    Exited(Run),
    /// SIGKILL ended it.
    Killed,
}

/// Starts `vakt`, sends SIGKILL after `delay`, and reports how it ended.
fn vakt_killed(dir: &Path, args: &[&str], env: &[(&str, &str)], delay: Duration) -> Ended {
    let mut child: Child = command(dir, args, env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    // SIGKILL on unix; harmless if the process has already exited (it is a
    // zombie until waited for).
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    if output.status.signal() == Some(9) {
        Ended::Killed
    } else {
        Ended::Exited(to_run(args, output))
    }
}

/// Copies the vault files (SQLite's shared-memory index aside) into `to`.
fn copy_vault(from: &Path, to: &Path) {
    if to.exists() {
        std::fs::remove_dir_all(to).unwrap();
    }
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name.to_string_lossy().ends_with("-shm") {
            continue;
        }
        std::fs::copy(entry.path(), to.join(name)).unwrap();
    }
}

fn vault_file(dir: &Path) -> PathBuf {
    dir.join("vault.sqlite3")
}

fn integrity_check(dir: &Path) -> Vec<String> {
    let db = rusqlite::Connection::open_with_flags(
        vault_file(dir),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut stmt = db.prepare("PRAGMA integrity_check").unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Clears the lockout counters of a *copy* (the probe vault).
fn clear_counters(dir: &Path) {
    let db = rusqlite::Connection::open(vault_file(dir)).unwrap();
    db.execute("UPDATE lockout SET failed_pin = 0, failed_unblock = 0", [])
        .unwrap();
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Add,
    Rename,
    Delete,
    PinChange,
    WrongPin,
    Unblock,
}

const OPS: [Op; 6] = [
    Op::Add,
    Op::Rename,
    Op::Delete,
    Op::PinChange,
    Op::WrongPin,
    Op::Unblock,
];

/// How the kills landed, per operation.
#[derive(Default, Debug)]
struct Tally {
    /// The process had exited before the kill.
    exited: usize,
    /// Killed before it opened the vault (no write-ahead log left behind).
    before_open: usize,
    /// Killed with the vault open, before its first commit: no trace but the log.
    open_no_trace: usize,
    /// Killed mid-operation: its PIN or unblock attempt was counted, the change not made.
    counted_only: usize,
    /// Killed after the change was committed (before the process could report it).
    committed: usize,
}

impl Tally {
    fn killed(&self) -> usize {
        self.before_open + self.mid_operation()
    }

    /// Killed while it had the vault open.
    fn mid_operation(&self) -> usize {
        self.open_no_trace + self.counted_only + self.committed
    }
}

/// What the harness knows the vault holds.
#[derive(Clone, Debug)]
struct Model {
    pin: String,
    code: String,
    /// id → (issuer, account name)
    accounts: BTreeMap<u64, (String, String)>,
    failed_pin: u64,
    failed_unblock: u64,
}

struct Status {
    failed_pin: u64,
    failed_unblock: u64,
    blocked: bool,
}

struct Harness {
    seed: u64,
    rng: Rng,
    dir: PathBuf,
    probe: PathBuf,
    model: Model,
    /// Upper end of the kill delay, per operation.
    max_delay: BTreeMap<Op, Duration>,
    tally: BTreeMap<Op, Tally>,
    iteration: usize,
    names: usize,
    log: Vec<String>,
    real_lists: usize,
    blocked_seen: usize,
}

impl Harness {
    #[track_caller]
    fn fail(&self, message: &str) -> ! {
        let recent = self.log.iter().rev().take(12).rev().cloned();
        let recent: Vec<String> = recent.collect();
        panic!(
            "crash test failed at iteration {} (seed {}; rerun with VAKT_CRASH_SEED={}): {message}\n\
             model: {:?}\nrecent:\n  {}",
            self.iteration,
            self.seed,
            self.seed,
            self.model,
            recent.join("\n  ")
        );
    }

    #[track_caller]
    fn check(&self, ok: bool, message: impl FnOnce() -> String) {
        if !ok {
            self.fail(&message());
        }
    }

    fn note(&mut self, line: String) {
        self.log.push(format!("#{} {line}", self.iteration));
        if self.log.len() > 64 {
            self.log.remove(0);
        }
    }

    fn unique(&mut self, prefix: &str) -> String {
        self.names += 1;
        format!("{prefix}-{}", self.names)
    }

    fn random_key(&mut self) -> String {
        (0..16)
            .map(|_| char::from(BASE32[self.rng.below(32)]))
            .collect()
    }

    fn other_pin(&mut self, not: &str) -> String {
        loop {
            let pin = PINS[self.rng.below(PINS.len())];
            if pin != not {
                return pin.to_owned();
            }
        }
    }

    fn status(&self) -> Status {
        let run = vakt(&self.dir, &["status", "--json"], &[]);
        self.check(run.status == 0, || {
            format!("a fresh `vakt status` cannot open the vault: {run:?}")
        });
        let json = run.json();
        let failed_pin = json["failed_pin_attempts"].as_u64().unwrap();
        let status = Status {
            failed_pin,
            failed_unblock: json["failed_unblock_attempts"].as_u64().unwrap(),
            blocked: json["blocked"].as_bool().unwrap(),
        };
        self.check(status.blocked == (failed_pin >= 3), || {
            format!("status inconsistent: {json}")
        });
        status
    }

    /// Tries each PIN on a copy of the vault with cleared counters: which
    /// ones open it, and the accounts seen.
    fn probe_pins(&self, pins: &[&str]) -> (Vec<String>, BTreeMap<u64, (String, String)>) {
        copy_vault(&self.dir, &self.probe);
        clear_counters(&self.probe);
        let mut working = Vec::new();
        let mut accounts = BTreeMap::new();
        for pin in pins {
            let run = vakt(&self.probe, &["list", "--json"], &[("VAKT_PIN", pin)]);
            match run.status {
                0 => {
                    working.push((*pin).to_owned());
                    accounts = parse_accounts(&run.json());
                }
                3 => {}
                _ => self.fail(&format!("probe list with a PIN: {run:?}")),
            }
        }
        (working, accounts)
    }

    /// Tries an unblock code on a fresh copy: whether it unblocks.
    fn probe_code(&self, code: &str) -> bool {
        copy_vault(&self.dir, &self.probe);
        clear_counters(&self.probe);
        let run = vakt(
            &self.probe,
            &["unblock", "--json"],
            &[("VAKT_UNBLOCK_CODE", code), ("VAKT_NEW_PIN", PINS[0])],
        );
        match run.status {
            0 => true,
            5 => false,
            _ => self.fail(&format!("probe unblock: {run:?}")),
        }
    }

    fn pick_op(&mut self) -> Op {
        if self.model.failed_pin >= 3 {
            return Op::Unblock;
        }
        let op = OPS[self.rng.below(OPS.len())];
        match op {
            Op::Rename | Op::Delete if self.model.accounts.is_empty() => Op::Add,
            Op::Add if self.model.accounts.len() >= 8 => Op::Delete,
            op => op,
        }
    }

    fn pick_account(&mut self) -> u64 {
        let ids: Vec<u64> = self.model.accounts.keys().copied().collect();
        ids[self.rng.below(ids.len())]
    }

    fn delay(&mut self, op: Op) -> Duration {
        self.max_delay[&op].mul_f64(self.rng.unit())
    }

    /// One operation under the kill schedule, then every check.
    fn step(&mut self) {
        let op = self.pick_op();
        let before = self.model.clone();
        let delay = self.delay(op);
        let pin = before.pin.clone();
        let mut new_pin = None;
        let mut target = None;
        let mut new_name = None;
        let (args, env): (Vec<String>, Vec<(&str, String)>) = match op {
            Op::Add => {
                let name = self.unique("acct");
                let key = self.random_key();
                new_name = Some(name.clone());
                (
                    vec![
                        "add".into(),
                        "--issuer".into(),
                        "Crash".into(),
                        "--account".into(),
                        name,
                    ],
                    vec![("VAKT_PIN", pin.clone()), ("VAKT_SECRET", key)],
                )
            }
            Op::Rename => {
                let id = self.pick_account();
                let name = self.unique("renamed");
                target = Some(id);
                new_name = Some(name.clone());
                (
                    vec!["rename".into(), id.to_string(), name],
                    vec![("VAKT_PIN", pin.clone())],
                )
            }
            Op::Delete => {
                let id = self.pick_account();
                target = Some(id);
                (
                    vec!["delete".into(), id.to_string()],
                    vec![("VAKT_PIN", pin.clone())],
                )
            }
            Op::PinChange => {
                let next = self.other_pin(&pin);
                new_pin = Some(next.clone());
                (
                    vec!["pin".into(), "change".into()],
                    vec![("VAKT_PIN", pin.clone()), ("VAKT_NEW_PIN", next)],
                )
            }
            Op::WrongPin => (
                vec!["list".into(), "--json".into()],
                vec![("VAKT_PIN", WRONG_PIN.to_owned())],
            ),
            Op::Unblock => {
                let next = self.other_pin(&pin);
                new_pin = Some(next.clone());
                (
                    vec!["unblock".into(), "--json".into()],
                    vec![
                        ("VAKT_UNBLOCK_CODE", before.code.clone()),
                        ("VAKT_NEW_PIN", next),
                    ],
                )
            }
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let ended = vakt_killed(&self.dir, &args, &env, delay);
        // Every process before this one closed the vault, which removes the
        // write-ahead log: a log now means the killed process had it open.
        let wal_left = self.dir.join("vault.sqlite3-wal").exists();
        self.note(format!(
            "{op:?} {args:?} kill after {:.2} ms: {}",
            delay.as_secs_f64() * 1000.0,
            match &ended {
                Ended::Killed => "killed".to_owned(),
                Ended::Exited(run) => format!("exited {} {:?}", run.status, run.stderr.trim()),
            }
        ));

        // A fresh process opens it, and SQLite finds it sound.
        let status = self.status();
        let integrity = integrity_check(&self.dir);
        self.check(integrity == ["ok"], || {
            format!("integrity_check: {integrity:?}")
        });

        // The failed-PIN count.
        let (p0, p, u0, u) = (
            before.failed_pin,
            status.failed_pin,
            before.failed_unblock,
            status.failed_unblock,
        );
        let exited = match &ended {
            Ended::Exited(run) => Some(run),
            Ended::Killed => None,
        };
        let pin_ok = match (op, exited) {
            (Op::WrongPin, None) => p == p0 || (p0 < 3 && p == p0 + 1),
            (Op::WrongPin, Some(run)) => {
                let want = if p0 + 1 < 3 { 3 } else { 4 };
                self.check(run.status == want, || format!("wrong PIN: {run:?}"));
                p == (p0 + 1).min(3)
            }
            // A correct PIN: counted first, then cleared.
            (Op::Add | Op::Rename | Op::Delete | Op::PinChange, None) => {
                p == p0 || p == p0 + 1 || p == 0
            }
            (Op::Unblock, None) => p == p0 || p == 0,
            (_, Some(run)) => {
                self.check(run.status == 0, || format!("{op:?} failed: {run:?}"));
                p == 0
            }
        };
        self.check(pin_ok, || {
            format!("failed PIN count went from {p0} to {p} after {op:?} ({ended:?})")
        });
        let unblock_ok = match (op, exited) {
            (Op::Unblock, None) => u == u0 || u == u0 + 1 || u == 0,
            (Op::Unblock, Some(_)) => u == 0,
            _ => u == u0,
        };
        self.check(unblock_ok, || {
            format!("failed unblock count went from {u0} to {u} after {op:?} ({ended:?})")
        });

        // Which PIN opens it (on a copy), and the accounts.
        let candidates: Vec<String> = match &new_pin {
            Some(new) if matches!(op, Op::PinChange | Op::Unblock) => {
                vec![pin.clone(), new.clone()]
            }
            _ => vec![pin.clone()],
        };
        let candidates: Vec<&str> = candidates.iter().map(String::as_str).collect();
        let (working, seen) = self.probe_pins(&candidates);
        self.check(working.len() == 1, || {
            format!("PINs that open the vault among {candidates:?}: {working:?}")
        });
        let changed_pin = working[0] != pin;
        if let Some(run) = exited
            && matches!(op, Op::PinChange | Op::Unblock)
        {
            self.check(changed_pin, || {
                format!("{op:?} exited 0 but the PIN is old: {run:?}")
            });
        }

        // The accounts: nothing lost, nothing unexplained.
        let mut expected = before.accounts.clone();
        let mut committed = false;
        match op {
            Op::Add => {
                let name = new_name.clone().unwrap();
                let extra: Vec<u64> = seen
                    .keys()
                    .filter(|id| !before.accounts.contains_key(id))
                    .copied()
                    .collect();
                if let Some(run) = exited {
                    let id: u64 = run
                        .stdout
                        .trim()
                        .trim_start_matches("added #")
                        .parse()
                        .unwrap();
                    self.check(extra == [id], || {
                        format!("added #{id}, new ids seen: {extra:?}")
                    });
                }
                self.check(extra.len() <= 1, || {
                    format!("several new accounts: {extra:?}")
                });
                if let Some(&id) = extra.first() {
                    let max = before.accounts.keys().max().copied().unwrap_or(0);
                    self.check(id > max, || format!("new account reused id {id}"));
                    expected.insert(id, ("Crash".to_owned(), name));
                    committed = true;
                }
            }
            Op::Rename => {
                let id = target.unwrap();
                let old = before.accounts[&id].clone();
                let renamed = (old.0.clone(), new_name.clone().unwrap());
                let now = seen.get(&id);
                self.check(now == Some(&old) || now == Some(&renamed), || {
                    format!("#{id} after a rename: {now:?}, neither {old:?} nor {renamed:?}")
                });
                committed = now == Some(&renamed);
                if exited.is_some() {
                    self.check(committed, || {
                        format!("rename exited 0 but #{id} is {now:?}")
                    });
                }
                if committed {
                    expected.insert(id, renamed);
                }
            }
            Op::Delete => {
                let id = target.unwrap();
                committed = !seen.contains_key(&id);
                if exited.is_some() {
                    self.check(committed, || format!("delete exited 0 but #{id} is there"));
                }
                if committed {
                    expected.remove(&id);
                }
            }
            Op::PinChange | Op::Unblock => committed = changed_pin,
            Op::WrongPin => committed = p > p0,
        }
        // A change is made only after a correct PIN (or code) cleared the count.
        if committed && op != Op::WrongPin {
            self.check(p == 0, || {
                format!("{op:?} took effect but the failed PIN count is {p}")
            });
        }
        if committed && op == Op::Unblock {
            self.check(u == 0, || {
                format!("unblock took effect but the failed unblock count is {u}")
            });
        }
        self.check(seen == expected, || {
            format!("accounts after {op:?}: {seen:?}, expected {expected:?}")
        });

        // The unblock code: a killed unblock leaves the old code working, or
        // the new PIN working and the old code refused.
        let mut code = before.code.clone();
        let mut failed_pin = p;
        let mut failed_unblock = u;
        if op == Op::Unblock {
            let old_code_works = self.probe_code(&before.code);
            self.check(old_code_works != changed_pin, || {
                format!("after an unblock the new PIN works: {changed_pin}, the old code works: {old_code_works}")
            });
            match exited {
                Some(run) => code = run.json()["unblock_code"].as_str().unwrap().to_owned(),
                None if changed_pin => {
                    // The new code was never shown: issue another with the new PIN.
                    let run = vakt(
                        &self.dir,
                        &["new-unblock-code", "--json"],
                        &[("VAKT_PIN", &working[0])],
                    );
                    self.check(run.status == 0, || format!("new-unblock-code: {run:?}"));
                    code = run.json()["unblock_code"].as_str().unwrap().to_owned();
                    failed_pin = 0;
                }
                None => {
                    // Still the old state: the old code unblocks the real vault.
                    let next = self.other_pin(&pin);
                    let run = vakt(
                        &self.dir,
                        &["unblock", "--json"],
                        &[("VAKT_UNBLOCK_CODE", &before.code), ("VAKT_NEW_PIN", &next)],
                    );
                    self.check(run.status == 0, || {
                        format!("the old code no longer unblocks: {run:?}")
                    });
                    code = run.json()["unblock_code"].as_str().unwrap().to_owned();
                    self.model.pin = next;
                    failed_pin = 0;
                    failed_unblock = 0;
                }
            }
        }
        if !(op == Op::Unblock && exited.is_none() && !changed_pin) {
            self.model.pin = working[0].clone();
        }
        self.model.code = code;
        self.model.accounts = expected;
        self.model.failed_pin = failed_pin;
        self.model.failed_unblock = failed_unblock;
        if status.blocked {
            self.blocked_seen += 1;
        }

        // Now and then, the real vault with the current PIN: it opens, or it
        // is blocked (and says so, counting nothing).
        if self.rng.below(4) == 0 {
            self.real_list();
        }

        let tally = self.tally.entry(op).or_default();
        match (exited, committed, p > p0 || u > u0) {
            (Some(_), _, _) => tally.exited += 1,
            (None, true, _) => tally.committed += 1,
            (None, false, true) => tally.counted_only += 1,
            (None, false, false) if wal_left => tally.open_no_trace += 1,
            (None, false, false) => tally.before_open += 1,
        }
    }

    fn real_list(&mut self) {
        self.real_lists += 1;
        let run = vakt(
            &self.dir,
            &["list", "--json"],
            &[("VAKT_PIN", &self.model.pin)],
        );
        if self.model.failed_pin >= 3 {
            self.check(run.status == 4, || format!("blocked vault, list: {run:?}"));
            self.check(self.status().failed_pin == self.model.failed_pin, || {
                "a refused PIN on a blocked vault changed the count".to_owned()
            });
        } else {
            self.check(run.status == 0, || {
                format!("list with the current PIN: {run:?}")
            });
            let seen = parse_accounts(&run.json());
            self.check(seen == self.model.accounts, || {
                format!("real list {seen:?} differs from the probe's")
            });
            self.model.failed_pin = 0;
        }
    }
}

fn parse_accounts(json: &Value) -> BTreeMap<u64, (String, String)> {
    json.as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_u64().unwrap(),
                (
                    a["issuer"].as_str().unwrap().to_owned(),
                    a["account"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect()
}

fn init(dir: &Path, pin: &str) -> String {
    let run = vakt(
        dir,
        &["init", "--json"],
        &[("VAKT_PIN", pin), ("VAKT_INSECURE_TEST_KDF", "1")],
    );
    assert_eq!(run.status, 0, "{run:?}");
    run.json()["unblock_code"].as_str().unwrap().to_owned()
}

fn show_delays(delays: &BTreeMap<Op, Duration>) -> String {
    let shown: Vec<String> = delays
        .iter()
        .map(|(op, d)| format!("{op:?} {:.1} ms", d.as_secs_f64() * 1000.0))
        .collect();
    shown.join(", ")
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// How long each operation takes here, start to exit, on a fresh scratch
/// vault: the median of `rounds` runs, times 1.2 — the upper end of the kill
/// delay.
fn calibrate(scratch: &Path, rounds: usize) -> BTreeMap<Op, Duration> {
    if scratch.exists() {
        std::fs::remove_dir_all(scratch).unwrap();
    }
    let pins = ["4829", "5830"];
    let mut code = init(scratch, pins[0]);
    let time = |args: &[&str], env: &[(&str, &str)], want: i32| {
        let start = Instant::now();
        let run = vakt(scratch, args, env);
        let took = start.elapsed();
        assert_eq!(run.status, want, "calibration: vakt {args:?}: {run:?}");
        (took, run)
    };
    let mut samples: BTreeMap<Op, Vec<Duration>> = BTreeMap::new();
    for round in 0..rounds {
        let pin = pins[round % 2];
        let next = pins[(round + 1) % 2];
        let name = format!("cal-{round}");
        let (t, run) = time(
            &["add", "--issuer", "Cal", "--account", &name],
            &[("VAKT_PIN", pin), ("VAKT_SECRET", "JBSWY3DPEHPK3PXP")],
            0,
        );
        samples.entry(Op::Add).or_default().push(t);
        let id = run.stdout.trim().trim_start_matches("added #").to_owned();
        let (t, _) = time(&["rename", &id, "x"], &[("VAKT_PIN", pin)], 0);
        samples.entry(Op::Rename).or_default().push(t);
        let (t, _) = time(&["list", "--json"], &[("VAKT_PIN", WRONG_PIN)], 3);
        samples.entry(Op::WrongPin).or_default().push(t);
        let (t, _) = time(&["delete", &id], &[("VAKT_PIN", pin)], 0);
        samples.entry(Op::Delete).or_default().push(t);
        let (t, _) = time(
            &["pin", "change"],
            &[("VAKT_PIN", pin), ("VAKT_NEW_PIN", next)],
            0,
        );
        samples.entry(Op::PinChange).or_default().push(t);
        let (t, run) = time(
            &["unblock", "--json"],
            &[("VAKT_UNBLOCK_CODE", &code), ("VAKT_NEW_PIN", pin)],
            0,
        );
        samples.entry(Op::Unblock).or_default().push(t);
        code = run.json()["unblock_code"].as_str().unwrap().to_owned();
        // Unblock set the PIN back to `pin`; leave it at `next` for the next round.
        time(
            &["pin", "change"],
            &[("VAKT_PIN", pin), ("VAKT_NEW_PIN", next)],
            0,
        );
    }
    samples
        .into_iter()
        .map(|(op, s)| (op, median(s).mul_f64(1.2)))
        .collect()
}

#[test]
fn killed_commands_leave_a_consistent_vault() {
    let seed = match std::env::var("VAKT_CRASH_SEED").ok().as_deref() {
        None | Some("") => DEFAULT_SEED,
        Some("random") => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32)
        }
        Some(text) => text.parse().unwrap_or_else(|_| {
            panic!("VAKT_CRASH_SEED={text:?}: a number, or `random` for a new schedule")
        }),
    };
    let iterations: usize = std::env::var("VAKT_CRASH_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_ITERATIONS);
    eprintln!(
        "crash: seed {seed}{} (replay with VAKT_CRASH_SEED={seed}; VAKT_CRASH_SEED=random for a new schedule), {iterations} iterations",
        if seed == DEFAULT_SEED {
            ", the default"
        } else {
            ""
        }
    );

    let tmp = tempfile::tempdir().unwrap();
    // The probe copies need no durability: on tmpfs when there is one, so the
    // time goes to the operations under test.
    let probe_tmp = tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap();
    let started = Instant::now();
    let scratch = tmp.path().join("calibration");
    let max_delay = calibrate(&scratch, 5);
    eprintln!(
        "crash: kill delays uniform in [0, {}]",
        show_delays(&max_delay)
    );

    let dir = tmp.path().join("vault");
    let pin = PINS[0];
    let code = init(&dir, pin);
    let mut accounts = BTreeMap::new();
    for i in 0..3 {
        let name = format!("start-{i}");
        let run = vakt(
            &dir,
            &["add", "--issuer", "Crash", "--account", &name],
            &[("VAKT_PIN", pin), ("VAKT_SECRET", "JBSWY3DPEHPK3PXP")],
        );
        assert_eq!(run.status, 0, "{run:?}");
        let id: u64 = run
            .stdout
            .trim()
            .trim_start_matches("added #")
            .parse()
            .unwrap();
        accounts.insert(id, ("Crash".to_owned(), name));
    }
    let mut h = Harness {
        seed,
        rng: Rng(seed),
        probe: probe_tmp.path().join("probe"),
        dir,
        model: Model {
            pin: pin.to_owned(),
            code,
            accounts,
            failed_pin: 0,
            failed_unblock: 0,
        },
        max_delay,
        tally: BTreeMap::new(),
        iteration: 0,
        names: 0,
        log: Vec::new(),
        real_lists: 0,
        blocked_seen: 0,
    };
    for i in 0..iterations {
        // The machine's load changes (others compile): measure again now and then.
        if i > 0 && i % RECALIBRATE_EVERY == 0 {
            h.max_delay = calibrate(&scratch, 3);
            eprintln!(
                "crash: #{i}: kill delays now in [0, {}]",
                show_delays(&h.max_delay)
            );
        }
        h.iteration = i;
        h.step();
    }

    let mut report = String::new();
    let mut totals = Tally::default();
    writeln!(
        report,
        "crash: {iterations} iterations in {:.1} s (seed {seed}); {} real lists, blocked {} times",
        started.elapsed().as_secs_f64(),
        h.real_lists,
        h.blocked_seen
    )
    .unwrap();
    writeln!(
        report,
        "crash: {:<10} {:>5} {:>7} {:>12} {:>14} {:>13} {:>10}",
        "op", "runs", "exited", "before open", "open, no trace", "counted only", "committed"
    )
    .unwrap();
    for (op, t) in &h.tally {
        writeln!(
            report,
            "crash: {:<10} {:>5} {:>7} {:>12} {:>14} {:>13} {:>10}",
            format!("{op:?}"),
            t.exited + t.killed(),
            t.exited,
            t.before_open,
            t.open_no_trace,
            t.counted_only,
            t.committed
        )
        .unwrap();
        totals.exited += t.exited;
        totals.before_open += t.before_open;
        totals.open_no_trace += t.open_no_trace;
        totals.counted_only += t.counted_only;
        totals.committed += t.committed;
    }
    writeln!(
        report,
        "crash: {} runs: {} finished before the kill, {} killed before opening the vault, \
         {} killed mid-operation ({} before any commit, {} with only the attempt counted, \
         {} after the change was committed)",
        iterations,
        totals.exited,
        totals.before_open,
        totals.mid_operation(),
        totals.open_no_trace,
        totals.counted_only,
        totals.committed
    )
    .unwrap();
    eprint!("{report}");

    // The schedule must really have hit the operations, not only their edges.
    assert!(
        totals.killed() * 5 >= iterations * 2,
        "too few kills landed before exit (seed {seed}):\n{report}"
    );
    assert!(
        totals.mid_operation() >= iterations / 4,
        "too few kills landed mid-operation (seed {seed}):\n{report}"
    );
    assert!(
        totals.counted_only + totals.committed >= iterations / 10,
        "too few kills left a trace (seed {seed}):\n{report}"
    );
}
