//! The JSON the API answers with, as types: the schemas of the OpenAPI document
//! ([`crate::openapi`]), one file per resource.
//!
//! Most handlers build their JSON in SQL (`jsonb_build_object`) or with `json!`, so these
//! types are never built: they describe what the routes return, key for key (every key is
//! present; `null` where the column or value may be absent). The schemathesis run of the test
//! suite (`tests/tests/openapi.rs`) checks every response it gets against them.
#![allow(dead_code)]

pub mod analytics;
pub mod audit;
pub mod campaigns;
pub mod common;
pub mod content;
pub mod gdpr;
pub mod health;
pub mod jobs;
pub mod lists;
pub mod ops;
pub mod words;
