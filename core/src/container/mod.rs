//! privacyIDEA smartphone containers: a vault registers with a container from
//! a `pia://container/` code (a P-384 device key from the keystore, a signed
//! finalize), synchronises its tokens with the server (a signed request with
//! the vault's token list; the server's answer, encrypted to a fresh X25519
//! key, adds accounts and push tokens, and says which tokens left the
//! container), takes a container over from another phone (a rollover code
//! registers the same way) and unregisters. The protocol, as observed on
//! privacyIDEA 3.14, is in docs/containers.md.
//!
//! - [`protocol`]: what is signed and sent, and how answers are read.
//! - [`record`]: the container as the vault keeps it.
//! - `register`, `sync` (+ `apply`: the vault side of a sync, in one
//!   transaction), `unregister`: the operations on [`crate::vault::Session`].
//!
//! Requests go out through the push layer's transport and address rules
//! ([`crate::push::PushContext`]).

mod apply;
pub mod error;
pub mod info;
pub mod protocol;
pub mod record;
mod register;
mod request;
mod sync;
#[cfg(all(any(test, feature = "test-server"), feature = "p384-keys"))]
pub mod test_server;
mod unregister;

#[cfg(test)]
mod tests;

pub use error::ContainerError;
pub use info::{ContainerInfo, FailedToken, RegisterOptions, SyncReport, SyncedToken};
pub use record::{ContainerPolicies, ContainerState, Member, MemberKind};
