//! Reading a written report back as a reader sees it, for tests: the package's parts, and
//! document.xml parsed strictly (an ill-formed byte or a character XML forbids fails the test)
//! into its paragraphs in order and its tables.

use std::io::Read;

/// A paragraph of the body, in document order: its text and the East Asian fonts of its runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Para {
    pub text: String,
    pub east_asia: Vec<String>,
}

/// The package part `name` (such as "word/document.xml") as text, if the package has it.
pub fn part(bytes: &[u8], name: &str) -> Option<String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip package");
    let mut file = zip.by_name(name).ok()?;
    let mut out = String::new();
    file.read_to_string(&mut out).expect("a UTF-8 part");
    Some(out)
}

/// Parses `xml` with a strict XML parser; panics with the parser's message if it is not XML.
pub fn parse(xml: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("ill-formed XML: {e}"))
}

fn is(node: &roxmltree::Node, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name
}

fn text_of(node: roxmltree::Node) -> String {
    node.descendants()
        .filter(|n| is(n, "t"))
        .filter_map(|n| n.text())
        .collect()
}

/// Every paragraph of word/document.xml in order, table cells' included.
pub fn paragraphs(bytes: &[u8]) -> Vec<Para> {
    let xml = part(bytes, "word/document.xml").expect("word/document.xml");
    parse(&xml)
        .descendants()
        .filter(|n| is(n, "p"))
        .map(|p| Para {
            text: text_of(p),
            east_asia: p
                .descendants()
                .filter(|n| is(n, "rFonts"))
                .filter_map(|n| {
                    n.attributes()
                        .find(|a| a.name() == "eastAsia")
                        .map(|a| a.value().to_string())
                })
                .collect(),
        })
        .collect()
}

/// Every table of word/document.xml: its rows, each a list of its cells' texts.
pub fn tables(bytes: &[u8]) -> Vec<Vec<Vec<String>>> {
    let xml = part(bytes, "word/document.xml").expect("word/document.xml");
    parse(&xml)
        .descendants()
        .filter(|n| is(n, "tbl"))
        .map(|t| {
            t.children()
                .filter(|n| is(n, "tr"))
                .map(|r| r.children().filter(|n| is(n, "tc")).map(text_of).collect())
                .collect()
        })
        .collect()
}
