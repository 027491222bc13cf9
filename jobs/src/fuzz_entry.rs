//! The entry points the fuzzers drive (`fuzz/`, cargo fuzz on nightly), kept here so the
//! regular test suite replays the committed seeds through exactly the same code
//! (`tests/tests/fuzz_seeds.rs`). Each takes arbitrary bytes and must neither panic nor run
//! longer than linear in its input.

use crate::import::{self, CsvLimits};
use crate::validate::{classify, special_use, syntax};

/// Bounds small enough that the fuzzer reaches them often.
const FUZZ_LIMITS: CsvLimits = CsvLimits {
    max_columns: 64,
    max_field_bytes: 256,
};

/// Reads `data` as an uploaded CSV file to its end: encoding and delimiter sniffing, header
/// mapping, every row. Counts must add up: every non-blank record is one row or one
/// unparseable row.
pub fn csv_reader(data: &[u8]) {
    let Ok(mut csv) = import::open_with(data, FUZZ_LIMITS) else {
        return;
    };
    let mut outcomes = 0_u64;
    for _ in csv.by_ref() {
        outcomes += 1;
    }
    if let Ok(summary) = csv.finish() {
        assert_eq!(summary.counts.rows + summary.counts.unparseable, outcomes);
    }
}

/// Normalizes, checks and classifies `data` as an address (without DNS), and checks that
/// what parses is stable: parsing its own output gives the same address.
pub fn address(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = syntax::parse(raw);
    let classification = classify(&parsed, None, None);
    assert!(classification.risk_score <= 100);
    if let Ok(email) = &parsed {
        let again = syntax::parse(&email.to_string()).expect("a parsed address parses again");
        assert_eq!(again.to_string(), email.to_string());
        let _ = special_use::special_use(email.domain(), false);
    }
}

/// Reads `data` as a leads query string (`status=…&field.<key>=…`, split on `&` and the first
/// `=`, no percent-decoding: the API's extractor has decoded by then) and types its field
/// filters by a form with a field of every type. What is accepted names only the form's
/// fields, each once, with a value of its type.
pub fn lead_filters(data: &[u8]) {
    use crate::campaigns::lead_query::LeadQuery;
    use crate::simulate::FieldType;

    let text = String::from_utf8_lossy(data);
    let pairs: Vec<(String, String)> = text
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => (name.to_owned(), value.to_owned()),
            None => (pair.to_owned(), String::new()),
        })
        .collect();
    let Ok(query) = LeadQuery::parse(pairs) else {
        return;
    };
    let form: Vec<(String, FieldType)> = FieldType::ALL
        .iter()
        .map(|t| (t.as_str().to_owned(), *t))
        .collect();
    let Ok(filter) = query.filter(&form) else {
        return;
    };
    if let Some(serde_json::Value::Object(response)) = &filter.response {
        for (key, value) in response {
            let (_, field_type) = form.iter().find(|(k, _)| k == key).expect("a form field");
            match field_type {
                FieldType::Checkbox => assert!(value.is_boolean()),
                FieldType::Number => assert!(value.is_number()),
                _ => assert!(value.is_string()),
            }
        }
    }
}
