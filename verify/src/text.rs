//! Text helpers shared by the checks, the agreement measure and the judge prompt.

use std::borrow::Cow;

use aos_protocol::messages::{CheckOutcome, MAX_REASON_LEN};
use serde_json::Value;

/// `s` with every run of Unicode whitespace replaced by one space, trimmed; borrowed
/// when `s` is already like that (the common case, and no allocation).
pub(crate) fn collapse_ws_cow(s: &str) -> Cow<'_, str> {
    // ASCII whitespace as `char::is_whitespace` sees it (which includes \x0b)
    let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r');
    let b = s.as_bytes();
    let clean = s.is_ascii()
        && !b.first().is_some_and(|&c| ws(c))
        && !b.last().is_some_and(|&c| ws(c))
        && b.iter().all(|&c| c == b' ' || !ws(c))
        && !b.windows(2).any(|w| w == b"  ");
    if clean {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(collapse_ws(s))
    }
}

/// `s` with every run of Unicode whitespace replaced by one space, trimmed.
pub(crate) fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// At most `max_bytes` of `s`, cut at a char boundary, with `…` appended when cut.
pub(crate) fn clip(s: &str, max_bytes: usize) -> String {
    if s.len() <= max_bytes {
        return s.to_owned();
    }
    let mut end = max_bytes.saturating_sub('…'.len_utf8());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Every string value in `v`, depth first, in document order (object members in the
/// map's order).
pub(crate) fn string_leaves<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|i| string_leaves(i, out)),
        Value::Object(map) => map.values().for_each(|i| string_leaves(i, out)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// An outcome with its reason clipped to [`MAX_REASON_LEN`], so every outcome this
/// crate makes is valid in a [`aos_protocol::messages::Verdict`].
pub(crate) fn outcome(kind: &str, pass: bool, score_bps: u16, reason: &str) -> CheckOutcome {
    CheckOutcome {
        kind: kind.to_owned(),
        pass,
        score_bps,
        reason: clip(reason, MAX_REASON_LEN),
    }
}

/// A short, quoted excerpt of user text for a reason: JSON-escaped, at most 120 bytes.
pub(crate) fn excerpt(s: &str) -> String {
    serde_json::to_string(&clip(s, 120)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapse_and_clip() {
        assert_eq!(collapse_ws("  a \n\t b\u{3000}c  "), "a b c");
        for s in [
            "a b c",
            "",
            "x",
            " a",
            "a ",
            "a  b",
            "a\nb",
            "a\tb",
            "a\u{3000}b",
            "é  è",
        ] {
            assert_eq!(collapse_ws_cow(s), collapse_ws(s), "{s:?}");
        }
        assert!(matches!(collapse_ws_cow("a b c"), Cow::Borrowed(_)));
        assert_eq!(clip("héllo", 4), "h…");
        assert_eq!(clip("héllo", 5), "h…", "never cuts inside é");
        assert_eq!(clip("héllo", 100), "héllo");
        let long = "é".repeat(600);
        let c = clip(&long, MAX_REASON_LEN);
        assert!(c.len() <= MAX_REASON_LEN && c.ends_with('…'));
        assert_eq!(excerpt("say \"hi\""), r#""say \"hi\"""#);
    }

    #[test]
    fn leaves_in_order() {
        let v = serde_json::json!({"a": ["x", 1, {"b": "y"}], "c": null, "d": "z"});
        let mut out = Vec::new();
        string_leaves(&v, &mut out);
        assert_eq!(out, ["x", "y", "z"]);
    }
}
