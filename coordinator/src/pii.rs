//! `strip_pii` (white paper §4.3 `privacy.strip_pii`): remove e-mail addresses, phone
//! numbers, card numbers, IBANs and personal names before anything leaves the machine.
//!
//! Detection uses the `pii` crate's analyzer and anonymizer with these recognisers:
//!
//! | kind | recogniser | check |
//! |---|---|---|
//! | e-mail, card | the `pii` crate's own | cards must pass the Luhn check |
//! | phone | the `pii` crate's (digits, spaces, dashes, brackets) and one for dotted numbers (`+1.415.555.2671`, `01.42.68.53.00`) | dotted candidates must be valid numbers for [`PHONE_REGIONS`] by `phonenumber` (Google's libphonenumber metadata), so dates and versions are not phones |
//! | IBAN | candidates in electronic or print format (`DE44 5001 0517 5407 3249 31`) | `iban_validate`: country format and ISO 7064 mod-97 checksum |
//! | name | a dictionary of given names (`data/given-names.txt`) widened to the surname after it; honorifics (`Dr. Okafor`); and 1–3 capitalised words after a person cue (`contact`, `by`, `from`, `customer`, `Dear`, `name:` …) | months, weekdays and sentence words after a cue are not names |
//!
//! Why no NER model: the `pii` crate's NER recogniser (feature `candle-ner`) downloads a
//! BERT model from the Hugging Face hub at run time, which a coordinator that must keep
//! requests on the machine cannot rely on, and a 100+ MB model is a heavy price next to a
//! 135M-parameter planner. The cue recogniser catches names the dictionary lacks in the
//! places requests put them (who reported, whom to contact, who is the customer); a name
//! with no cue, no honorific and no known given name is still missed — pass `--private`
//! when a request is full of them.

use std::{collections::HashMap, sync::Arc, sync::OnceLock};

use pii::{
    Analyzer, PolicyConfig,
    anonymize::{AnonymizeConfig, Anonymizer, Operator},
    nlp::SimpleNlpEngine,
    recognizers::{
        Recognizer, dictionary::DictionaryRecognizer, regex::RegexRecognizer,
        validator::ValidatorRecognizer,
    },
    types::{Detection, DetectionExplanation, EntityType, Language, NlpArtifacts},
};

const GIVEN_NAMES: &str = include_str!("../data/given-names.txt");

/// What was removed, by kind.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Stripped {
    /// The text with each finding replaced by `<EMAIL>`, `<PHONE>`, `<CARD>`, `<IBAN>` or
    /// `<NAME>`.
    pub text: String,
    /// `(kind, original)` for each replaced span, in order.
    pub removed: Vec<(String, String)>,
}

/// Errors of PII detection.
#[derive(Debug, thiserror::Error)]
pub enum PiiError {
    /// The `pii` crate failed.
    #[error("PII analysis failed")]
    Analyze(#[source] pii::PiiError),
}

/// Regions whose national numbers a dotted phone candidate without `+` is tried in: NANP
/// (`415.555.2671`), France (`01.42.68.53.00`), the UK, Germany, Belgium, Switzerland and
/// Italy, where dotted numbers are common.
pub const PHONE_REGIONS: [phonenumber::country::Id; 7] = {
    use phonenumber::country::Id::*;
    [US, FR, GB, DE, BE, CH, IT]
};

/// Whether `candidate` (with dots) is a valid phone number (libphonenumber metadata).
fn valid_dotted_phone(candidate: &str) -> bool {
    if !candidate.contains('.') {
        return false;
    }
    // four dot-separated groups of ≤ 3 digits is an IPv4 address, not a phone
    let groups: Vec<&str> = candidate.split('.').collect();
    if groups.len() == 4 && groups.iter().all(|g| (1..=3).contains(&g.len())) {
        return false;
    }
    // a date (`14.11.2026`, `1.2.26`) is not a phone
    if groups.len() == 3 && groups[0].len() <= 2 && groups[1].len() <= 2 {
        return false;
    }
    // national numbers of the regions tried have 9–10 digits; E.164 at most 15
    let digits = candidate.bytes().filter(u8::is_ascii_digit).count();
    let min = if candidate.starts_with('+') { 8 } else { 9 };
    if !(min..=15).contains(&digits) {
        return false;
    }
    if candidate.starts_with('+') {
        return phonenumber::parse(None, candidate).is_ok_and(|n| phonenumber::is_valid(&n));
    }
    PHONE_REGIONS
        .iter()
        .any(|r| phonenumber::parse(Some(*r), candidate).is_ok_and(|n| phonenumber::is_valid(&n)))
}

/// Whether `candidate` is an IBAN (country format and mod-97 checksum, `iban_validate`).
fn valid_iban(candidate: &str) -> bool {
    candidate.trim().parse::<iban::Iban>().is_ok()
}

/// Words after a cue that are not names (sentence words, months, weekdays).
const NOT_NAMES: &[&str] = &[
    "The",
    "This",
    "That",
    "These",
    "Those",
    "It",
    "We",
    "Our",
    "Your",
    "Their",
    "His",
    "Her",
    "A",
    "An",
    "All",
    "Any",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Today",
    "Tomorrow",
    "Yesterday",
    "Support",
    "Team",
    "Customer",
    "Customers",
    "Engineering",
    "Sales",
    "Finance",
    "Legal",
];

/// Names after a person cue: `contact Wanjiru Kamau`, `reported by Siobhán O'Neill`,
/// `customer: Tomasz Wójcik`, `Dear Ngozi`.
#[derive(Debug)]
struct CueNameRecognizer {
    re: regex::Regex,
}

impl CueNameRecognizer {
    fn new() -> Result<Self, regex::Error> {
        let cue = r"(?i:\b(?:contact(?:ed)?|call(?:ed)?|email(?:ed)?|e-mail(?:ed)?|by|from|cc|attn|dear|hi|hello|thanks|customer|client|patient|employee|colleague|manager|engineer|owner|reporter|assignee|author|signed|regards|named|name|user|tenant|applicant))";
        // `Wanjiru`, `O'Neill`, `McDonald`, `Siobhán`; not `AWS`
        let word = r"\p{Lu}(?:['’\-]?\p{Lu}?\p{Ll}+)+";
        let particle = r"(?:(?:van|von|de|da|del|der|di|du|le|la|bin|al|ten|ter)\s+)?";
        let pattern = format!(r"{cue}\s*[:,]?\s+({word}(?:\s+{particle}{word}){{0,2}})");
        Ok(Self {
            re: regex::Regex::new(&pattern)?,
        })
    }
}

impl Recognizer for CueNameRecognizer {
    fn name(&self) -> &str {
        "cue_name"
    }

    fn supported_entities(&self) -> &[EntityType] {
        &[EntityType::Person]
    }

    fn analyze(&self, text: &str, _artifacts: &NlpArtifacts) -> Vec<Detection> {
        self.re
            .captures_iter(text)
            .filter_map(|c| c.get(1))
            .filter_map(|m| {
                // drop leading non-names ("by The Times" is not a person)
                let first = m.as_str().split_whitespace().next()?;
                if NOT_NAMES.contains(&first) {
                    return None;
                }
                Some(Detection {
                    entity_type: EntityType::Person,
                    start: m.start(),
                    end: m.end(),
                    score: 0.8,
                    recognizer: "cue_name".into(),
                    explanation: DetectionExplanation::Regex {
                        pattern_name: "person cue".into(),
                    },
                })
            })
            .collect()
    }
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
        if let Ok(r) = ValidatorRecognizer::new(
            "dotted_phone",
            EntityType::Phone,
            r"\+?\(?\d{1,4}\)?(?:[.\s]\(?\d{1,4}\)?){2,6}",
            0.7,
            "phonenumber",
            Arc::new(valid_dotted_phone),
        ) {
            recognizers.push(Box::new(r));
        }
        if let Ok(r) = ValidatorRecognizer::new(
            "iban",
            EntityType::Iban,
            r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b",
            0.9,
            "iban_validate",
            Arc::new(valid_iban),
        ) {
            recognizers.push(Box::new(r));
        }
        if let Ok(r) = CueNameRecognizer::new() {
            recognizers.push(Box::new(r));
        }
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
        .map_err(PiiError::Analyze)?;
    let mut entities: Vec<Detection> = result.entities;
    for d in &mut entities {
        if d.entity_type == EntityType::Person && d.recognizer != "cue_name" {
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
        (EntityType::Iban, "<IBAN>"),
        (EntityType::Person, "<NAME>"),
    ] {
        per.insert(
            e.as_str().to_owned(),
            Operator::Replace { with: with.into() },
        );
    }
    config.per_entity = per;
    let out = Anonymizer::anonymize(text, &kept, &config).map_err(PiiError::Analyze)?;
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
        EntityType::Iban => "iban",
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

    /// Regression (issue 12): names outside the given-name list, dot-separated phone
    /// numbers and IBANs went out unredacted.
    #[test]
    fn strips_unlisted_names_dotted_phones_and_ibans() {
        let text = "Complaint reported by Wanjiru Kamau; contact Siobhán O'Neill on \
                    +1.415.555.2671 or 01.42.68.53.00. Refund to IBAN DE44 5001 0517 5407 3249 31 \
                    or GB82WEST12345698765432. Deploy 1.4.2 went out on 14.11.2026 from 10.0.0.12.";
        let s = strip_pii(text).unwrap();
        for planted in [
            "Wanjiru",
            "Kamau",
            "Siobhán",
            "O'Neill",
            "415.555.2671",
            "01.42.68.53.00",
            "DE44 5001",
            "GB82WEST",
        ] {
            assert!(!s.text.contains(planted), "{planted} leaked: {}", s.text);
        }
        assert!(
            s.text.contains("<IBAN>") && s.text.contains("<PHONE>"),
            "{}",
            s.text
        );
        let kinds: Vec<&str> = s.removed.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            kinds.iter().filter(|k| **k == "iban").count(),
            2,
            "{kinds:?}"
        );
        // versions, dates and IP addresses are not phone numbers
        for kept in ["1.4.2", "14.11.2026", "10.0.0.12"] {
            assert!(s.text.contains(kept), "{kept} removed: {}", s.text);
        }
        // a cue before a month or a sentence word is not a name
        let t = "Fixed by March; reported by The on-call rota.";
        assert_eq!(strip_pii(t).unwrap().text, t);
    }

    /// The main job's report holds no personal data: the new recognisers must not eat it.
    #[test]
    fn the_incident_report_is_left_alone() {
        let report = include_str!("../../examples/incident-report.txt");
        let s = strip_pii(report).unwrap();
        assert!(s.removed.is_empty(), "{:?}", s.removed);
    }

    #[test]
    fn leaves_clean_text_alone_and_refuses_non_luhn_cards() {
        let t = "Summarise the outage timeline and list three follow-ups.";
        assert_eq!(strip_pii(t).unwrap().text, t);
    }
}
