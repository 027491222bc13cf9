//! The filters of a campaign's leads and of their CSV export, as the API's query string
//! carries them (its `cursor` and `limit` are the API's paging): `status` and any number of
//! `field.<key>=<value>` filters on the form response, which become one JSON object the
//! response must contain (`response_data @> {...}`, served by the GIN index). Parsed here,
//! apart from HTTP, so the fuzzer drives the same code (`crate::fuzz_entry::lead_filters`).

use serde_json::{Map, Number, Value};

use super::lead_status::LeadStatus;
use super::reads::LeadFilter;
use crate::simulate::FieldType;

/// Why a lead query is refused: a malformed parameter (`400`) or a filter the campaign's
/// form cannot answer (`422`).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum LeadQueryError {
    #[error("{0}")]
    Malformed(String),
    #[error("{0}")]
    Unanswerable(String),
}

/// The query string, parsed but not yet checked against the campaign's form.
#[derive(Debug, Default, PartialEq)]
pub struct LeadQuery {
    pub status: Option<LeadStatus>,
    /// `field.<key>=<value>` pairs as sent: (key, value).
    pub fields: Vec<(String, String)>,
}

impl LeadQuery {
    /// Reads the query's pairs; parameters other than these are ignored, like everywhere.
    pub fn parse(pairs: Vec<(String, String)>) -> Result<LeadQuery, LeadQueryError> {
        let mut query = LeadQuery::default();
        for (name, value) in pairs {
            if name.contains('\0') || value.contains('\0') {
                return Err(LeadQueryError::Malformed(format!(
                    "query parameter {:?} must not contain a NUL character",
                    name.replace('\0', "\\0")
                )));
            }
            if let Some(key) = name.strip_prefix("field.") {
                query.fields.push((key.to_owned(), value));
                continue;
            }
            if name == "status" {
                let status = LeadStatus::parse(&value).ok_or_else(|| {
                    let known: Vec<&str> = LeadStatus::ALL.iter().map(|s| s.as_str()).collect();
                    LeadQueryError::Malformed(format!(
                        "unknown status {value:?} (expected one of {})",
                        known.join(", ")
                    ))
                })?;
                query.status = Some(status);
            }
        }
        Ok(query)
    }

    /// Types the field filters by the form's fields (`fields`: key and type): a checkbox
    /// matches `true`/`false` as JSON booleans, a number field a JSON number, anything else
    /// the text as sent. An unknown key, a key given twice or a value that is not of its
    /// field's type is a 422.
    pub fn filter(&self, fields: &[(String, FieldType)]) -> Result<LeadFilter, LeadQueryError> {
        let mut response = Map::new();
        for (key, raw) in &self.fields {
            let field_type = fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, t)| *t)
                .ok_or_else(|| {
                    let known: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
                    LeadQueryError::Unanswerable(format!(
                        "field.{key}: the campaign's form has no field {key:?} (it has: {})",
                        if known.is_empty() {
                            "none".to_owned()
                        } else {
                            known.join(", ")
                        }
                    ))
                })?;
            let value = typed(field_type, raw)
                .map_err(|e| LeadQueryError::Unanswerable(format!("field.{key}: {e}")))?;
            if response.insert(key.clone(), value).is_some() {
                return Err(LeadQueryError::Unanswerable(format!(
                    "field.{key} is given more than once"
                )));
            }
        }
        Ok(LeadFilter {
            status: self.status,
            response: (!response.is_empty()).then_some(Value::Object(response)),
        })
    }
}

/// The JSON value a form response holds for `raw` in a field of `field_type`.
fn typed(field_type: FieldType, raw: &str) -> Result<Value, String> {
    match field_type {
        FieldType::Checkbox => match raw {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("a checkbox is true or false, not {raw:?}")),
        },
        FieldType::Number => raw
            .parse::<i64>()
            .map(Number::from)
            .ok()
            .or_else(|| raw.parse::<f64>().ok().and_then(Number::from_f64))
            .map(Value::Number)
            .ok_or_else(|| format!("{raw:?} is not a number")),
        _ => Ok(Value::String(raw.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pairs(raw: &[(&str, &str)]) -> Vec<(String, String)> {
        raw.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn form() -> Vec<(String, FieldType)> {
        vec![
            ("plan".into(), FieldType::Select),
            ("smoker".into(), FieldType::Checkbox),
            ("age".into(), FieldType::Number),
        ]
    }

    #[test]
    fn field_filters_become_one_typed_object() {
        let query = LeadQuery::parse(pairs(&[
            ("status", "new"),
            ("field.plan", "gold"),
            ("field.smoker", "false"),
            ("field.age", "42"),
            ("limit", "5"),
            ("other", "ignored"),
        ]))
        .unwrap();
        let filter = query.filter(&form()).unwrap();
        assert_eq!(filter.status, Some(LeadStatus::New));
        assert_eq!(
            filter.response,
            Some(json!({"plan": "gold", "smoker": false, "age": 42}))
        );
        let decimal = LeadQuery::parse(pairs(&[("field.age", "42.5")])).unwrap();
        assert_eq!(
            decimal.filter(&form()).unwrap().response,
            Some(json!({"age": 42.5}))
        );
    }

    #[test]
    fn no_field_filter_means_no_containment() {
        let query = LeadQuery::parse(vec![]).unwrap();
        assert_eq!(query.filter(&[]).unwrap(), LeadFilter::default());
    }

    #[test]
    fn wrong_filters_are_refused() {
        assert!(LeadQuery::parse(pairs(&[("status", "won")])).is_err());
        for bad in [
            &[("field.color", "red")][..],
            &[("field.smoker", "yes")],
            &[("field.age", "old")],
            &[("field.plan", "gold"), ("field.plan", "silver")],
        ] {
            let query = LeadQuery::parse(pairs(bad)).unwrap();
            assert!(query.filter(&form()).is_err(), "{bad:?}");
        }
    }
}
