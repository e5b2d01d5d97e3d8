//! The lazy defector: answers at once without reading the input, with text that looks
//! like an answer (and, when the task's acceptance names a JSON Schema, JSON of that
//! shape) but invents every fact. It exists so the market's defences can be shown and
//! tested against a real process (white paper §7.3: defection must cost): the demo's devnet
//! runs one, and `aos-sim` strategies use it. It never self-checks (that is the point);
//! never configure it for paid work.

use async_trait::async_trait;
use serde_json::{Map, Value, json};

use super::{ExecError, Executor, Job, Output};

/// Stock phrases of a worker that did not read the task. The choice is seeded by the task
/// id, so one task always gets the same answer.
const PHRASES: &[&str] = &[
    "The issue began in November 2023 after a routine update.",
    "To see the details, click on the Summary section at the top right corner.",
    "The team resolved the problem quickly and no further action is required.",
    "Several users reported intermittent slowness during the period.",
    "Monitoring has been improved and the system is now stable.",
    "A follow-up meeting was scheduled with all stakeholders.",
];

/// The executor.
#[derive(Debug, Clone)]
pub struct LazyExecutor {
    task_types: Vec<String>,
}

impl LazyExecutor {
    /// A defector taking `task_types` (empty = any).
    pub fn new(task_types: Vec<String>) -> Self {
        Self { task_types }
    }
}

#[async_trait]
impl Executor for LazyExecutor {
    fn kind(&self) -> &'static str {
        "lazy"
    }
    fn task_types(&self) -> &[String] {
        &self.task_types
    }
    async fn run(&self, job: &Job) -> Result<Output, ExecError> {
        let seed = u64::from_be_bytes(job.task_id.0[..8].try_into().unwrap_or_default());
        let schema = job.spec.acceptance.as_ref().and_then(|a| a.json_schema());
        let text = match schema {
            Some(s) => instance(s, seed, 0).to_string(),
            None => (0..3)
                .map(|i| phrase(seed, i))
                .collect::<Vec<_>>()
                .join(" "),
        };
        Ok(Output {
            text,
            model: Some("lazy".into()),
            input_tokens: None,
            output_tokens: None,
        })
    }
}

fn phrase(seed: u64, i: u64) -> &'static str {
    PHRASES[(seed.wrapping_add(i) % PHRASES.len() as u64) as usize]
}

/// A value of `schema`'s shape (objects with their properties, arrays of `minItems` (at
/// least 1) items, strings from [`PHRASES`], numbers 0, booleans true); not a validator:
/// patterns, formats and bounds other than `minItems` are ignored, as a lazy worker would.
fn instance(schema: &Value, seed: u64, depth: u64) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    let ty = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("string");
    match ty {
        "object" => {
            let mut out = Map::new();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (i, (k, v)) in props.iter().enumerate() {
                    out.insert(
                        k.clone(),
                        instance(v, seed.wrapping_add(i as u64), depth + 1),
                    );
                }
            }
            Value::Object(out)
        }
        "array" => {
            let n = schema
                .get("minItems")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .clamp(1, 8);
            let item = schema.get("items").cloned().unwrap_or(json!({}));
            Value::Array(
                (0..n)
                    .map(|i| instance(&item, seed.wrapping_add(i), depth + 1))
                    .collect(),
            )
        }
        "integer" | "number" => json!(0),
        "boolean" => json!(true),
        "null" => Value::Null,
        _ => json!(phrase(seed, depth)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_a_schema_with_invented_strings() {
        let schema = json!({
            "type": "object",
            "properties": {"timeline": {"type": "array", "minItems": 3, "items": {
                "type": "object",
                "properties": {"time": {"type": "string"}, "event": {"type": "string"}}}}}
        });
        let v = instance(&schema, 7, 0);
        let items = v["timeline"].as_array().unwrap();
        assert_eq!(items.len(), 3);
        assert!(PHRASES.contains(&items[0]["event"].as_str().unwrap()));
        // the same seed gives the same answer
        assert_eq!(v, instance(&schema, 7, 0));
        // the seed is the task id's first 8 bytes: any value, so it wraps, never overflows
        let v = instance(&schema, u64::MAX, 0);
        assert_eq!(v["timeline"].as_array().unwrap().len(), 3);
    }
}
