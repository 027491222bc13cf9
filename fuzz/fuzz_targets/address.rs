//! The address normalizer, syntax check and classifier on arbitrary bytes
//! ([`reachly_jobs::fuzz_entry::address`]).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| reachly_jobs::fuzz_entry::address(data));
