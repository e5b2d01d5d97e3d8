//! Grounded decoding for extraction tasks: when a task's acceptance asks for JSON under a
//! schema and for every quoted value to occur in the input (`quotes_in_input`), the model
//! executors constrain generation with llama.cpp's JSON-Schema grammar, and the string
//! fields that must be quoted may only take values cut from the input (its lines, split
//! again on runs of two or more spaces and on bullets). The model still chooses which
//! passages and in which order; it can no longer invent one. This is the worker's side of
//! verified work (issue 13): what the requester checks, the worker makes sure of before
//! it submits.

use aos_protocol::messages::TaskSpec;
use serde_json::{Map, Value};

/// Most passages offered to one string field (the grammar grows with every one).
pub const MAX_PASSAGES: usize = 256;
/// Longest passage offered, in characters.
pub const MAX_PASSAGE_CHARS: usize = 400;

/// Every string value in the task's `input`, in document order, joined by newlines: the
/// text `quotes_in_input` checks quotes against (aos-verify).
pub fn input_text(input: &Value) -> String {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(o) => o.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(input, &mut out);
    out.join("\n")
}

/// The JSON Schema a model's output must follow for `spec`, grounded in its input when a
/// `quotes_in_input` check asks for quotes ([`ground`]); `None` without a schema check.
pub fn schema_for(spec: &TaskSpec) -> Option<Value> {
    let acceptance = spec.acceptance.as_ref()?;
    let schema = acceptance.json_schema()?;
    Some(match acceptance.quotes_field() {
        Some(field) => ground(schema, field, &passages(&input_text(&spec.input))),
        None => schema.clone(),
    })
}

/// The GBNF grammar of [`schema_for`] (llama.cpp's JSON-Schema converter).
///
/// # Errors
/// [`super::ExecError::Model`] when llama.cpp cannot convert the schema.
#[cfg(feature = "llama")]
pub fn grammar_for(spec: &TaskSpec) -> Result<Option<String>, super::ExecError> {
    schema_for(spec)
        .map(|s| {
            aos_llm::json_schema_to_grammar(&s.to_string()).map_err(|e| {
                super::ExecError::Model(aos_llm::LlmError::Grammar(format!(
                    "the task's JSON Schema does not convert to a grammar: {e}"
                )))
            })
        })
        .transpose()
}

/// The input's passages: every line, trimmed, split on runs of ≥ 2 spaces or tabs and on a
/// leading `- ` / `* ` bullet; empty ones and repeats dropped, in input order, at most
/// [`MAX_PASSAGES`] of at most [`MAX_PASSAGE_CHARS`] characters.
pub fn passages(input: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in input.lines() {
        let line = line.trim();
        let line = line
            .strip_prefix("- ")
            .or_else(|| line.strip_prefix("* "))
            .unwrap_or(line);
        for part in line.split("  ").flat_map(|p| p.split('\t')) {
            let p = part.trim();
            if p.is_empty() || p.chars().count() > MAX_PASSAGE_CHARS {
                continue;
            }
            if !out.iter().any(|o| o == p) {
                out.push(p.to_owned());
            }
            if out.len() == MAX_PASSAGES {
                return out;
            }
        }
    }
    out
}

/// `schema` with every string schema at or below the instance path `pointer` (a JSON
/// pointer into the output, like the `quotes_in_input` check's `field`; `None` or `""` =
/// the whole output) narrowed to an `enum` of those `passages` it admits (its `pattern`,
/// `minLength` and `maxLength`). A string schema no passage satisfies is left as it was, so
/// the grammar stays satisfiable and the requester's check reports the failure.
pub fn ground(schema: &Value, pointer: Option<&str>, passages: &[String]) -> Value {
    let tokens: Vec<String> = pointer
        .unwrap_or("")
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut out = schema.clone();
    if let Some(sub) = descend(&mut out, &tokens) {
        narrow(sub, passages, 0);
    }
    out
}

/// The sub-schema the instance path `tokens` leads to (through `properties` and `items`).
fn descend<'a>(schema: &'a mut Value, tokens: &[String]) -> Option<&'a mut Value> {
    let Some((first, rest)) = tokens.split_first() else {
        return Some(schema);
    };
    let next = if first.parse::<usize>().is_ok() && schema.get("items").is_some() {
        schema.get_mut("items")?
    } else {
        schema.get_mut("properties")?.get_mut(first.as_str())?
    };
    descend(next, rest)
}

fn narrow(schema: &mut Value, passages: &[String], depth: usize) {
    if depth > 16 {
        return;
    }
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    match obj.get("type").and_then(Value::as_str) {
        Some("string") => {
            let fits: Vec<Value> = passages
                .iter()
                .filter(|p| admits(obj, p))
                .map(|p| Value::String(p.clone()))
                .collect();
            if !fits.is_empty() {
                obj.insert("enum".into(), Value::Array(fits));
                obj.remove("pattern");
                obj.remove("minLength");
                obj.remove("maxLength");
            }
        }
        Some("array") => {
            if let Some(items) = obj.get_mut("items") {
                narrow(items, passages, depth + 1);
            }
        }
        Some("object") => {
            if let Some(Value::Object(props)) = obj.get_mut("properties") {
                for v in props.values_mut() {
                    narrow(v, passages, depth + 1);
                }
            }
        }
        _ => {}
    }
}

/// Whether the string schema `obj` admits `p` (pattern, minLength, maxLength).
fn admits(obj: &Map<String, Value>, p: &str) -> bool {
    let n = p.chars().count() as u64;
    if obj
        .get("minLength")
        .and_then(Value::as_u64)
        .is_some_and(|m| n < m)
        || obj
            .get("maxLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| n > m)
    {
        return false;
    }
    match obj.get("pattern").and_then(Value::as_str) {
        Some(pat) => regex::Regex::new(pat).is_ok_and(|r| r.is_match(p)),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const REPORT: &str = "Timeline (UTC)\n02:10  The certificate expires.\n02:14  Errors rise. The alert fires.\n- Runbook is stale.\n";

    #[test]
    fn cuts_lines_on_wide_gaps_and_bullets() {
        assert_eq!(
            passages(REPORT),
            [
                "Timeline (UTC)",
                "02:10",
                "The certificate expires.",
                "02:14",
                "Errors rise. The alert fires.",
                "Runbook is stale."
            ]
        );
    }

    #[test]
    fn narrows_quoted_fields_to_the_passages_they_admit() {
        let schema = json!({"type": "object", "properties": {
            "timeline": {"type": "array", "items": {"type": "object", "properties": {
                "time": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
                "event": {"type": "string", "minLength": 16}}}},
            "note": {"type": "string"}}});
        let g = ground(&schema, Some("/timeline"), &passages(REPORT));
        let item = &g["properties"]["timeline"]["items"]["properties"];
        assert_eq!(item["time"]["enum"], json!(["02:10", "02:14"]));
        assert_eq!(
            item["event"]["enum"],
            json!([
                "The certificate expires.",
                "Errors rise. The alert fires.",
                "Runbook is stale."
            ])
        );
        // outside the pointer nothing changes
        assert_eq!(g["properties"]["note"], json!({"type": "string"}));
        // a field no passage fits keeps its schema
        let strict = json!({"type": "string", "pattern": "^never$"});
        assert_eq!(ground(&strict, None, &passages(REPORT)), strict);
        // the result converts to a llama.cpp grammar
        #[cfg(feature = "llama")]
        aos_llm::json_schema_to_grammar(&g.to_string()).expect("grammar");
    }
}
