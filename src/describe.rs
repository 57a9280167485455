//! An error and its causes as one line, the one way every layer words a
//! failure: what the CLI prints, what the run log keeps, and the detail the
//! fetch layer quotes from the HTTP stack all read the same. Counts in those
//! words take their noun's right number through [`count`].

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

/// `n` and its noun in the right number: "1 post", "0 posts", "2 not records".
pub fn count<N>(n: N, one: &str, many: &str) -> String
where
    N: Copy + PartialEq + From<u8> + std::fmt::Display,
{
    format!("{n} {}", if n == N::from(1) { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn count_says_one_only_for_one() {
        assert_eq!(count(1u64, "try", "tries"), "1 try");
        assert_eq!(count(0u32, "try", "tries"), "0 tries");
        assert_eq!(
            count(2usize, "not a record", "not records"),
            "2 not records"
        );
    }
}
