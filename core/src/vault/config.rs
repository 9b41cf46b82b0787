//! What a vault needs from its platform ([`Services`]) and the costs and rules
//! chosen when it is made ([`VaultConfig`]).

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::crypto::kdf::KdfParams;
use crate::crypto::keystore::DeviceKeystore;
use crate::rng::RandomSource;

use super::pin::PinPolicy;

/// Waits; injected so tests need not sleep.
pub trait Pause: Send + Sync {
    /// Blocks the calling thread for `duration`.
    fn pause(&self, duration: Duration);
}

/// [`Pause`] by `std::thread::sleep` (a monotonic wait, not the wall clock).
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadSleep;

impl Pause for ThreadSleep {
    fn pause(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// What the vault needs from its platform.
#[derive(Clone)]
pub struct Services {
    /// The device keystore.
    pub keystore: Arc<dyn DeviceKeystore>,
    /// Randomness for keys, salts, nonces and unblock codes.
    pub rng: Arc<dyn RandomSource>,
    /// Waiting between unblock attempts.
    pub pause: Arc<dyn Pause>,
    /// The time written into escrow records (when a code was made) and
    /// delivery times.
    pub clock: Arc<dyn Clock>,
}

/// Costs and rules chosen when a vault is created or a PIN is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VaultConfig {
    /// KDF cost of the PIN slot.
    pub pin_kdf: KdfParams,
    /// KDF cost of the unblock slot.
    pub unblock_kdf: KdfParams,
    /// Rules for new PINs.
    pub pin_policy: PinPolicy,
}

impl Default for VaultConfig {
    fn default() -> Self {
        Self {
            pin_kdf: KdfParams::PIN_DEFAULT,
            unblock_kdf: KdfParams::UNBLOCK_DEFAULT,
            pin_policy: PinPolicy::default(),
        }
    }
}
