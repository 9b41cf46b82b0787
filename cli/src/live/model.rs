//! What the live view shows and what each key does. The time is an input, so
//! every state can be reproduced in a test.

use std::collections::BTreeMap;

/// How long a copied code stays in the clipboard, in seconds.
pub const CLIPBOARD_SECONDS: u64 = 30;

/// From how many seconds left the next code is shown.
pub const SHOW_NEXT_FROM: u64 = 7;

/// One account as the view shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The account's id.
    pub id: u64,
    /// The service.
    pub issuer: String,
    /// The user's name at the service.
    pub name: String,
    /// What is shown for it.
    pub code: RowCode,
}

/// A row's code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowCode {
    /// Time-based: the code, the one after it, and how long it lasts.
    Timed {
        /// The current code.
        code: String,
        /// The next code.
        next: Option<String>,
        /// Seconds until `code` expires.
        left: u64,
        /// Seconds per code.
        period: u64,
    },
    /// HOTP: no code until the user asks (each one spends a counter value).
    Counter,
}

/// A key the view acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A character of the filter.
    Char(char),
    /// Deletes the filter's last character.
    Backspace,
    /// Selects the row above.
    Up,
    /// Selects the row below.
    Down,
    /// Copies the selected code (HOTP: makes the next one first).
    Enter,
    /// Clears the filter, or quits when there is none.
    Esc,
    /// Quits (Ctrl-C, Ctrl-Q).
    Quit,
}

/// What the terminal must do after a key or a tick.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing beyond drawing again.
    None,
    /// Advance HOTP account `id`'s counter and show its code
    /// ([`Model::show_counter_code`]), then copy it.
    NextCode(u64),
    /// Put this code in the clipboard.
    Copy(String),
    /// Empty the clipboard (the copied code's time is up).
    ClearClipboard,
    /// Leave the view (the session is locked on the way out).
    Quit,
    /// Leave the view because nobody used it for the idle time.
    IdleLock,
}

/// The live view's state.
#[derive(Debug)]
pub struct Model {
    rows: Vec<Row>,
    filter: String,
    selected: usize,
    counter_codes: BTreeMap<u64, String>,
    notice: Option<String>,
    idle_lock: u64,
    last_input: u64,
    clipboard_until: Option<u64>,
}

impl Model {
    /// An empty view at `now` that locks after `idle_lock` seconds without a
    /// key (0: never).
    pub fn new(now: u64, idle_lock: u64) -> Self {
        Self {
            rows: Vec::new(),
            filter: String::new(),
            selected: 0,
            counter_codes: BTreeMap::new(),
            notice: None,
            idle_lock,
            last_input: now,
            clipboard_until: None,
        }
    }

    /// The accounts as they are now (the selection stays on its account).
    pub fn set_rows(&mut self, rows: Vec<Row>) {
        let selected_id = self.selected_row().map(|r| r.id);
        self.rows = rows;
        if let Some(i) = selected_id.and_then(|id| self.visible().iter().position(|r| r.id == id)) {
            self.selected = i;
        }
        self.clamp_selection();
    }

    /// The rows the filter lets through, in display order.
    pub fn visible(&self) -> Vec<&Row> {
        let filter = self.filter.to_lowercase();
        self.rows
            .iter()
            .filter(|r| {
                filter.is_empty()
                    || r.issuer.to_lowercase().contains(&filter)
                    || r.name.to_lowercase().contains(&filter)
            })
            .collect()
    }

    /// Every account, filtered or not.
    pub fn total(&self) -> usize {
        self.rows.len()
    }

    /// The filter typed so far.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// The index of the selected row among the visible ones.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The code shown for HOTP account `id`, once the user asked for one.
    pub fn counter_code(&self, id: u64) -> Option<&str> {
        self.counter_codes.get(&id).map(String::as_str)
    }

    /// A one-line message (copied, an error).
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Seconds until the idle lock at `now`; `None` when it never locks.
    pub fn idle_left(&self, now: u64) -> Option<u64> {
        (self.idle_lock > 0).then(|| (self.last_input + self.idle_lock).saturating_sub(now))
    }

    fn selected_row(&self) -> Option<&Row> {
        self.visible().get(self.selected).copied()
    }

    fn clamp_selection(&mut self) {
        let n = self.visible().len();
        self.selected = self.selected.min(n.saturating_sub(1));
    }

    /// Acts on `key` pressed at `now`.
    pub fn key(&mut self, key: Key, now: u64) -> Action {
        self.last_input = now;
        match key {
            Key::Char(c) if !c.is_control() => {
                self.filter.push(c);
                self.selected = 0;
                self.clamp_selection();
                Action::None
            }
            Key::Char(_) => Action::None,
            Key::Backspace => {
                self.filter.pop();
                self.clamp_selection();
                Action::None
            }
            Key::Up => {
                self.selected = self.selected.saturating_sub(1);
                Action::None
            }
            Key::Down => {
                self.selected += 1;
                self.clamp_selection();
                Action::None
            }
            Key::Esc if !self.filter.is_empty() => {
                self.filter.clear();
                self.clamp_selection();
                Action::None
            }
            Key::Esc | Key::Quit => Action::Quit,
            Key::Enter => match self.selected_row() {
                None => Action::None,
                Some(Row {
                    code: RowCode::Timed { code, .. },
                    ..
                }) => Action::Copy(code.clone()),
                Some(Row {
                    id,
                    code: RowCode::Counter,
                    ..
                }) => Action::NextCode(*id),
            },
        }
    }

    /// Shows `code` as HOTP account `id`'s code (after [`Action::NextCode`]).
    pub fn show_counter_code(&mut self, id: u64, code: String) {
        self.counter_codes.insert(id, code);
    }

    /// Records that `code` was copied at `now` (or why it was not).
    pub fn copied(&mut self, copied: Result<(), String>, now: u64) {
        match copied {
            Ok(()) => {
                self.clipboard_until = Some(now + CLIPBOARD_SECONDS);
                self.notice = Some(format!(
                    "copied to the terminal's clipboard; cleared in {CLIPBOARD_SECONDS} s"
                ));
            }
            Err(why) => self.notice = Some(why),
        }
    }

    /// Shows a one-line message.
    pub fn set_notice(&mut self, notice: String) {
        self.notice = Some(notice);
    }

    /// What the passing of time asks for at `now`: the idle lock first, then
    /// clearing the clipboard.
    pub fn tick(&mut self, now: u64) -> Action {
        if self.idle_left(now) == Some(0) {
            return Action::IdleLock;
        }
        match self.clipboard_until {
            Some(until) if now >= until => {
                self.clipboard_until = None;
                self.notice = Some("the clipboard was cleared".into());
                Action::ClearClipboard
            }
            _ => Action::None,
        }
    }
}

/// A code in groups for reading aloud: 6 digits as 3 + 3, 8 as 4 + 4, 7 as
/// 4 + 3; others (Steam's five letters) as they are.
pub fn grouped(code: &str) -> String {
    let n = code.chars().count();
    let split = match n {
        6 => 3,
        7 | 8 => 4,
        _ => return code.to_owned(),
    };
    let head: String = code.chars().take(split).collect();
    let tail: String = code.chars().skip(split).collect();
    format!("{head} {tail}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn timed(id: u64, issuer: &str, code: &str, left: u64) -> Row {
        Row {
            id,
            issuer: issuer.into(),
            name: "alice".into(),
            code: RowCode::Timed {
                code: code.into(),
                next: Some("111111".into()),
                left,
                period: 30,
            },
        }
    }

    fn rows() -> Vec<Row> {
        vec![
            timed(1, "GitHub", "123456", 20),
            Row {
                id: 2,
                issuer: "Bank".into(),
                name: "alice".into(),
                code: RowCode::Counter,
            },
            timed(3, "Gitea", "654321", 20),
        ]
    }

    #[test]
    fn typing_filters_by_issuer_or_name_and_esc_clears_then_quits() {
        let mut m = Model::new(0, 300);
        m.set_rows(rows());
        for c in "GIT".chars() {
            assert_eq!(m.key(Key::Char(c), 1), Action::None);
        }
        let shown: Vec<u64> = m.visible().iter().map(|r| r.id).collect();
        assert_eq!(shown, [1, 3], "case-insensitive");
        m.key(Key::Backspace, 2);
        assert_eq!(m.filter(), "GI");
        assert_eq!(m.key(Key::Esc, 3), Action::None);
        assert_eq!(m.visible().len(), 3);
        assert_eq!(m.key(Key::Esc, 4), Action::Quit);
        assert_eq!(m.key(Key::Quit, 4), Action::Quit);
    }

    #[test]
    fn enter_copies_a_timed_code_and_asks_for_a_hotp_one() {
        let mut m = Model::new(0, 300);
        m.set_rows(rows());
        assert_eq!(m.key(Key::Enter, 1), Action::Copy("123456".into()));
        m.key(Key::Down, 1);
        assert_eq!(m.key(Key::Enter, 1), Action::NextCode(2));
        assert_eq!(m.counter_code(2), None, "no code until it is made");
        m.show_counter_code(2, "755224".into());
        assert_eq!(m.counter_code(2), Some("755224"));
        m.key(Key::Down, 1);
        m.key(Key::Down, 1);
        assert_eq!(m.selected(), 2, "the selection stops at the last row");
        m.key(Key::Up, 1);
        m.key(Key::Up, 1);
        m.key(Key::Up, 1);
        assert_eq!(m.selected(), 0);
    }

    #[test]
    fn the_selection_follows_its_account_when_rows_change() {
        let mut m = Model::new(0, 300);
        m.set_rows(rows());
        m.key(Key::Down, 1);
        m.key(Key::Down, 1);
        let mut fewer = rows();
        fewer.remove(0);
        m.set_rows(fewer);
        assert_eq!(m.visible()[m.selected()].id, 3);
        m.set_rows(Vec::new());
        assert_eq!(m.selected(), 0);
        assert_eq!(m.key(Key::Enter, 2), Action::None);
    }

    #[test]
    fn idle_lock_after_the_idle_time_without_a_key_and_never_with_zero() {
        let mut m = Model::new(100, 60);
        assert_eq!(m.tick(159), Action::None);
        assert_eq!(m.idle_left(159), Some(1));
        m.key(Key::Down, 150);
        assert_eq!(m.tick(209), Action::None, "a key restarts the idle time");
        assert_eq!(m.tick(210), Action::IdleLock);
        let mut never = Model::new(0, 0);
        assert_eq!(never.tick(u64::MAX), Action::None);
        assert_eq!(never.idle_left(5), None);
    }

    #[test]
    fn a_copied_code_is_cleared_from_the_clipboard_after_30_seconds() {
        let mut m = Model::new(0, 0);
        m.copied(Ok(()), 10);
        assert!(m.notice().unwrap().contains("cleared in 30 s"));
        assert_eq!(m.tick(39), Action::None);
        assert_eq!(m.tick(40), Action::ClearClipboard);
        assert_eq!(m.tick(41), Action::None, "cleared once");
        m.copied(Err("no clipboard".into()), 50);
        assert_eq!(m.notice(), Some("no clipboard"));
        assert_eq!(m.tick(100), Action::None);
    }

    #[test]
    fn codes_are_grouped_for_reading() {
        assert_eq!(grouped("123456"), "123 456");
        assert_eq!(grouped("12345678"), "1234 5678");
        assert_eq!(grouped("1234567"), "1234 567");
        assert_eq!(grouped("2BC4F"), "2BC4F");
        assert_eq!(grouped(""), "");
    }
}
