//! Doc text wrapped to a width, as a person would wrap it: a line longer than the width is
//! broken at spaces, never inside a code span (`` `…` ``) or a link (`[…](…)`), and no piece
//! it is broken into starts with something that would make it another Markdown block (a list
//! marker, a heading, a quote). Lines that are not prose are left as they are: fenced and
//! indented code, tables, headings.

/// The lines of `text`, each at most `width` characters where it can be broken to fit (a
/// code span or a link longer than the width stays whole, on a line of its own).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut fence: Option<&str> = None;
    for line in text.lines() {
        let line = line.trim_end();
        let trimmed = line.trim_start();
        if let Some(marker) = fence {
            if trimmed.starts_with(marker) {
                fence = None;
            }
            out.push(line.to_owned());
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
            out.push(line.to_owned());
            continue;
        }
        let verbatim = line.chars().count() <= width
            || line.starts_with("    ")
            || line.starts_with('\t')
            || trimmed.starts_with('|')
            || trimmed.starts_with('#');
        if verbatim {
            out.push(line.to_owned());
            continue;
        }
        out.extend(wrap_line(line, width));
    }
    out
}

/// One long line of prose, broken at spaces outside code spans and links.
fn wrap_line(line: &str, width: usize) -> Vec<String> {
    let indent: String = line.chars().take_while(|c| *c == ' ').collect();
    let body = &line[indent.len()..];
    // A list item's continuation lines line up with its text.
    let continuation = match list_marker(body) {
        Some(marker) => format!("{indent}{}", " ".repeat(marker)),
        None => indent.clone(),
    };
    let words = words(body);
    let mut lines: Vec<String> = Vec::new();
    let mut current = indent.clone();
    let mut current_words = 0;
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        let fits = current.chars().count() + 1 + word.chars().count() <= width;
        if current_words == 0 || fits {
            if current_words > 0 {
                current.push(' ');
            }
            current.push_str(word);
            current_words += 1;
            i += 1;
            continue;
        }
        // A piece must not start like another block: take the word before it along, unless
        // that leaves the line empty.
        if starts_block(word) && current_words > 1 {
            let cut = current.rfind(' ').unwrap_or(current.len());
            current.truncate(cut);
            lines.push(current);
            current = continuation.clone();
            current_words = 0;
            i -= 1;
            continue;
        }
        lines.push(current);
        current = continuation.clone();
        current_words = 0;
    }
    if current_words > 0 {
        lines.push(current);
    }
    lines
}

/// The width of a list marker (`- `, `* `, `+ `, `1. `) at the start of `text`.
fn list_marker(text: &str) -> Option<usize> {
    if ["- ", "* ", "+ "].iter().any(|m| text.starts_with(m)) {
        return Some(2);
    }
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let rest = &text[digits..];
    (digits > 0 && (rest.starts_with(". ") || rest.starts_with(") "))).then_some(digits + 2)
}

/// Whether a line starting with `word` would be read as another Markdown block.
fn starts_block(word: &str) -> bool {
    let digits = word.chars().take_while(char::is_ascii_digit).count();
    matches!(word, "-" | "*" | "+" | ">" | "=" | "|")
        || word.starts_with('#')
        || word.starts_with('>')
        || word.starts_with('|')
        || word.starts_with("```")
        || word.starts_with("~~~")
        || word.starts_with("---")
        || word.starts_with("===")
        || word.starts_with('<')
        || (digits > 0 && matches!(&word[digits..], "." | ")"))
}

/// The words of a line: pieces between spaces, where a code span or a link is one piece
/// whatever spaces it holds.
fn words(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' => {
                if let Some(s) = start.take() {
                    words.push(&text[s..i]);
                }
                i += 1;
            }
            b'`' => {
                start.get_or_insert(i);
                i = code_span_end(bytes, i).unwrap_or(i + run(bytes, i, b'`'));
            }
            b'[' => {
                start.get_or_insert(i);
                i = link_end(bytes, i).unwrap_or(i + 1);
            }
            _ => {
                start.get_or_insert(i);
                i += 1;
            }
        }
    }
    if let Some(s) = start {
        words.push(&text[s..]);
    }
    words
}

/// How many `byte`s in a row start at `i`.
fn run(bytes: &[u8], i: usize, byte: u8) -> usize {
    bytes[i..].iter().take_while(|b| **b == byte).count()
}

/// Where the code span opened by the backticks at `start` ends (just after its closing
/// backticks, a run of the same length), if it is closed.
fn code_span_end(bytes: &[u8], start: usize) -> Option<usize> {
    let open = run(bytes, start, b'`');
    let mut i = start + open;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let close = run(bytes, i, b'`');
            if close == open {
                return Some(i + close);
            }
            i += close;
        } else {
            i += 1;
        }
    }
    None
}

/// Where the link (or bracketed text) opened at `start` ends: after its `]`, and after the
/// `(…)` of its target when one follows.
fn link_end(bytes: &[u8], start: usize) -> Option<usize> {
    let close = matching(bytes, start, b'[', b']')?;
    if bytes.get(close + 1) == Some(&b'(') {
        let end = matching(bytes, close + 1, b'(', b')')?;
        return Some(end + 1);
    }
    Some(close + 1)
}

/// The index of the bracket that closes the one at `start`, skipping code spans.
fn matching(bytes: &[u8], start: usize, open: u8, close: u8) -> Option<usize> {
    let mut depth = 0;
    let mut i = start;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'`' {
            i = code_span_end(bytes, i).unwrap_or(i + 1);
            continue;
        }
        if b == open {
            depth += 1;
        } else if b == close {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_line_stays_as_it_is() {
        assert_eq!(wrap("Short  line.", 20), ["Short  line."]);
    }

    #[test]
    fn a_long_line_breaks_at_spaces() {
        assert_eq!(
            wrap("one two three four five six", 10),
            ["one two", "three four", "five six"]
        );
    }

    #[test]
    fn code_spans_and_links_stay_whole() {
        let text = "see `GET /crm/v3/objects` and [the docs](super::Orders#retries) too";
        assert_eq!(
            wrap(text, 12),
            [
                "see",
                "`GET /crm/v3/objects`",
                "and",
                "[the docs](super::Orders#retries)",
                "too"
            ]
        );
        assert_eq!(
            wrap("a [`Error::Api`](hubspot_runtime::Error::Api) b", 10),
            ["a", "[`Error::Api`](hubspot_runtime::Error::Api)", "b"]
        );
    }

    #[test]
    fn list_items_continue_under_their_text() {
        assert_eq!(
            wrap("- `body`: the request body to send", 16),
            ["- `body`: the", "  request body", "  to send"]
        );
        assert_eq!(
            wrap("12. alpha beta gamma", 12),
            ["12. alpha", "    beta", "    gamma"]
        );
    }

    #[test]
    fn no_piece_starts_a_new_block() {
        // `- b` on a line of its own would be a list item.
        assert_eq!(wrap("aaaa bbb - c", 9), ["aaaa", "bbb - c"]);
        assert_eq!(wrap("aaaa 2. c", 7), ["aaaa 2.", "c"]);
    }

    #[test]
    fn code_blocks_tables_and_headings_are_left_alone() {
        let text = "```\nfn main() { let a_very_long_line = 1; }\n```\n| a | table row that is long |\n# A heading that is long";
        assert_eq!(wrap(text, 10), text.lines().collect::<Vec<_>>());
        assert_eq!(
            wrap("    indented code that is long", 10),
            ["    indented code that is long"]
        );
    }

    #[test]
    fn unclosed_backticks_and_brackets_break_as_text() {
        assert_eq!(wrap("a `b c d e", 5), ["a `b", "c d e"]);
        assert_eq!(wrap("a [b c d e", 5), ["a [b", "c d e"]);
    }
}
