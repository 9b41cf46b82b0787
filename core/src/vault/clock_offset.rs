//! The phone's clock, corrected: codes are only as right as the clock, and
//! privacyIDEA refuses polls more than 60 s off its own. The vault keeps an
//! offset (the right time minus the phone's), measured from a source the app
//! already trusts (the `Date` of a server's reply over https) or given by the
//! app, sealed under the vault key (a file edit cannot shift the codes), and
//! applied to codes and push timestamps. The lockout reads no clock and is
//! not affected.

use super::{Session, VaultError};

/// The largest offset accepted, either way: one day. A source further off
/// is more likely wrong than the phone's clock.
pub const MAX_CLOCK_OFFSET: i64 = 24 * 60 * 60;

/// From this many seconds off, the app shows the offset to the user.
pub const NOTICEABLE_CLOCK_OFFSET: i64 = 30;

const PURPOSE: &[u8] = b"clock-offset";
const META: &str = "clock_offset";

impl Session {
    /// The stored offset in seconds (0 when none was set).
    pub fn clock_offset(&self) -> Result<i64, VaultError> {
        let Some(sealed) = self.read(|tx| Ok::<_, VaultError>(tx.meta(META)?))? else {
            return Ok(0);
        };
        let plain = self.open(PURPOSE, &[], &sealed)?;
        let bytes: [u8; 8] = plain
            .as_slice()
            .try_into()
            .map_err(|_| VaultError::Unreadable(super::Unreadable::Damaged))?;
        Ok(i64::from_be_bytes(bytes))
    }

    /// Stores `seconds` as the offset (0 clears it); more than a day either
    /// way is refused.
    pub fn set_clock_offset(&self, seconds: i64) -> Result<(), VaultError> {
        if !(-MAX_CLOCK_OFFSET..=MAX_CLOCK_OFFSET).contains(&seconds) {
            return Err(VaultError::InvalidInput(format!(
                "a clock offset of more than {MAX_CLOCK_OFFSET} seconds is refused (the source is more likely wrong than the clock)"
            )));
        }
        if seconds == 0 {
            return self.write(|tx| Ok::<_, VaultError>(tx.delete_meta(META).map(|_| ())?));
        }
        let sealed = self.seal(PURPOSE, &[], &seconds.to_be_bytes())?;
        self.write(|tx| Ok::<_, VaultError>(tx.set_meta(META, &sealed)?))
    }
}
