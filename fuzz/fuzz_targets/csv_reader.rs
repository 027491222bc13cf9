//! The CSV reader and header mapper on arbitrary bytes ([`reachly_jobs::fuzz_entry::csv_reader`]).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| reachly_jobs::fuzz_entry::csv_reader(data));
