//! The debug binaries as child processes, with their output kept in `target/test-logs/`.

use std::path::PathBuf;

pub use reachly_testkit::Proc;
use reachly_testkit::services::{Binaries, log_dir, profile_dir};

/// A free TCP port on loopback (bound, then released).
pub fn free_port() -> u16 {
    reachly_testkit::free_port().expect("a free port")
}

/// Where the tests find the binaries (built by `cargo build --bins` before the tests run)
/// and put their logs.
pub fn binaries() -> Binaries {
    Binaries {
        dir: profile_dir("debug"),
        log_dir: logs(),
    }
}

/// `target/test-logs`.
pub fn logs() -> PathBuf {
    log_dir("test-logs")
}

/// `target/test-output/<test>/`, created: where a test keeps what it produces for people to
/// look at (screenshots), never committed.
pub fn output_dir(test: &str) -> PathBuf {
    let dir = log_dir("test-output").join(test);
    std::fs::create_dir_all(&dir).expect("creating the test's output directory");
    dir
}
