//! XML for the importers that read Android shared-preferences files (Authy,
//! FreeOTP 1): parsed with a cap on nodes, so a file of millions of tiny
//! elements is refused instead of growing a tree many times its size. No DTD,
//! so no entity expansion; errors name a position, never content.

use super::{Format, ImportError};

/// The most nodes (elements and text runs) a preferences file may have: a
/// few per token for [`super::MAX_ENTRIES`] tokens, with room to spare.
pub(crate) const MAX_NODES: u32 = 50_000;

/// Parses `text` as XML whose root element is `<map>`.
pub(crate) fn parse_map(
    format: Format,
    text: &str,
) -> Result<roxmltree::Document<'_>, ImportError> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::NodesLimitReached => ImportError::TooLarge,
        e => ImportError::format(format, format!("not XML ({})", e.pos())),
    })?;
    if doc.root_element().tag_name().name() != "map" {
        return Err(ImportError::format(format, "no <map> element"));
    }
    Ok(doc)
}
