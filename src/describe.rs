//! An error and its causes as one line, the one way every layer words a
//! failure: what the CLI prints, what the run log keeps, and the detail the
//! fetch layer quotes from the HTTP stack all read the same.

/// An error and its causes on one line, each cause once: some messages
/// already quote their cause, and repeating it would only add noise.
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = String::new();
    let mut cause = Some(error);
    while let Some(e) = cause {
        let part = e.to_string();
        if !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
        cause = e.source();
    }
    text
}
