//! What the simulator is told about the campaign and each recipient (its inputs).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The campaign-wide inputs of a simulation: the seed (`email_send_simulations.seed`) and
/// id make the randomness, `launched_at` anchors every timestamp, `form` (the campaign's
/// form, if any) decides whether clickers view and submit it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CampaignSim {
    pub seed: u64,
    pub campaign_id: Uuid,
    pub launched_at: DateTime<Utc>,
    pub form: Option<FormSpec>,
}

/// The campaign's form: where a clicker lands, and the fields a submission answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormSpec {
    pub form_id: Uuid,
    pub fields: Vec<FieldSpec>,
}

/// One `form_fields` row, as much as a simulated answer needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldSpec {
    /// The answer's key in `response_data`; also a hint for text fields ("company" gets a
    /// company name).
    pub key: String,
    pub field_type: FieldType,
    /// For `select`: a JSON array of strings (or of `{"value": ...}` objects).
    pub options: Option<serde_json::Value>,
    pub required: bool,
}

/// The kinds of form field (`form_fields.field_type`, a check constraint).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Text,
    Email,
    Phone,
    Date,
    Zip,
    Select,
    Checkbox,
    Number,
}

impl FieldType {
    pub const ALL: [FieldType; 8] = [
        FieldType::Text,
        FieldType::Email,
        FieldType::Phone,
        FieldType::Date,
        FieldType::Zip,
        FieldType::Select,
        FieldType::Checkbox,
        FieldType::Number,
    ];

    /// The database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Date => "date",
            FieldType::Zip => "zip",
            FieldType::Select => "select",
            FieldType::Checkbox => "checkbox",
            FieldType::Number => "number",
        }
    }

    /// The type a database spelling names (`None` for anything else).
    pub fn parse(s: &str) -> Option<FieldType> {
        FieldType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// One recipient: the contact's id (its randomness and event ids derive from it), what a
/// lead needs (email, names, phone) and whether it was validated as risky (bounces more).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recipient {
    pub contact_id: Uuid,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub risky: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_types_parse_their_database_spelling() {
        for t in FieldType::ALL {
            assert_eq!(FieldType::parse(t.as_str()), Some(t));
            assert_eq!(
                serde_json::to_value(t).unwrap(),
                serde_json::Value::from(t.as_str())
            );
        }
        assert_eq!(FieldType::parse("textarea"), None);
    }
}
