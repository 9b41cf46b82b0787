//! Exports for other apps: Aegis JSON, plain or encrypted ([`aegis`]), and
//! Google Authenticator's transfer QR codes ([`google_authenticator`]).

pub mod aegis;
pub mod google_authenticator;
