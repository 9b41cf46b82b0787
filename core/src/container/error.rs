//! Why a container operation failed, one variant per thing to act on.

use crate::crypto::keystore::KeystoreError;
use crate::push::PushError;
use crate::push::protocol::ReplyError;
use crate::push::transport::{AddressError, TransportError};
use crate::store::StoreError;
use crate::vault::VaultError;

/// Everything that can go wrong with a container, one variant per thing to
/// act on. Messages carry no secret (no nonce, passphrase or token secret).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContainerError {
    /// The server address is refused by the address rules (as for push).
    #[error("{0}")]
    Address(AddressError),
    /// The server could not be reached or did not answer.
    #[error("{0}")]
    Network(TransportError),
    /// The server answered with an error not covered by a variant below.
    #[error("the container server refused (HTTP {status}{}): {message}", code.map(|c| format!(", error {c}")).unwrap_or_default())]
    Server {
        /// HTTP status.
        status: u16,
        /// privacyIDEA's error code, if it gave one.
        code: Option<i64>,
        /// The server's explanation (server text, shortened).
        message: String,
    },
    /// The server's answer is not what privacyIDEA sends, or could not be
    /// decrypted (forged, replayed or damaged): nothing of it was used.
    #[error("the container server's answer is not understood ({0}); nothing was changed")]
    UnexpectedReply(&'static str),
    /// The registration code asks a question (its prompt); answer it.
    #[error("this registration code asks for a passphrase: {prompt}")]
    PassphraseRequired {
        /// The server's question.
        prompt: String,
    },
    /// The server refused the registration: the code expired or was used,
    /// or the passphrase is wrong.
    #[error(
        "the server refused the registration: the code has expired or was already used, or the passphrase is wrong (ask for a new code)"
    )]
    RegistrationRefused,
    /// The container is already registered with this vault.
    #[error("container {serial} is already registered here (#{id})")]
    AlreadyRegistered {
        /// The container's id in this vault.
        id: u64,
        /// Its serial.
        serial: String,
    },
    /// No container with this id in the vault.
    #[error("no container #{id}")]
    NoSuchContainer {
        /// The id asked for.
        id: u64,
    },
    /// The server no longer has this vault as the container's phone: it was
    /// moved to another phone (rollover), or its registration was ended on
    /// the server. Its tokens stay in the vault; nothing was deleted.
    #[error(
        "container #{id} is no longer registered with this vault (moved to another phone, or unregistered on the server); its tokens stay here"
    )]
    NotRegisteredHere {
        /// The container's id.
        id: u64,
    },
    /// The server's policy forbids this on the phone (unregistering, or a
    /// rollover started from the phone).
    #[error("the server's policy does not allow this from the phone ({action})")]
    NotAllowed {
        /// What was refused.
        action: &'static str,
    },
    /// The device keystore failed (making or using the container's key).
    #[error("{0}")]
    Keystore(KeystoreError),
    /// A push token of the container could not be enrolled.
    #[error("{0}")]
    Push(Box<PushError>),
    /// The vault failed (storage, damaged record, …).
    #[error("{0}")]
    Vault(VaultError),
}

impl From<VaultError> for ContainerError {
    fn from(e: VaultError) -> Self {
        ContainerError::Vault(e)
    }
}

impl From<StoreError> for ContainerError {
    fn from(e: StoreError) -> Self {
        ContainerError::Vault(e.into())
    }
}

impl From<AddressError> for ContainerError {
    fn from(e: AddressError) -> Self {
        ContainerError::Address(e)
    }
}

impl From<TransportError> for ContainerError {
    fn from(e: TransportError) -> Self {
        ContainerError::Network(e)
    }
}

impl From<KeystoreError> for ContainerError {
    fn from(e: KeystoreError) -> Self {
        ContainerError::Keystore(e)
    }
}

impl From<PushError> for ContainerError {
    fn from(e: PushError) -> Self {
        match e {
            PushError::Vault(v) => ContainerError::Vault(v),
            PushError::Network(n) => ContainerError::Network(n),
            PushError::Address(a) => ContainerError::Address(a),
            other => ContainerError::Push(Box::new(other)),
        }
    }
}

impl From<ReplyError> for ContainerError {
    fn from(e: ReplyError) -> Self {
        match e {
            ReplyError::Refused {
                status,
                code,
                message,
            } => ContainerError::Server {
                status,
                code,
                message,
            },
            ReplyError::Unexpected(what) => ContainerError::UnexpectedReply(what),
        }
    }
}
