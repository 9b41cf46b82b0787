//! The commands, one module per group. Each takes its parsed arguments (and
//! the [`Context`](crate::context::Context) when it uses a vault), calls the
//! core, prints, and returns the error that sets the exit status. Commands
//! never use each other: what two of them share lives below them
//! (`context`, `output`, `qr_reader`, `secrets`, `files`, `error`).

pub mod accounts;
pub mod add;
pub mod backup;
pub mod container;
pub mod docs;
pub mod escrow;
pub mod export;
pub mod import;
pub mod keystore;
pub mod otp;
pub mod push;
pub mod scan;
pub mod time;
pub mod vault;
