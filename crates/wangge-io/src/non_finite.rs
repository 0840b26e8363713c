//! JSON has no NaN or Infinity, but Python's `json.dumps` and other tools
//! write them bare. Rather than reject the whole file, the bare tokens are
//! turned into `null` so the feature that holds them is flagged, alone.

/// Replaces bare `NaN`, `Infinity` and `-Infinity` outside strings with
/// `null`. Returns the text unchanged (borrowed) when there are none.
pub(crate) fn nulls_for_non_finite(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("NaN") && !text.contains("Infinity") {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    let mut copied_to = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        let token = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|t| bytes[i..].starts_with(t.as_bytes()));
        if let Some(token) = token {
            out.push_str(&text[copied_to..i]);
            out.push_str("null");
            i += token.len();
            copied_to = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied_to..]);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::nulls_for_non_finite;

    #[test]
    fn replaces_bare_tokens_only() {
        assert_eq!(
            nulls_for_non_finite("[NaN, -Infinity, 1]"),
            "[null, null, 1]"
        );
        assert_eq!(
            nulls_for_non_finite(r#"{"n":"NaN \"Infinity\""}"#),
            r#"{"n":"NaN \"Infinity\""}"#
        );
        assert_eq!(nulls_for_non_finite("[1,2]"), "[1,2]");
    }
}
