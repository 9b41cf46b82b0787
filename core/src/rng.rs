//! Randomness as an input: everything that draws random bytes takes a
//! [`RandomSource`], so tests can make every run the same.

use ring::digest;
use std::sync::Mutex;

/// The random source could not deliver bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the random number generator failed")]
pub struct RandomError;

/// A source of random bytes.
pub trait RandomSource: Send + Sync {
    /// Fills `dest` with random bytes.
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError>;
}

/// The operating system's cryptographic random number generator (through ring).
#[derive(Debug)]
pub struct SystemRandom(ring::rand::SystemRandom);

impl SystemRandom {
    /// The system generator.
    pub fn new() -> Self {
        Self(ring::rand::SystemRandom::new())
    }
}

impl Default for SystemRandom {
    fn default() -> Self {
        Self::new()
    }
}

impl RandomSource for SystemRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        ring::rand::SecureRandom::fill(&self.0, dest).map_err(|_| RandomError)
    }
}

/// A deterministic generator for tests: SHA-256 of (seed, counter) blocks.
/// **Not for real keys**: anyone who knows the seed knows every byte.
#[derive(Debug)]
pub struct DeterministicRandom {
    seed: [u8; 32],
    counter: Mutex<u64>,
}

impl DeterministicRandom {
    /// A generator whose output depends only on `seed`.
    pub fn new(seed: u64) -> Self {
        let mut s = [0u8; 32];
        for (d, b) in s.iter_mut().zip(seed.to_be_bytes()) {
            *d = b;
        }
        Self {
            seed: s,
            counter: Mutex::new(0),
        }
    }
}

impl RandomSource for DeterministicRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        let mut counter = self.counter.lock().map_err(|_| RandomError)?;
        for chunk in dest.chunks_mut(32) {
            let mut ctx = digest::Context::new(&digest::SHA256);
            ctx.update(&self.seed);
            ctx.update(&counter.to_be_bytes());
            *counter = counter.wrapping_add(1);
            let block = ctx.finish();
            let n = chunk.len();
            chunk.copy_from_slice(block.as_ref().get(..n).ok_or(RandomError)?);
        }
        Ok(())
    }
}

/// Draws a fixed-size array.
pub fn random_array<const N: usize>(rng: &dyn RandomSource) -> Result<[u8; N], RandomError> {
    let mut out = [0u8; N];
    rng.fill(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_is_repeatable_and_seed_dependent() {
        let a: [u8; 40] = random_array(&DeterministicRandom::new(1)).unwrap();
        let b: [u8; 40] = random_array(&DeterministicRandom::new(1)).unwrap();
        let c: [u8; 40] = random_array(&DeterministicRandom::new(2)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let rng = DeterministicRandom::new(1);
        let first: [u8; 16] = random_array(&rng).unwrap();
        let second: [u8; 16] = random_array(&rng).unwrap();
        assert_ne!(first, second);
    }
}
