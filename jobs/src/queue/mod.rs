//! Job plumbing shared by every job kind: the durable record (`job_runs`), submission,
//! the attempt lifecycle, the feeder that moves work into Redis, and the reaper.

pub mod acker;
pub mod backoff;
pub mod batch;
pub mod error_text;
pub mod feeder;
pub mod kind;
pub mod lifecycle;
pub mod reaper;
pub mod record;
pub mod retention;
pub mod runner;
pub mod submit;
pub mod transport;

pub use kind::JobKind;
pub use record::{JobRun, JobStatus};
pub use submit::{NewJob, SubmitError};
