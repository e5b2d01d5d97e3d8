//! `strip_pii` (white paper §4.3 `privacy.strip_pii`): remove e-mail addresses, phone
//! numbers, card numbers and personal names before anything leaves the machine.
//!
//! Detection uses the `pii` crate (regex + validator recognisers — card numbers must pass
//! the Luhn check — and an Aho–Corasick dictionary recogniser). No NER model can be fetched
//! here, so names are found by a dictionary of given names (`data/given-names.txt`, extend
//! it), extended to the capitalised surname that follows, plus honorific forms ("Dr. Okafor",
//! "Ms Lee"). Limits: a name outside the dictionary without an honorific is not found.

use std::{collections::HashMap, sync::OnceLock};

use pii::{
    Analyzer, PolicyConfig,
    anonymize::{AnonymizeConfig, Anonymizer, Operator},
    nlp::SimpleNlpEngine,
    recognizers::{Recognizer, dictionary::DictionaryRecognizer, regex::RegexRecognizer},
    types::{Detection, EntityType, Language},
};

const GIVEN_NAMES: &str = include_str!("../data/given-names.txt");

/// What was removed, by kind.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Stripped {
    /// The text with each finding replaced by `<EMAIL>`, `<PHONE>`, `<CARD>` or `<NAME>`.
    pub text: String,
    /// `(kind, original)` for each replaced span, in order.
    pub removed: Vec<(String, String)>,
}

/// Errors of PII detection.
#[derive(Debug, thiserror::Error)]
pub enum PiiError {
    /// The `pii` crate failed.
    #[error("PII analysis failed: {0}")]
    Analyze(String),
}

fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(|| {
        let names: Vec<String> = GIVEN_NAMES
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect();
        let mut recognizers: Vec<Box<dyn Recognizer>> = pii::default_recognizers()
            .into_iter()
            .filter(|r| {
                r.supported_entities().iter().any(|e| {
                    matches!(
                        e,
                        EntityType::Email | EntityType::Phone | EntityType::CreditCard
                    )
                })
            })
            .collect();
        recognizers.push(Box::new(DictionaryRecognizer::new(
            "given_names",
            EntityType::Person,
            &names,
            0.75,
            "given-names.txt",
            false,
        )));
        if let Ok(r) = RegexRecognizer::new(
            "honorific_name",
            EntityType::Person,
            r"\b(?:Mr|Mrs|Ms|Mx|Dr|Prof)\.?\s+[A-Z][a-zA-Z'\-]+(?:\s+[A-Z][a-zA-Z'\-]+)?",
            0.8,
            "honorific",
        ) {
            recognizers.push(Box::new(r));
        }
        Analyzer::new(
            Box::new(SimpleNlpEngine::default()),
            recognizers,
            Vec::new(),
            PolicyConfig::default(),
        )
    })
}

/// Widen a dictionary name match to a whole word and the capitalised surname after it.
fn widen_name(text: &str, d: &mut Detection) {
    let bytes = text.as_bytes();
    // only whole words: "Mark" in "Markets" is not a name
    let starts_word = d.start == 0 || !bytes[d.start - 1].is_ascii_alphanumeric();
    let ends_word = d.end >= bytes.len() || !bytes[d.end].is_ascii_alphanumeric();
    if !(starts_word && ends_word) {
        d.score = 0.0;
        return;
    }
    let rest = &text[d.end..];
    let trimmed = rest.trim_start_matches(' ');
    let gap = rest.len() - trimmed.len();
    if gap == 1 {
        let word: String = trimmed
            .chars()
            .take_while(|c| c.is_alphabetic() || *c == '\'' || *c == '-')
            .collect();
        if word.chars().next().is_some_and(char::is_uppercase) && word.len() > 1 {
            d.end += gap + word.len();
        }
    }
}

/// Remove personal data from `text` (module docs).
///
/// # Errors
/// [`PiiError::Analyze`] if the detector fails.
pub fn strip_pii(text: &str) -> Result<Stripped, PiiError> {
    let result = analyzer()
        .analyze(text, &Language::from("en"))
        .map_err(|e| PiiError::Analyze(e.to_string()))?;
    let mut entities: Vec<Detection> = result.entities;
    for d in &mut entities {
        if d.entity_type == EntityType::Person {
            widen_name(text, d);
        }
    }
    entities.retain(|d| d.score > 0.0);
    entities.sort_by_key(|d| (d.start, std::cmp::Reverse(d.end)));
    // drop overlaps (keep the earliest, longest)
    let mut kept: Vec<Detection> = Vec::new();
    for d in entities {
        if kept.last().is_none_or(|k| d.start >= k.end) {
            kept.push(d);
        }
    }
    let removed = kept
        .iter()
        .map(|d| {
            (
                label(&d.entity_type).to_owned(),
                text[d.start..d.end].to_owned(),
            )
        })
        .collect();
    let mut config = AnonymizeConfig::default();
    let mut per: HashMap<String, Operator> = HashMap::new();
    for (e, with) in [
        (EntityType::Email, "<EMAIL>"),
        (EntityType::Phone, "<PHONE>"),
        (EntityType::CreditCard, "<CARD>"),
        (EntityType::Person, "<NAME>"),
    ] {
        per.insert(
            e.as_str().to_owned(),
            Operator::Replace { with: with.into() },
        );
    }
    config.per_entity = per;
    let out = Anonymizer::anonymize(text, &kept, &config)
        .map_err(|e| PiiError::Analyze(e.to_string()))?;
    Ok(Stripped {
        text: out.text,
        removed,
    })
}

fn label(e: &EntityType) -> &'static str {
    match e {
        EntityType::Email => "email",
        EntityType::Phone => "phone",
        EntityType::CreditCard => "card",
        EntityType::Person => "name",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_planted_details() {
        let text = "Call Maria Okafor on +44 20 7946 0958 or mail maria.okafor@example.org; \
                    refund card 4111 1111 1111 1111. Dr. Brennan approved. Markets rallied.";
        let s = strip_pii(text).unwrap();
        for planted in [
            "Maria",
            "Okafor",
            "7946",
            "maria.okafor@example.org",
            "4111",
            "Brennan",
        ] {
            assert!(!s.text.contains(planted), "{planted} leaked: {}", s.text);
        }
        assert!(s.text.contains("Markets rallied"), "{}", s.text);
        assert!(
            s.text.contains("<EMAIL>") && s.text.contains("<NAME>"),
            "{}",
            s.text
        );
    }

    #[test]
    fn leaves_clean_text_alone_and_refuses_non_luhn_cards() {
        let t = "Summarise the outage timeline and list three follow-ups.";
        assert_eq!(strip_pii(t).unwrap().text, t);
    }
}
