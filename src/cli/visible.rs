//! Text from posts and servers, made safe to show on a terminal.
//!
//! A post can carry ESC and other control characters (raw, or as `&#27;`):
//! printed as they are they clear the screen, write the user's clipboard
//! (OSC 52) or disguise a link (OSC 8), and cron mails `sync --changes` to
//! people who read it in a terminal. The parser drops controls from what it
//! parses, but an archive from an older version, a server's error text or a
//! file name can still hold them. So every value the CLI shows to a person
//! goes through [`clean`] before it is coloured, and machine rows written to a
//! terminal go through [`Visible`]: a control other than newline and tab is
//! shown as its escape (`\u{1b}`), never sent.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Whether `c` must not reach a terminal raw: C0 (but newline and tab), DEL, C1.
fn is_unsafe(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// `text` with every unsafe control written out as `\u{…}`.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`clean`] on one line: a newline is shown too, so a value cannot start a fake line.
pub fn clean_line(text: &str) -> Cow<'_, str> {
    if !text.contains('\n') {
        return clean(text);
    }
    Cow::Owned(clean(text).replace('\n', "\\n"))
}

/// A writer that shows unsafe controls as escapes instead of sending them;
/// for rows in a machine format that are going to a terminal.
pub struct Visible<W: Write> {
    inner: W,
    /// A lead byte of a two-byte UTF-8 sequence held back until its second
    /// byte says whether the pair is a C1 control.
    pending: Option<u8>,
}

impl<W: Write> Visible<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Visible {
            inner,
            pending: None,
        }
    }
}

impl<W: Write> Write for Visible<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        for (i, &b) in buf.iter().enumerate() {
            if let Some(lead) = self.pending.take() {
                // U+0080..U+009F is C2 80..C2 9F in UTF-8.
                if lead == 0xC2 && (0x80..=0x9F).contains(&b) {
                    write!(self.inner, "\\u{{{b:x}}}")?;
                    start = i + 1;
                    continue;
                }
                self.inner.write_all(&[lead])?;
            }
            let escape = (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7F;
            if escape || b == 0xC2 {
                self.inner.write_all(&buf[start..i])?;
                start = i + 1;
                if escape {
                    write!(self.inner, "\\u{{{b:x}}}")?;
                } else {
                    self.pending = Some(b);
                }
            }
        }
        self.inner.write_all(&buf[start..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if let Some(lead) = self.pending.take() {
            self.inner.write_all(&[lead])?;
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_not_sent() {
        assert_eq!(clean("plain テキスト\tok\n"), "plain テキスト\tok\n");
        assert_eq!(clean("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(clean("\u{1b}]52;c;eA==\u{7}"), "\\u{1b}]52;c;eA==\\u{7}");
        assert_eq!(clean("x\u{9b}y\u{7f}\r"), "x\\u{9b}y\\u{7f}\\u{d}");
        assert_eq!(clean_line("one\ntwo"), "one\\ntwo");
    }

    #[test]
    fn the_writer_agrees_with_clean_across_any_split() {
        let text = "id,t\u{1b}]8;;http://x\u{7}\u{9b}2J,é\u{a0}\n\u{85}end";
        for split in 0..=text.len() {
            let mut out = Visible::new(Vec::new());
            out.write_all(&text.as_bytes()[..split]).unwrap();
            out.write_all(&text.as_bytes()[split..]).unwrap();
            out.flush().unwrap();
            assert_eq!(
                String::from_utf8(out.inner).unwrap(),
                clean(text),
                "{split}"
            );
        }
    }
}
