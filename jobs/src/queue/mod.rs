//! Job plumbing shared by every job kind: the durable record (`job_runs`), the kinds'
//! registry, submission, the attempt lifecycle, operators' transitions, the feeder that
//! moves work into Redis, and the reaper. It knows kinds only through [`Job`]: no module
//! here imports a job or domain module. Every change of a `job_runs` row is made here.

pub mod acker;
pub mod backoff;
pub mod batch;
pub mod context;
pub mod control;
pub mod error;
pub mod error_text;
pub mod feeder;
pub mod filter;
pub mod job;
pub mod kind;
pub mod lifecycle;
pub mod reaper;
pub mod record;
pub mod registry;
pub mod retention;
pub mod runner;
pub mod services;
pub mod statistics;
pub mod stats;
pub mod submit;
pub mod throughput;
pub mod transport;

pub use context::JobContext;
pub use error::JobError;
pub use job::Job;
pub use kind::JobKind;
pub use record::{JobRun, JobStatus};
pub use registry::{KindError, KindSpec, Registry};
pub use services::Services;
pub use submit::{NewJob, SubmitError};
