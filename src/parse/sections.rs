//! Message structure: headed sections and the other records a message mentions.

use crate::model::{Kind, RecordId, Section, is_id_shape};

/// Splits paragraphs at their headings: `Heading: text` for service health,
/// `[Heading]` for Message Center. A paragraph without a heading joins the section before it.
pub fn split(paragraphs: &[String], kind: Kind) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    for para in paragraphs {
        let headed = match kind {
            Kind::Health => colon_heading(para),
            Kind::Message => bracket_heading(para),
        };
        match (headed, sections.last_mut()) {
            (Some((heading, text)), _) => sections.push(Section {
                heading: heading.to_owned(),
                text: text.trim().to_owned(),
            }),
            (None, Some(last)) => {
                if !last.text.is_empty() {
                    last.text.push_str("\n\n");
                }
                last.text.push_str(para);
            }
            (None, None) => sections.push(Section {
                heading: String::new(),
                text: para.clone(),
            }),
        }
    }
    sections
}

/// `More info: …` → (`More info`, `…`). A heading is a short run of words starting
/// with a capital; longer prefixes are sentences that happen to hold a colon.
fn colon_heading(para: &str) -> Option<(&str, &str)> {
    let (head, rest) = para.split_once(':')?;
    let words = head.split_whitespace().count();
    let first = head.chars().next()?;
    let heading_chars = head
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '\u{2019}' | '(' | ')' | '/'));
    let is_url = rest.starts_with("//");
    (first.is_uppercase()
        && (1..=6).contains(&words)
        && head.len() <= 48
        && heading_chars
        && !is_url)
        .then(|| (head.trim(), rest))
}

/// `[When this will happen:] …` → (`When this will happen`, `…`).
fn bracket_heading(para: &str) -> Option<(&str, &str)> {
    let inner = para.strip_prefix('[')?;
    let (head, rest) = inner.split_once(']')?;
    let head = head.trim().trim_end_matches(':').trim_end();
    (!head.is_empty() && !head.contains('\n') && head.len() <= 80).then_some((head, rest))
}

/// IDs mentioned in `text`, in order of first mention, without `own` and duplicates.
pub fn related_ids(text: &str, own: &RecordId) -> Vec<RecordId> {
    let bytes = text.as_bytes();
    let mut found: Vec<RecordId> = Vec::new();
    // Every ID has digits, and messages have few: jump from digit to digit and
    // look at the word (a run of ASCII letters and digits) around each one.
    let mut i = 0;
    while let Some(digit) = next_digit(bytes, i) {
        let start = bytes[..digit]
            .iter()
            .rposition(|&b| !b.is_ascii_alphanumeric())
            .map_or(0, |p| p + 1);
        let end = bytes[digit..]
            .iter()
            .position(|&b| !b.is_ascii_alphanumeric())
            .map_or(bytes.len(), |p| digit + p);
        let word = &bytes[start..end];
        // KB articles (KB5012170) have the shape of an ID but are not records.
        if word[0].is_ascii_uppercase()
            && is_id_shape(word)
            && word.iter().all(|b| !b.is_ascii_lowercase())
            && !word.starts_with(b"KB")
            && let Ok(id) = RecordId::parse(&text[start..end])
            && &id != own
            && !found.contains(&id)
        {
            found.push(id);
        }
        i = end;
    }
    found
}

/// The index of the first ASCII digit at or after `from`. Eight bytes at a
/// time: a message is kilobytes of letters with a digit here and there.
fn next_digit(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let mut i = from;
    while let Some(chunk) = bytes
        .get(i..i + 8)
        .and_then(|c| <[u8; 8]>::try_from(c).ok())
    {
        // Digits become bytes below 10; this tests for any byte below 10
        // (exact for a bound up to 128: it may misplace which byte, never miss one).
        let x = u64::from_le_bytes(chunk) ^ (ONES * u64::from(b'0'));
        if x.wrapping_sub(ONES * 10) & !x & HIGHS != 0 {
            break;
        }
        i += 8;
    }
    bytes
        .get(i..)?
        .iter()
        .position(u8::is_ascii_digit)
        .map(|p| i + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paras(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn health_sections_take_following_paragraphs() {
        let got = split(
            &paras(&[
                "Title: T",
                "More info: a",
                "b",
                "Next steps:\n-x\n-y",
                "A report follows.",
            ]),
            Kind::Health,
        );
        let heads: Vec<_> = got.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(heads, ["Title", "More info", "Next steps"]);
        assert_eq!(got[1].text, "a\n\nb");
        assert_eq!(got[2].text, "-x\n-y\n\nA report follows.");
    }

    #[test]
    fn sentences_with_colons_are_not_headings() {
        let got = split(
            &paras(&[
                "Start time: Wednesday, March 29, 2023, at 7:00 AM UTC",
                "We previously reported an issue at 7:00 AM that affected users",
                "See https://example.com/x for more",
            ]),
            Kind::Health,
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].heading, "Start time");
    }

    #[test]
    fn text_before_any_heading_is_kept_untitled() {
        let got = split(&paras(&["Hello", "Next update by: Friday"]), Kind::Health);
        assert_eq!(got[0].heading, "");
        assert_eq!(got[1].heading, "Next update by");
    }

    #[test]
    fn message_center_brackets() {
        let got = split(
            &paras(&[
                "Intro",
                "[When this will happen:]",
                "• Late May",
                "[How this affects you] It changes.",
            ]),
            Kind::Message,
        );
        let heads: Vec<_> = got.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(heads, ["", "When this will happen", "How this affects you"]);
        assert_eq!(got[1].text, "• Late May");
        assert_eq!(got[2].text, "It changes.");
    }

    /// The plain word-by-word scan `related_ids` must agree with.
    fn related_ids_by_words(text: &str, own: &RecordId) -> Vec<RecordId> {
        let mut found = Vec::new();
        for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
            let b = word.as_bytes();
            if b.first().is_some_and(u8::is_ascii_uppercase)
                && is_id_shape(b)
                && b.iter().all(|c| !c.is_ascii_lowercase())
                && !b.starts_with(b"KB")
                && let Ok(id) = RecordId::parse(word)
                && &id != own
                && !found.contains(&id)
            {
                found.push(id);
            }
        }
        found
    }

    proptest::proptest! {
        #[test]
        fn related_ids_agree_with_a_word_scan(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "DZ534539", "DZ534548", "MC883199", "EX1268771", "KB5012170", "ex1268771",
                "Ab12345", "ABCDE12345", "DZ12", "1234", "12345678", "Z", "x", " ", ",", ".",
                "\n", "は", "\u{a0}", "-", "(", ")", "DZ534539x", "0",
            ]), 0..60)
        ) {
            let text = parts.concat();
            let own = RecordId::parse("DZ534539").unwrap();
            proptest::prop_assert_eq!(related_ids(&text, &own), related_ids_by_words(&text, &own));
        }
    }

    #[test]
    fn next_digit_finds_every_digit_in_every_lane() {
        for len in 0..20 {
            for at in 0..len {
                let mut bytes = vec![b'/'; len];
                bytes[at] = b'7';
                assert_eq!(next_digit(&bytes, 0), Some(at), "{len} {at}");
                assert_eq!(next_digit(&bytes, at + 1), None);
            }
            // Neighbours of the digit range, and high bytes, are not digits.
            let other: Vec<u8> = [b'/', b':', 0xff, 0x80, 0x39 ^ 0x80, b'a']
                .iter()
                .cycle()
                .take(len)
                .copied()
                .collect();
            assert_eq!(next_digit(&other, 0), None, "{other:?}");
        }
    }

    #[test]
    fn related_ids_skip_own_duplicates_and_lookalikes() {
        let own = RecordId::parse("DZ534539").unwrap();
        let got = related_ids(
            "see DZ534548, DZ534548 and DZ534539; also EX1268771は, KB5012170, SHA256, xDZ123456, MC883199.",
            &own,
        );
        let got: Vec<_> = got.iter().map(RecordId::as_str).collect();
        assert_eq!(got, ["DZ534548", "EX1268771", "MC883199"]);
    }
}
