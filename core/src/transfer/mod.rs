//! Transfer between Vakt and other authenticator apps: reading their export
//! files ([`import`]) and writing ours for them ([`export`]), with the
//! password-based cryptography those formats use ([`crypto`], crate-private).

pub(crate) mod crypto;
pub mod export;
pub mod import;
