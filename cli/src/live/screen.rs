//! The live view drawn with ratatui: a header with the filter, one row per
//! account (code, a bar that runs out, the next code near the end), a notice
//! line and the keys. Draws on any backend; the tests use `TestBackend`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row as TableRow, Table, TableState};

use super::model::{Model, Row, RowCode, SHOW_NEXT_FROM, grouped};

/// Width of the bar that shows the time left.
const BAR: u64 = 10;

/// Draws `model` at `now` into `frame`.
pub fn draw(frame: &mut Frame<'_>, model: &Model, now: u64) {
    let [header, table, notice, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());

    let visible = model.visible();
    let count = if model.filter().is_empty() {
        format!("{} accounts", model.total())
    } else {
        format!("{} of {} accounts", visible.len(), model.total())
    };
    frame.render_widget(
        Paragraph::new(format!("vakt · {count} · filter: {}▏", model.filter())),
        header,
    );

    let rows: Vec<TableRow<'_>> = visible.iter().map(|r| row(r, model)).collect();
    let widths = [
        Constraint::Length(14),
        Constraint::Min(10),
        Constraint::Length(10),
        Constraint::Length(BAR as u16 + 5),
        Constraint::Length(14),
    ];
    let mut state =
        TableState::default().with_selected((!visible.is_empty()).then_some(model.selected()));
    frame.render_stateful_widget(
        Table::new(rows, widths)
            .row_highlight_style(Style::default().add_modifier(Modifier::REVERSED))
            .highlight_symbol("› "),
        table,
        &mut state,
    );

    frame.render_widget(Paragraph::new(model.notice().unwrap_or("")), notice);
    let idle = match model.idle_left(now) {
        Some(left) => format!(" · locks in {}:{:02}", left / 60, left % 60),
        None => String::new(),
    };
    frame.render_widget(
        Paragraph::new(Line::from(format!(
            "type to filter · ↑↓ · Enter: copy (HOTP: next code) · Esc · Ctrl-C: quit{idle}"
        ))),
        footer,
    );
}

fn row<'a>(r: &'a Row, model: &'a Model) -> TableRow<'a> {
    let (code, bar, next) = match &r.code {
        RowCode::Timed {
            code,
            next,
            left,
            period,
        } => {
            let filled = if *period == 0 {
                0
            } else {
                (left * BAR).div_ceil(*period).min(BAR)
            };
            let bar = format!(
                "{}{} {left:>2}s",
                "█".repeat(usize::try_from(filled).unwrap_or(0)),
                "░".repeat(usize::try_from(BAR - filled).unwrap_or(0)),
            );
            let next = match next {
                Some(next) if *left <= SHOW_NEXT_FROM => format!("next {}", grouped(next)),
                _ => String::new(),
            };
            (grouped(code), bar, next)
        }
        RowCode::Counter => match model.counter_code(r.id) {
            Some(code) => (grouped(code), "counter".into(), String::new()),
            None => ("–".into(), "Enter: a code".into(), String::new()),
        },
    };
    TableRow::new([
        Cell::from(r.issuer.as_str()),
        Cell::from(r.name.as_str()),
        Cell::from(code),
        Cell::from(bar),
        Cell::from(next),
    ])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::live::model::Key;

    fn screen(model: &Model, now: u64) -> String {
        let mut terminal = Terminal::new(TestBackend::new(96, 8)).unwrap();
        terminal.draw(|f| draw(f, model, now)).unwrap();
        let buffer = terminal.backend().buffer();
        (0..buffer.area.height)
            .map(|y| {
                (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol())
                    .collect::<String>()
                    .trim_end()
                    .to_owned()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Compares `actual` with `tests/golden/NAME`; with
    /// `VAKT_UPDATE_GOLDEN` set, writes it there instead (then review the
    /// diff before committing).
    fn check(name: &str, actual: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(name);
        if std::env::var_os("VAKT_UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, format!("{actual}\n")).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap();
        assert_eq!(actual, expected.trim_end(), "{}", path.display());
    }

    /// The RFC 6238 SHA-1 key's codes at 59 s and 89 s (and 1111111109 s),
    /// and an HOTP account.
    fn model_at(now: u64) -> Model {
        let mut m = Model::new(0, 300);
        let (code, next, left) = match now {
            59 => ("287082", "081804", 1),
            _ => ("081804", "050471", 30 - now % 30),
        };
        m.set_rows(vec![
            Row {
                id: 1,
                issuer: "GitHub".into(),
                name: "alice@example.com".into(),
                code: RowCode::Timed {
                    code: code.into(),
                    next: Some(next.into()),
                    left,
                    period: 30,
                },
            },
            Row {
                id: 2,
                issuer: "Bank".into(),
                name: "alice".into(),
                code: RowCode::Counter,
            },
            Row {
                id: 3,
                issuer: "Steam".into(),
                name: "gamer".into(),
                code: RowCode::Timed {
                    code: "2BC4F".into(),
                    next: Some("9XK7Q".into()),
                    left,
                    period: 30,
                },
            },
        ]);
        m
    }

    #[test]
    fn golden_screen_mid_period() {
        check("live-40s.txt", &screen(&model_at(40), 40));
    }

    #[test]
    fn golden_screen_near_the_end_shows_the_next_codes() {
        check("live-59s.txt", &screen(&model_at(59), 59));
    }

    #[test]
    fn golden_screen_filtered_with_a_hotp_code_shown() {
        let mut m = model_at(40);
        for c in "ban".chars() {
            m.key(Key::Char(c), 40);
        }
        assert_eq!(
            m.key(Key::Enter, 41),
            crate::live::model::Action::NextCode(2)
        );
        m.show_counter_code(2, "755224".into());
        m.set_notice("copied to the terminal's clipboard; cleared in 30 s".into());
        check("live-filtered.txt", &screen(&m, 45));
    }
}
