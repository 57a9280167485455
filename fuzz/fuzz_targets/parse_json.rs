//! Any bytes, as a post's JSON text: the parser must return, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(json) = std::str::from_utf8(data) {
        let _ = healthfeed::parse::parse_json(json);
    }
});
