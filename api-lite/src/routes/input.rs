//! Request input shared by the create endpoints: required and optional text.

use crate::error::ApiError;

/// The longest text a user may store in each kind of field, in characters (a text column
/// grows the database and every read of it; none is unbounded). Template bodies are counted
/// in bytes ([`MAX_BODY_BYTES`]).
pub mod limits {
    /// Names, labels, slugs, sender names.
    pub const NAME: usize = 200;
    /// An email subject line (RFC 5322's line length).
    pub const SUBJECT: usize = 998;
    /// Descriptions.
    pub const DESCRIPTION: usize = 2_000;
    /// An email address (RFC 5321's path length).
    pub const EMAIL: usize = 254;
    /// A job's `dedupe_key`.
    pub const DEDUPE_KEY: usize = 200;
}

/// The largest template body (`html_body`, `text_body`) accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Checks `value` against `max` characters (a 422 naming `field` when longer).
pub fn bounded(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.contains('\0') {
        return Err(ApiError::Unprocessable(format!(
            "`{field}` must not contain a NUL character"
        )));
    }
    if value.len() > max && value.chars().count() > max {
        return Err(ApiError::Unprocessable(format!(
            "`{field}` is longer than {max} characters"
        )));
    }
    Ok(())
}

/// A required text field of at most `max` characters, trimmed; empty, too long or holding a
/// NUL is a 422 naming `field`.
pub fn required(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::Unprocessable(format!(
            "`{field}` must not be empty"
        )));
    }
    bounded(field, value, max)?;
    Ok(value.to_owned())
}

/// An optional text field of at most `max` characters, trimmed; empty counts as absent.
pub fn optional(
    field: &str,
    value: Option<String>,
    max: usize,
) -> Result<Option<String>, ApiError> {
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    if let Some(v) = &value {
        bounded(field, v, max)?;
    }
    Ok(value)
}

/// An optional body of at most [`MAX_BODY_BYTES`], stored exactly as sent.
pub fn body(field: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    if let Some(v) = &value {
        if v.len() > MAX_BODY_BYTES {
            return Err(ApiError::Unprocessable(format!(
                "`{field}` is longer than {MAX_BODY_BYTES} bytes"
            )));
        }
        bounded(field, v, MAX_BODY_BYTES)?;
    }
    Ok(value)
}
