//! Any string as the seed post's `content.rendered`: skips the JSON layer so
//! the fuzzer spends its time in the HTML walk, the tables and the cells.
#![no_main]

mod seed;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|html: &str| {
    let _ = healthfeed::parse::parse_json(&seed::post_with_content(html));
});
