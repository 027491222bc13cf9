//! Replays every committed fuzz seed (`fuzz/seeds/<target>/*`) through the same entry point
//! the fuzzer drives, so a crash once found stays fixed without nightly Rust.

use std::path::PathBuf;

fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/seeds")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {}", dir.display());
    files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

#[test]
fn csv_reader_seeds_replay() {
    for (path, bytes) in seeds("csv_reader") {
        eprintln!("{}", path.display());
        reachly_jobs::fuzz_entry::csv_reader(&bytes);
    }
}

#[test]
fn address_seeds_replay() {
    for (path, bytes) in seeds("address") {
        eprintln!("{}", path.display());
        reachly_jobs::fuzz_entry::address(&bytes);
    }
}
