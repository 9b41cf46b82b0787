//! `decode_frame` (both efforts) on arbitrary geometry and bytes: must return
//! a result or a typed error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vakt_core::qr::{Effort, LumaFrame, decode_frame_with};

/// Quiet for the panics inside rxing that `decode_frame_with` contains; any
/// other panic is printed and crashes the fuzzer (see qr_image.rs).
fn quiet_rxing_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let in_rxing = info
                .location()
                .is_some_and(|l| l.file().contains("/rxing-"));
            if !in_rxing {
                eprintln!("{info}");
            }
        }))
    });
}

fuzz_target!(|input: (u16, u16, u16, bool, &[u8])| {
    quiet_rxing_panics();
    let (width, height, pad, thorough, data) = input;
    // Small geometry most of the time (so decoding actually runs), and now
    // and then absurd values, which must be refused with a typed error.
    let (width, height, stride) = if pad == u16::MAX {
        (
            u32::from(width) << 16,
            u32::from(height) << 8,
            u32::from(width),
        )
    } else {
        let w = u32::from(width % 512);
        (w, u32::from(height % 512), w + u32::from(pad % 64))
    };
    let frame = LumaFrame {
        data,
        width,
        height,
        stride,
    };
    let effort = if thorough {
        Effort::Thorough
    } else {
        Effort::Camera
    };
    let _ = decode_frame_with(&frame, effort);
});
