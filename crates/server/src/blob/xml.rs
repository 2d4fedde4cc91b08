//! The block-list XML documents: the Put Block List request and the Get Block List answer.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use quick_xml::Reader;
use quick_xml::escape::partial_escape;
use quick_xml::events::Event;
use storeroom_storage::blobs::{BlockListItem, BlockSource, CommittedBlock, UncommittedBlock};

use super::error::BlobError;

/// Parses `<BlockList>` with `<Latest>`, `<Committed>` and `<Uncommitted>` children, in
/// document order. Broken XML is InvalidXmlDocument; well-formed XML that is not a valid
/// block list (unknown elements, ids that are not Base64) is InvalidBlockList.
pub(crate) fn parse_block_list(body: &[u8]) -> Result<Vec<BlockListItem>, BlobError> {
    let body = body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body);
    let text = std::str::from_utf8(body).map_err(|_| BlobError::invalid_xml())?;
    let mut reader = Reader::from_str(text);
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut saw_root = false;
    let mut root_closed = false;
    // The entry being read: its list and the text gathered so far.
    let mut entry: Option<(BlockSource, String)> = None;

    loop {
        let event = reader.read_event().map_err(|_| BlobError::invalid_xml())?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let empty = matches!(event, Event::Empty(_));
                if root_closed {
                    return Err(BlobError::invalid_xml());
                }
                let name = start.local_name();
                match depth {
                    0 => {
                        if name.as_ref() != "BlockList" {
                            return Err(BlobError::invalid_block_list());
                        }
                        saw_root = true;
                    }
                    1 => {
                        let source = match name.as_ref() {
                            "Latest" => BlockSource::Latest,
                            "Committed" => BlockSource::Committed,
                            "Uncommitted" => BlockSource::Uncommitted,
                            _ => return Err(BlobError::invalid_block_list()),
                        };
                        entry = Some((source, String::new()));
                    }
                    _ => return Err(BlobError::invalid_block_list()),
                }
                depth += 1;
                if empty {
                    close(&mut depth, &mut entry, &mut items, &mut root_closed)?;
                }
            }
            Event::End(_) => close(&mut depth, &mut entry, &mut items, &mut root_closed)?,
            Event::Text(text) => push_text(&mut entry, depth, &text)?,
            Event::CData(data) => push_text(&mut entry, depth, &data)?,
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    Ok(None) => match &*reference.into_inner() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        _ => return Err(BlobError::invalid_xml()),
                    },
                    Err(_) => return Err(BlobError::invalid_xml()),
                };
                push_text(&mut entry, depth, resolved.encode_utf8(&mut [0; 4]))?;
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !saw_root || depth != 0 {
        return Err(BlobError::invalid_xml());
    }
    Ok(items)
}

/// Text outside an entry must be whitespace (outside the root it is not even XML); inside,
/// it is the Base64 id.
fn push_text(
    entry: &mut Option<(BlockSource, String)>,
    depth: usize,
    text: &str,
) -> Result<(), BlobError> {
    match entry {
        Some((_, id)) => id.push_str(text),
        None if text.trim().is_empty() => {}
        None if depth == 0 => return Err(BlobError::invalid_xml()),
        None => return Err(BlobError::invalid_block_list()),
    }
    Ok(())
}

fn close(
    depth: &mut usize,
    entry: &mut Option<(BlockSource, String)>,
    items: &mut Vec<BlockListItem>,
    root_closed: &mut bool,
) -> Result<(), BlobError> {
    *depth = depth.checked_sub(1).ok_or_else(BlobError::invalid_xml)?;
    match *depth {
        0 => *root_closed = true,
        1 => {
            let (source, text) = entry.take().ok_or_else(BlobError::invalid_block_list)?;
            let id = BASE64
                .decode(text.trim())
                .ok()
                .filter(|id| !id.is_empty())
                .ok_or_else(BlobError::invalid_block_list)?;
            items.push(BlockListItem { source, id });
        }
        _ => {}
    }
    Ok(())
}

/// The Get Block List body. `None` omits that list, as `blocklisttype` asks.
pub(crate) fn render_block_list(
    committed: Option<&[CommittedBlock]>,
    uncommitted: Option<&[UncommittedBlock]>,
) -> String {
    let mut xml = String::from("\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
    let mut section = |name: &str, blocks: &mut dyn Iterator<Item = (&[u8], u64)>| {
        xml.push('<');
        xml.push_str(name);
        xml.push('>');
        for (id, size) in blocks {
            xml.push_str("<Block><Name>");
            xml.push_str(&partial_escape(BASE64.encode(id)));
            xml.push_str("</Name><Size>");
            xml.push_str(&size.to_string());
            xml.push_str("</Size></Block>");
        }
        xml.push_str("</");
        xml.push_str(name);
        xml.push('>');
    };
    if let Some(blocks) = committed {
        section(
            "CommittedBlocks",
            &mut blocks.iter().map(|b| (b.id.as_slice(), b.size)),
        );
    }
    if let Some(blocks) = uncommitted {
        section(
            "UncommittedBlocks",
            &mut blocks.iter().map(|b| (b.id.as_slice(), b.size)),
        );
    }
    xml.push_str("</BlockList>");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(body: &str) -> Result<Vec<(BlockSource, Vec<u8>)>, &'static str> {
        parse_block_list(body.as_bytes())
            .map(|items| items.into_iter().map(|i| (i.source, i.id)).collect())
            .map_err(|e| e.code)
    }

    #[test]
    fn parses_sdk_and_hand_written_lists() {
        let body = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<BlockList>\n  \
                    <Latest>QUE=</Latest><Committed> QkI= </Committed><Uncommitted>Q0M&#61;</Uncommitted>\
                    </BlockList>";
        assert_eq!(
            codes(body),
            Ok(vec![
                (BlockSource::Latest, b"AA".to_vec()),
                (BlockSource::Committed, b"BB".to_vec()),
                (BlockSource::Uncommitted, b"CC".to_vec()),
            ])
        );
        assert_eq!(codes("<BlockList/>"), Ok(vec![]));
        assert_eq!(codes("<BlockList></BlockList>"), Ok(vec![]));
    }

    #[test]
    fn distinguishes_broken_xml_from_invalid_lists() {
        assert_eq!(
            codes("<BlockList><Latest>QUE=</Latest>"),
            Err("InvalidXmlDocument")
        );
        assert_eq!(
            codes("<BlockList><Latest>QUE=</Committed></BlockList>"),
            Err("InvalidXmlDocument")
        );
        assert_eq!(codes("not xml at all"), Err("InvalidXmlDocument"));
        assert_eq!(codes(""), Err("InvalidXmlDocument"));
        assert_eq!(
            codes("<BlockList></BlockList><BlockList/>"),
            Err("InvalidXmlDocument")
        );
        assert_eq!(
            codes("<BlockList><Newest>QUE=</Newest></BlockList>"),
            Err("InvalidBlockList")
        );
        assert_eq!(
            codes("<BlockList><Latest>!!</Latest></BlockList>"),
            Err("InvalidBlockList")
        );
        assert_eq!(
            codes("<BlockList><Latest/></BlockList>"),
            Err("InvalidBlockList")
        );
        assert_eq!(codes("<Other/>"), Err("InvalidBlockList"));
    }

    #[test]
    fn renders_requested_sections() {
        let committed = [CommittedBlock {
            id: b"AA".to_vec(),
            offset: 0,
            size: 3,
        }];
        let xml = render_block_list(Some(&committed), Some(&[]));
        assert_eq!(
            xml,
            "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><CommittedBlocks>\
             <Block><Name>QUE=</Name><Size>3</Size></Block></CommittedBlocks>\
             <UncommittedBlocks></UncommittedBlocks></BlockList>"
        );
    }
}
