//! The leads query's status and form-field filters on arbitrary bytes
//! ([`reachly_jobs::fuzz_entry::lead_filters`]).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| reachly_jobs::fuzz_entry::lead_filters(data));
