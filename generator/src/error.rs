//! The generator's error: what went wrong, in which file, and where in the document.

use std::fmt;
use std::path::PathBuf;

/// A failure of the generator, located as precisely as the stage that found it can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The file the error concerns (the document, or an output file).
    pub file: Option<PathBuf>,
    /// 1-based line and column in `file`, when a parser reported them.
    pub line_col: Option<(usize, usize)>,
    /// JSON pointer of the offending node of the document, e.g.
    /// `/components/schemas/Filter/properties/operator`.
    pub pointer: Option<String>,
    /// What is wrong, in a sentence.
    pub message: String,
}

impl Error {
    /// An error about the node at `pointer`.
    pub fn at(pointer: impl Into<String>, message: impl Into<String>) -> Error {
        Error {
            file: None,
            line_col: None,
            pointer: Some(pointer.into()),
            message: message.into(),
        }
    }

    /// An error that concerns no node of the document.
    pub fn msg(message: impl Into<String>) -> Error {
        Error {
            file: None,
            line_col: None,
            pointer: None,
            message: message.into(),
        }
    }

    /// The same error, naming `file` unless a file is already named.
    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Error {
        if self.file.is_none() {
            self.file = Some(file.into());
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut wrote_place = false;
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some((line, col)) = self.line_col {
                write!(f, ":{line}:{col}")?;
            }
            wrote_place = true;
        } else if let Some((line, col)) = self.line_col {
            write!(f, "line {line}, column {col}")?;
            wrote_place = true;
        }
        if let Some(pointer) = &self.pointer {
            let pointer = if pointer.is_empty() { "/" } else { pointer };
            if wrote_place {
                write!(f, " ")?;
            }
            write!(f, "at {pointer}")?;
            wrote_place = true;
        }
        if wrote_place {
            write!(f, ": ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for Error {}

/// Escapes one reference token of a JSON pointer (RFC 6901).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// serde_path_to_error's path (where deserializing failed) as a JSON pointer, for the
/// document loader and the property catalog alike.
pub(crate) fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                pointer.push('/');
                pointer.push_str(&escape_token(key));
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
}

/// Joins a JSON pointer and one more token.
pub fn join(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape_token(token))
}
