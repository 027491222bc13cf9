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

/// A fuzz entry point: arbitrary bytes in, a panic on a broken invariant.
type Entry = fn(&[u8]);

/// Every target's committed seeds, through its entry point.
#[test]
fn seeds_replay() {
    let targets: [(&str, Entry); 3] = [
        ("csv_reader", reachly_jobs::fuzz_entry::csv_reader),
        ("address", reachly_jobs::fuzz_entry::address),
        ("lead_filters", reachly_jobs::fuzz_entry::lead_filters),
    ];
    for (target, entry) in targets {
        for (path, bytes) in seeds(target) {
            eprintln!("{}", path.display());
            entry(&bytes);
        }
    }
}
