//! The commands, one module per group.

pub mod accounts;
pub mod add;
pub mod backup;
pub mod export;
pub mod import;
pub mod otp;
pub mod push;
pub mod scan;
pub mod vault;
