//! A piece of HTML repeated up to 1 MiB as the seed post's content, to find
//! inputs whose cost grows faster than their size: nesting that slips past
//! the parser's guard, or a quadratic scan. A few input bytes stand for a
//! large post, so libFuzzer's `-timeout` catches them.
//!
//! Input: two bytes (little-endian repeat count), then `head \0 unit \0 tail`
//! as UTF-8; without the NULs the whole text is the unit.
#![no_main]

mod seed;

use libfuzzer_sys::fuzz_target;

const MAX_BYTES: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let [lo, hi, text @ ..] = data else { return };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let (head, unit, tail) = match (parts.next(), parts.next(), parts.next()) {
        (Some(head), Some(unit), tail) => (head, unit, tail.unwrap_or("")),
        _ => ("", text, ""),
    };
    let count = usize::from(u16::from_le_bytes([*lo, *hi])).min(MAX_BYTES / unit.len().max(1));
    let html = format!("{head}{}{tail}", unit.repeat(count));
    let _ = healthfeed::parse::parse_json(&seed::post_with_content(&html));
});
