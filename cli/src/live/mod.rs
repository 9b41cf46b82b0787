//! The live code view (`vakt codes --watch`): every code with a countdown that
//! runs out, the next code near the end, HOTP on demand, a filter as you type,
//! copy to the terminal's clipboard, and a lock after an idle time. Keys never
//! reach it: it holds an unlocked session and shows what `Session::codes`
//! gives.
//!
//! - [`model`]: what is shown and what each key does, with the time as an
//!   input (pure: tested without a terminal).
//! - [`screen`]: the model drawn with ratatui on any backend (golden screens
//!   are tested on its `TestBackend`).
//! - [`terminal`]: the real terminal: raw mode, keys, the clock, the session.

pub mod model;
pub mod screen;
pub mod terminal;
