//! Names people give grids, cells, outlets and users: the one rule every
//! write checks (a 10,000-character name or one with a line break in it
//! breaks labels, tables and files downstream).

/// At most this many characters (a Chinese character counts one).
pub const MAX_NAME_CHARS: usize = 100;

/// Why `name` cannot be stored, or `None` when it can. Checked on the
/// trimmed text, as it is stored.
///
/// ```
/// use wangge_model::name::{name_problem, NameProblem};
/// assert_eq!(name_problem("茅箭区 二堰街道"), None);
/// assert_eq!(name_problem("  "), Some(NameProblem::Empty));
/// assert_eq!(name_problem("a\nb"), Some(NameProblem::ControlCharacter));
/// assert_eq!(name_problem(&"网".repeat(101)), Some(NameProblem::TooLong));
/// ```
pub fn name_problem(name: &str) -> Option<NameProblem> {
    let name = name.trim();
    if name.is_empty() {
        Some(NameProblem::Empty)
    } else if name.chars().count() > MAX_NAME_CHARS {
        Some(NameProblem::TooLong)
    } else if name.chars().any(char::is_control) {
        Some(NameProblem::ControlCharacter)
    } else {
        None
    }
}

/// What is wrong with a name; `code()` is the stable code the API and the
/// page translate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    Empty,
    TooLong,
    ControlCharacter,
}

impl NameProblem {
    pub fn code(self) -> &'static str {
        match self {
            NameProblem::Empty => "name_empty",
            NameProblem::TooLong => "name_too_long",
            NameProblem::ControlCharacter => "name_control_character",
        }
    }

    /// The reason in English, for logs and the CLI.
    pub fn reason(self) -> &'static str {
        match self {
            NameProblem::Empty => "a name cannot be empty",
            NameProblem::TooLong => "a name has at most 100 characters",
            NameProblem::ControlCharacter => {
                "a name cannot hold control characters (line breaks, tabs …)"
            }
        }
    }
}

/// `text` cut to `chars` characters with `…`, for quoting a bad value.
pub fn shortened(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(chars).collect::<String>())
    }
}
