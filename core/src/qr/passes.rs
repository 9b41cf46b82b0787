//! What one pass over an image is: which image variant it looks at, how it
//! binarizes it, which polarity it tries.

use super::binarize::Rule;

/// How an image is binarized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Binarize {
    /// zxing's local block threshold (good with shadows and gradients).
    Hybrid,
    /// One threshold for the whole image from its histogram (good with blur and low contrast).
    Global,
    /// Our fast local binarizer.
    Local(Rule),
}

/// Which version of the image a pass looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Variant {
    /// The image as given.
    Original,
    /// Box-averaged down by 2 (halves the noise; makes large blurred codes crisp).
    Down2,
    /// Box-averaged down by 3.
    Down3,
    /// Bilinear up by 2 (modules under ~2 px).
    Up2,
    /// Contrast stretched over local windows (faint prints, low-contrast screens).
    Stretch,
    /// A 3×3 smoothing (noise, JPEG blocks).
    Smooth,
    /// Unsharp masking (defocus).
    Sharpen,
}

/// Which polarity a pass tries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Polarity {
    /// Dark modules on a light background.
    Normal,
    /// Light modules on a dark background.
    Inverted,
    /// Both (the inverted try reuses the binarization).
    Both,
}

/// One pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pass {
    /// The operations that make the image looked at, in order (`Original`: none).
    pub ops: [Variant; 2],
    pub binarize: Binarize,
    pub polarity: Polarity,
    /// Scan every third row for finder patterns instead of a sparse subset.
    pub try_harder: bool,
}

pub(crate) const fn rule(min_range: u8, flat_light: bool) -> Rule {
    Rule {
        min_range,
        flat_light,
    }
}

pub(crate) const fn pass(variant: Variant, binarize: Binarize, polarity: Polarity) -> Pass {
    Pass {
        ops: [variant, Variant::Original],
        binarize,
        polarity,
        try_harder: true,
    }
}
