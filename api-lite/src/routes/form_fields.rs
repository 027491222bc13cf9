//! The fields of a landing-page form: their types and the rules a field must pass before it
//! is stored (parse, don't validate: only a [`FormField`] reaches the database).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Most fields one form may have.
pub const MAX_FIELDS: usize = 100;

/// What a form field holds: the engine's own type (the simulator fills answers by it), so
/// the form endpoints, the lead filters and the send job agree on the list.
pub use reachly_jobs::simulate::FieldType;

/// A field as clients send it, before any rule is checked.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldInput {
    /// Usable as a JSON key, a CSV column and a query parameter; unique in the form.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,62}$")]
    pub key: String,
    /// At most 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub label: String,
    #[schema(value_type = crate::shapes::words::FieldType)]
    pub field_type: String,
    #[serde(default)]
    pub required: bool,
    /// The choices of a `select` field (required there, 1 to 200 distinct strings); refused
    /// for any other type.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub options: Option<Value>,
}

/// A field that passed every rule; serialized as the rows `form_fields` gets.
#[derive(Debug, PartialEq, Serialize)]
pub struct FormField {
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    pub required: bool,
    /// The choices of a `select` field (non-empty, distinct); `None` for any other type.
    pub options: Option<Vec<String>>,
}

/// The most characters of a label or a select option: a name's.
const MAX_TEXT_CHARS: usize = super::input::limits::NAME;
/// The most options of a select field.
const MAX_OPTIONS: usize = 200;

/// `^[a-z][a-z0-9_]{0,62}$`: usable as a JSON key, a CSV column and a query parameter.
pub fn valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    key.len() <= 63
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Checks every field (in order; the first failure wins, naming `fields[i]`): keys match
/// [`valid_key`] and are distinct, labels are not empty, types are known, a `select` has
/// non-empty distinct string options and no other type has options.
pub fn parse_fields(input: Vec<FieldInput>) -> Result<Vec<FormField>, String> {
    if input.is_empty() {
        return Err("a form needs at least one field".into());
    }
    if input.len() > MAX_FIELDS {
        return Err(format!("a form has at most {MAX_FIELDS} fields"));
    }
    let mut fields: Vec<FormField> = Vec::with_capacity(input.len());
    for (i, field) in input.into_iter().enumerate() {
        let at = format!("fields[{i}]");
        if !valid_key(&field.key) {
            return Err(format!(
                "{at}.key {:?} must match ^[a-z][a-z0-9_]{{0,62}}$",
                field.key
            ));
        }
        if fields.iter().any(|f| f.key == field.key) {
            return Err(format!("{at}.key {:?} is used twice", field.key));
        }
        let label = field.label.trim();
        if label.is_empty() {
            return Err(format!("{at}.label must not be empty"));
        }
        if label.chars().count() > MAX_TEXT_CHARS {
            return Err(format!(
                "{at}.label is longer than {MAX_TEXT_CHARS} characters"
            ));
        }
        let field_type = FieldType::parse(&field.field_type).ok_or_else(|| {
            let known: Vec<&str> = FieldType::ALL.iter().map(|t| t.as_str()).collect();
            format!(
                "{at}.field_type {:?} is not one of {}",
                field.field_type,
                known.join(", ")
            )
        })?;
        let options = options(field_type, field.options).map_err(|e| format!("{at}.{e}"))?;
        fields.push(FormField {
            key: field.key,
            label: label.to_owned(),
            field_type,
            required: field.required,
            options,
        });
    }
    Ok(fields)
}

/// The options of one field: required for `select`, refused for every other type.
fn options(field_type: FieldType, raw: Option<Value>) -> Result<Option<Vec<String>>, String> {
    match (field_type, raw) {
        (FieldType::Select, None | Some(Value::Null)) => {
            Err("options are required for a select field".into())
        }
        (FieldType::Select, Some(Value::Array(items))) => {
            if items.is_empty() {
                return Err("options must not be empty".into());
            }
            if items.len() > MAX_OPTIONS {
                return Err(format!("options has more than {MAX_OPTIONS} entries"));
            }
            let mut options: Vec<String> = Vec::with_capacity(items.len());
            for item in items {
                let Value::String(option) = item else {
                    return Err("options must be strings".into());
                };
                if option.trim().is_empty() {
                    return Err("options must not be empty strings".into());
                }
                if option.chars().count() > MAX_TEXT_CHARS {
                    return Err(format!(
                        "options has an entry longer than {MAX_TEXT_CHARS} characters"
                    ));
                }
                if options.contains(&option) {
                    return Err(format!("options list {option:?} twice"));
                }
                options.push(option);
            }
            Ok(Some(options))
        }
        (FieldType::Select, Some(_)) => Err("options must be an array of strings".into()),
        (_, None | Some(Value::Null)) => Ok(None),
        (other, Some(_)) => Err(format!(
            "options are only for select fields, not {}",
            other.as_str()
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn input(value: Value) -> Vec<FieldInput> {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn keys_follow_the_pattern() {
        for ok in ["a", "plan", "zip_code", "a1", &"a".repeat(63)] {
            assert!(valid_key(ok), "{ok}");
        }
        for bad in ["", "1a", "_a", "Plan", "a-b", "a b", "é", &"a".repeat(64)] {
            assert!(!valid_key(bad), "{bad}");
        }
    }

    #[test]
    fn fields_keep_their_order_and_select_options() {
        let fields = parse_fields(input(json!([
            {"key": "email", "label": "Email", "field_type": "email", "required": true},
            {"key": "plan", "label": " Plan ", "field_type": "select", "options": ["gold", "silver"]},
            {"key": "smoker", "label": "Smoker", "field_type": "checkbox", "options": null},
        ])))
        .unwrap();
        assert_eq!(fields.len(), 3);
        assert_eq!(fields[0].key, "email");
        assert!(fields[0].required);
        assert_eq!(fields[1].label, "Plan");
        assert_eq!(
            fields[1].options,
            Some(vec!["gold".into(), "silver".into()])
        );
        assert_eq!(fields[2].field_type, FieldType::Checkbox);
        assert_eq!(fields[2].options, None);
    }

    #[test]
    fn bad_fields_are_refused_with_their_position() {
        let cases = [
            (json!([]), "at least one field"),
            (
                json!([{"key": "A", "label": "a", "field_type": "text"}]),
                "fields[0].key",
            ),
            (
                json!([{"key": "a", "label": "a", "field_type": "text"},
                       {"key": "a", "label": "b", "field_type": "text"}]),
                "fields[1].key \"a\" is used twice",
            ),
            (
                json!([{"key": "a", "label": " ", "field_type": "text"}]),
                "label",
            ),
            (
                json!([{"key": "a", "label": "a", "field_type": "color"}]),
                "field_type \"color\"",
            ),
            (
                json!([{"key": "a", "label": "a", "field_type": "select"}]),
                "required for a select",
            ),
            (
                json!([{"key": "a", "label": "a", "field_type": "select", "options": []}]),
                "must not be empty",
            ),
            (
                json!([{"key": "a", "label": "a", "field_type": "select", "options": [1]}]),
                "strings",
            ),
            (
                json!([{"key": "a", "label": "a", "field_type": "select", "options": "x"}]),
                "array",
            ),
            (
                json!([{"key": "a", "label": "a", "field_type": "select", "options": ["x", "x"]}]),
                "twice",
            ),
            (
                json!([{"key": "a", "label": "a", "field_type": "text", "options": ["x"]}]),
                "only for select",
            ),
        ];
        for (fields, expected) in cases {
            let error = parse_fields(input(fields.clone())).unwrap_err();
            assert!(error.contains(expected), "{fields}: {error}");
        }
    }
}
