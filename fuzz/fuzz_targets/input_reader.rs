//! Any bytes as a saved REST export: the reader must yield posts or one error
//! and stop, and every post it yields goes through the parser.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for item in healthfeed::input::PostReader::new(data) {
        match item {
            Ok(json) => {
                let _ = healthfeed::parse::parse_json(&json);
            }
            Err(_) => break,
        }
    }
});
