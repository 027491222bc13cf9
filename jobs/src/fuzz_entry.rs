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
