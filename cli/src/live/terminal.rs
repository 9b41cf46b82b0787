//! The live view in the real terminal: raw mode and the alternate screen
//! (restored on the way out, also after a panic), keys read with a timeout so
//! the countdown runs, codes read from the session once a second, HOTP codes
//! made on demand, and copies through the terminal's clipboard (OSC 52).

use std::io::{IsTerminal, Write};
use std::time::Duration;

use base64::Engine as _;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use vakt_core::vault::{CodeEntry, Session};

use super::model::{Action, Key, Model, Row, RowCode};
use super::screen;
use crate::error::CliError;

/// How the view ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// The user quit.
    Quit,
    /// Nobody pressed a key for the idle time.
    IdleLocked,
}

/// Shows the live view of `session` until the user quits or it idles out.
/// `now` gives the time codes are shown for (Unix seconds); `idle_lock` is in
/// seconds (0: never).
pub fn run(session: &Session, now: &dyn Fn() -> u64, idle_lock: u64) -> Result<Ended, CliError> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(CliError::bad_input(
            "--watch needs a terminal (use vakt codes without it in scripts)",
        ));
    }
    let mut terminal = ratatui::try_init().map_err(|e| terminal_error(&e))?;
    let ended = show(&mut terminal, session, now, idle_lock);
    ratatui::restore();
    ended
}

fn show(
    terminal: &mut ratatui::DefaultTerminal,
    session: &Session,
    now: &dyn Fn() -> u64,
    idle_lock: u64,
) -> Result<Ended, CliError> {
    let mut model = Model::new(now(), idle_lock);
    let mut shown_at = None;
    loop {
        let t = now();
        if shown_at != Some(t) {
            model.set_rows(rows(&session.codes(t).map_err(|e| CliError::vault(&e))?));
            shown_at = Some(t);
        }
        match model.tick(t) {
            Action::IdleLock => return Ok(Ended::IdleLocked),
            Action::ClearClipboard => {
                // Best effort: the terminal may not take clipboard requests.
                let _ = osc52("");
            }
            _ => {}
        }
        terminal
            .draw(|frame| screen::draw(frame, &model, t))
            .map_err(|e| terminal_error(&e))?;
        if !event::poll(Duration::from_millis(200)).map_err(|e| terminal_error(&e))? {
            continue;
        }
        let Event::Key(pressed) = event::read().map_err(|e| terminal_error(&e))? else {
            continue;
        };
        if pressed.kind != KeyEventKind::Press {
            continue;
        }
        let ctrl = pressed.modifiers.contains(KeyModifiers::CONTROL);
        let key = match pressed.code {
            KeyCode::Char('c' | 'q' | 'd') if ctrl => Key::Quit,
            KeyCode::Char(c) if !ctrl => Key::Char(c),
            KeyCode::Backspace => Key::Backspace,
            KeyCode::Up => Key::Up,
            KeyCode::Down => Key::Down,
            KeyCode::Enter => Key::Enter,
            KeyCode::Esc => Key::Esc,
            _ => continue,
        };
        match model.key(key, now()) {
            Action::Quit => return Ok(Ended::Quit),
            Action::NextCode(id) => match session.next_code(id) {
                Ok(code) => {
                    let text = code.as_str().to_owned();
                    model.show_counter_code(id, text.clone());
                    model.copied(osc52(&text), now());
                }
                Err(e) => model.set_notice(CliError::vault(&e).message().to_owned()),
            },
            Action::Copy(code) => model.copied(osc52(&code), now()),
            _ => {}
        }
    }
}

/// The rows of the view from the session's code screen.
pub fn rows(entries: &[CodeEntry]) -> Vec<Row> {
    entries
        .iter()
        .map(|e| Row {
            id: e.info.id,
            issuer: e.info.issuer.clone(),
            name: e.info.name.clone(),
            code: match &e.view {
                Some(view) => RowCode::Timed {
                    code: view.code.as_str().to_owned(),
                    next: view.next_code.as_ref().map(|c| c.as_str().to_owned()),
                    left: view.seconds_left,
                    period: view.period,
                },
                None => RowCode::Counter,
            },
        })
        .collect()
}

/// Asks the terminal to put `text` in the system clipboard (OSC 52; tmux,
/// kitty, iTerm2, Windows Terminal, xterm with window ops allowed take it).
fn osc52(text: &str) -> Result<(), String> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout().lock();
    write!(out, "\x1b]52;c;{encoded}\x07")
        .and_then(|()| out.flush())
        .map_err(|e| format!("the code could not be copied: {e}"))
}

fn terminal_error(e: &std::io::Error) -> CliError {
    CliError::internal(format!("the terminal: {e}"))
}
