//! HTML cell → plain text: paragraphs, line breaks, collapsed spaces.
//!
//! The feed's message cells are malformed (a stray `</p>`, paragraphs that start
//! with two spaces, `<br />` inside them), so the text is rebuilt from the parsed
//! tree rather than from the markup. The walk is iterative: a post nested
//! 100,000 levels deep must not overflow the stack.

use ego_tree::iter::Edge;
use scraper::{ElementRef, Node};

/// Plain text of `cell`: paragraphs joined by a blank line, `<br>` as a newline.
pub fn render(cell: ElementRef<'_>) -> String {
    paragraphs(cell).join("\n\n")
}

/// The cell's text on one line: every break and run of space folded to one space.
///
/// The same words as [`paragraphs`] joined by single spaces, built without the
/// paragraphs: it runs on every header and short cell of every post.
pub fn one_line(cell: ElementRef<'_>) -> String {
    let mut text = Builder {
        one_line: true,
        ..Builder::default()
    };
    walk(cell, &mut text);
    let line = text.current;
    // Only ` | ` next to an empty table cell can leave a run of spaces.
    if !line.starts_with(' ') && !line.ends_with(' ') && !line.contains("  ") {
        return line;
    }
    let mut out = String::with_capacity(line.len());
    for word in line.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The cell's paragraphs, each with its lines trimmed and empty lines dropped.
///
/// A table inside the cell becomes one paragraph: a line per row, cells joined
/// by ` | `. Inside it, breaks and blocks (`<p>` in a table cell) are spaces,
/// so they cannot cut a row apart.
pub fn paragraphs(cell: ElementRef<'_>) -> Vec<String> {
    let mut text = Builder::default();
    walk(cell, &mut text);
    text.finish()
}

/// Feeds the cell's content, in document order, to `text`.
fn walk(cell: ElementRef<'_>, text: &mut Builder) {
    let mut hidden = 0usize;
    // Tables open around the current node, within the cell.
    let mut tables = 0usize;
    // Skip the cell's own open/close edges: only its content counts.
    for edge in cell.traverse().skip(1) {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Text(t) if hidden == 0 => text.push_text(t),
                Node::Element(e) => match e.name() {
                    "script" | "style" | "template" | "noscript" => hidden += 1,
                    "table" => {
                        if tables == 0 {
                            text.paragraph_break();
                        } else {
                            text.soft_break();
                        }
                        tables += 1;
                    }
                    "tr" if tables <= 1 => text.line_break(),
                    "td" | "th" if tables <= 1 => text.cell_start(),
                    "br" | "tr" | "li" | "td" | "th" if tables > 0 => text.soft_break(),
                    "br" | "li" => text.line_break(),
                    name if is_block(name) && tables > 0 => text.soft_break(),
                    name if is_block(name) => text.paragraph_break(),
                    _ => {}
                },
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(e) = node.value() {
                    match e.name() {
                        "script" | "style" | "template" | "noscript" => {
                            hidden = hidden.saturating_sub(1)
                        }
                        "table" => {
                            tables = tables.saturating_sub(1);
                            if tables == 0 {
                                text.paragraph_break();
                            } else {
                                text.soft_break();
                            }
                        }
                        "tr" if tables <= 1 => text.line_break(),
                        "tr" | "li" if tables > 0 => text.soft_break(),
                        "li" => text.line_break(),
                        name if is_block(name) && tables > 0 => text.soft_break(),
                        name if is_block(name) => text.paragraph_break(),
                        _ => {}
                    }
                }
            }
        }
    }
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "table"
            | "tbody"
            | "thead"
            | "ul"
            | "ol"
            | "blockquote"
            | "pre"
            | "hr"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "section"
            | "article"
    )
}

/// Accumulates text with lazy spaces, so runs collapse and lines come out trimmed.
#[derive(Default)]
struct Builder {
    done: Vec<String>,
    current: String,
    /// A space is owed before the next visible character on this line.
    space: bool,
    /// The current table row already has a cell, so the next one needs a separator.
    cell_seen: bool,
    /// Everything goes on one line: line and paragraph breaks only separate words.
    one_line: bool,
}

impl Builder {
    /// Appends `text` a word (a run of non-space characters) at a time. Bytes
    /// are read directly and only non-ASCII is decoded, since this loop over
    /// every character of a post was the parser's hottest code.
    fn push_text(&mut self, text: &str) {
        // Control characters (ESC, BEL, C1…; raw or as `&#27;`) have no place in
        // a service-health message and would drive a terminal that shows it: they
        // are dropped here, once, and the raw post keeps them.
        if has_control(text) {
            let kept: String = text.chars().filter(|&c| !is_dropped(c)).collect();
            return self.push_words(&kept);
        }
        self.push_words(text)
    }

    fn push_words(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let word = i;
            loop {
                // Printable ASCII, the bulk of every message.
                while i < bytes.len() && matches!(bytes[i], b'!'..=b'~') {
                    i += 1;
                }
                match char_at(text, i) {
                    Some((false, len)) => i += len,
                    _ => break,
                }
            }
            if i > word {
                // After a line break or a cell's ` | `, the owed space is already there.
                if self.space && !self.current.is_empty() && !self.current.ends_with(['\n', ' ']) {
                    self.current.push(' ');
                }
                self.space = false;
                self.current.push_str(&text[word..i]);
            }
            while let Some((true, len)) = char_at(text, i) {
                self.space = true;
                i += len;
            }
        }
    }

    /// A break that only separates words: a block or `<br>` inside a table cell.
    fn soft_break(&mut self) {
        self.space = true;
    }

    fn line_break(&mut self) {
        if self.one_line {
            self.space = true;
            self.cell_seen = false;
            return;
        }
        self.space = false;
        self.cell_seen = false;
        if !self.current.is_empty() && !self.current.ends_with('\n') {
            self.current.push('\n');
        }
    }

    fn cell_start(&mut self) {
        if self.cell_seen {
            self.space = false;
            self.current.push_str(" | ");
        }
        self.cell_seen = true;
    }

    fn paragraph_break(&mut self) {
        if self.one_line {
            self.space = true;
            self.cell_seen = false;
            return;
        }
        self.space = false;
        self.cell_seen = false;
        let para = self.current.trim_end_matches('\n');
        if !para.trim().is_empty() {
            let mut out = String::with_capacity(para.len());
            for line in para.lines().map(str::trim).filter(|l| !l.is_empty()) {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(line);
            }
            self.done.push(out);
        }
        self.current.clear();
    }

    fn finish(mut self) -> Vec<String> {
        self.paragraph_break();
        self.done
    }
}

/// Whether the character at byte `i` is a space, and its length; `None` at the end.
/// A control character that is not whitespace (whitespace is folded to a space).
fn is_dropped(c: char) -> bool {
    c.is_control() && !c.is_whitespace()
}

/// Whether `text` may hold a character [`is_dropped`] removes: a byte scan
/// that costs nothing on the usual text.
fn has_control(text: &str) -> bool {
    text.bytes()
        .any(|b| (b < 0x20 && !(b'\t'..=b'\r').contains(&b)) || b == 0x7F || b == 0xC2)
        && text.chars().any(is_dropped)
}

/// `char::is_whitespace` covers U+00A0 and the other Unicode spaces, which the
/// feed scatters about; for ASCII it is `\t` to `\r` and ` `.
#[inline]
fn char_at(text: &str, i: usize) -> Option<(bool, usize)> {
    let byte = *text.as_bytes().get(i)?;
    if byte.is_ascii() {
        return Some((matches!(byte, b'\t'..=b'\r' | b' '), 1));
    }
    let c = text.get(i..)?.chars().next()?;
    Some((c.is_whitespace(), c.len_utf8()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    fn cell(html: &str) -> Vec<String> {
        let doc = Html::parse_fragment(&format!("<table><tr><td>{html}</td></tr></table>"));
        let sel = Selector::parse("td").unwrap();
        paragraphs(doc.select(&sel).next().unwrap())
    }

    #[test]
    fn control_characters_are_dropped_raw_or_as_references() {
        let got = cell("Clear\u{1b}[2J this&#27;]52;c;eA==&#7; now\u{9b}1m<br>ok\u{0}\u{7f}");
        assert_eq!(got, ["Clear[2J this]52;c;eA== now1m\nok"]);
        assert_eq!(cell("tab\there\u{a0}nbsp"), ["tab here nbsp"]);
    }

    #[test]
    fn malformed_feed_paragraphs() {
        let got = cell(
            "Title: A</p>\n<p>  User impact: B.</p>\n<p>  Next steps:<br />  -One<br />  -Two</p>",
        );
        assert_eq!(
            got,
            ["Title: A", "User impact: B.", "Next steps:\n-One\n-Two"]
        );
    }

    #[test]
    fn spaces_collapse_and_entities_decode() {
        let got = cell("a&nbsp;&nbsp;b   c\u{a0}d &amp; &#8217;e&#8217; &hellip;  ");
        assert_eq!(got, ["a b c d & \u{2019}e\u{2019} \u{2026}"]);
    }

    #[test]
    fn nested_table_keeps_rows_and_cells() {
        let got = cell(
            "<p>[Intro]</p><table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table><p>end</p>",
        );
        assert_eq!(got, ["[Intro]", "A | B\n1 | 2", "end"]);
    }

    #[test]
    fn table_cell_leading_space_is_not_doubled() {
        let got = cell(
            "<table><tr><th> Platform</th><th>\n  Start </th></tr><tr><td>\n  Windows\n</td><td> May</td></tr></table>",
        );
        assert_eq!(got, ["Platform | Start\nWindows | May"]);
    }

    #[test]
    fn paragraphs_inside_table_cells_keep_the_row() {
        let got = cell(
            "<p>[Intro]</p><table><tr><td><p>A</p><p>a2</p></td><td>B<br>b2</td></tr><tr><td><ul><li>C</li><li>c2</li></ul></td><td><p>D</p></td></tr></table><p>end</p>",
        );
        assert_eq!(got, ["[Intro]", "A a2 | B b2\nC c2 | D", "end"]);
    }

    #[test]
    fn table_inside_a_table_cell_stays_in_its_cell() {
        let got = cell(
            "<table><tr><td>A</td><td><table><tr><td>x</td><td>y</td></tr></table></td></tr><tr><td>B</td><td>C</td></tr></table>",
        );
        assert_eq!(got, ["A | x y\nB | C"]);
    }

    fn words_of_paragraphs(html: &str) -> String {
        cell(html)
            .iter()
            .flat_map(|p| p.split_whitespace())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn one_line_of(html: &str) -> String {
        let doc = Html::parse_fragment(&format!("<table><tr><td>{html}</td></tr></table>"));
        let sel = Selector::parse("td").unwrap();
        one_line(doc.select(&sel).next().unwrap())
    }

    #[test]
    fn one_line_is_the_paragraphs_words() {
        for html in [
            "",
            "  a  ",
            "a<br>b</p><p>  c",
            "<table><tr><td></td><td> x </td><td></td></tr><tr><td>y</td></tr></table>z",
            "x<script>no</script> y&nbsp;\u{a0}z",
        ] {
            assert_eq!(one_line_of(html), words_of_paragraphs(html), "{html:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn one_line_is_the_paragraphs_words_for_any_markup(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "a", "b c", " ", "\u{a0}", "&nbsp;", "<br>", "<p>", "</p>", "<div>", "</div>",
                "<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>", "<th>", "</th>",
                "<ul><li>", "</li>", "<script>", "</script>", "|", "\n",
            ]), 0..40)
        ) {
            let html = parts.concat();
            proptest::prop_assert_eq!(one_line_of(&html), words_of_paragraphs(&html));
        }
    }

    #[test]
    fn scripts_are_not_text() {
        assert_eq!(cell("x<script>alert(1)</script>y"), ["xy"]);
    }
}
