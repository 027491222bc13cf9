//! Plausible answers to a form, by field type (and, for text, by the field's key).

use std::fmt::Write as _;

use chrono::{DateTime, Days, Utc};
use serde_json::{Map, Value};

use super::campaign::{FieldSpec, FieldType};
use super::seed::SimRng;

const FIRST_NAMES: [&str; 40] = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Daniel",
    "Lisa",
    "Matthew",
    "Nancy",
    "Anthony",
    "Sandra",
    "Mark",
    "Ashley",
    "Steven",
    "Emily",
    "Andrew",
    "Michelle",
    "Joshua",
    "Amanda",
    "Kevin",
    "Melissa",
    "Brian",
    "Laura",
    "Jose",
    "Maria",
];

const LAST_NAMES: [&str; 40] = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
];

const COMPANIES: [&str; 20] = [
    "Acme Corp",
    "Northwind Traders",
    "Blue Ridge Analytics",
    "Summit Logistics",
    "Brightline Health",
    "Cedar & Pine Co.",
    "Harbor Financial",
    "Redwood Software",
    "Lakeside Dental",
    "Pioneer Manufacturing",
    "Evergreen Realty",
    "Keystone Legal",
    "Silverline Media",
    "Granite Construction Group",
    "Maple Street Bakery",
    "Atlas Consulting",
    "Bluewater Marine",
    "Crescent Hospitality",
    "Ironwood Fitness",
    "Orchard Learning",
];

const CITIES: [&str; 16] = [
    "Austin",
    "Denver",
    "Portland",
    "Columbus",
    "Charlotte",
    "Phoenix",
    "San Diego",
    "Nashville",
    "Seattle",
    "Chicago",
    "Boston",
    "Atlanta",
    "Minneapolis",
    "Raleigh",
    "Tampa",
    "Omaha",
];

const JOB_TITLES: [&str; 12] = [
    "Marketing Manager",
    "Owner",
    "Operations Director",
    "Software Engineer",
    "Office Manager",
    "Sales Representative",
    "Account Executive",
    "Head of Growth",
    "Consultant",
    "Teacher",
    "Nurse",
    "Product Manager",
];

const PHRASES: [&str; 16] = [
    "Looking forward to hearing from you",
    "Please send me more information",
    "Interested in a demo",
    "Saw this in your newsletter",
    "Call me after 5pm",
    "Referred by a friend",
    "Just browsing for now",
    "Need a quote for my team",
    "Is there a discount for nonprofits?",
    "Happy customer, want to upgrade",
    "Email is the best way to reach me",
    "Planning to buy next month",
    "Can you share pricing?",
    "Thanks!",
    "Questions about shipping",
    "Following up on our call",
];

/// Area codes in use across the US (a few per region).
const AREA_CODES: [u16; 20] = [
    212, 213, 305, 312, 404, 415, 469, 503, 512, 602, 617, 702, 713, 720, 801, 813, 901, 919, 206,
    773,
];

/// The identity a submission states: the recipient's where known, else drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person<'a> {
    pub email: &'a str,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
}

/// A drawn first name.
pub(crate) fn first_name(rng: &mut SimRng) -> &'static str {
    rng.pick::<&str>(&FIRST_NAMES)
}

/// A drawn last name.
pub(crate) fn last_name(rng: &mut SimRng) -> &'static str {
    rng.pick::<&str>(&LAST_NAMES)
}

/// A plausible US number, `(AAA) 555-01XX`: 555-0100 to 555-0199 are reserved for fiction,
/// so no simulated lead carries a real person's number.
pub(crate) fn us_phone(rng: &mut SimRng) -> String {
    format!("({}) 555-01{:02}", rng.pick(&AREA_CODES), rng.below(100))
}

/// One answer per field of `fields`, keyed by the field's key.
pub fn response_data(
    rng: &mut SimRng,
    fields: &[FieldSpec],
    person: &Person<'_>,
    launched_at: DateTime<Utc>,
) -> Map<String, Value> {
    fields
        .iter()
        .map(|f| (f.key.clone(), answer(rng, f, person, launched_at)))
        .collect()
}

fn answer(rng: &mut SimRng, field: &FieldSpec, person: &Person<'_>, now: DateTime<Utc>) -> Value {
    match field.field_type {
        FieldType::Text => Value::String(text(rng, &field.key, person)),
        FieldType::Email => Value::from(person.email),
        FieldType::Phone => Value::from(person.phone.as_str()),
        FieldType::Date => Value::String(birth_date(rng, now)),
        FieldType::Zip => Value::String(format!("{:05}", rng.between(1_001, 99_950))),
        FieldType::Select => select(rng, field.options.as_ref()),
        FieldType::Checkbox => Value::Bool(field.required || rng.chance(0.5)),
        FieldType::Number => Value::from(rng.between(1, 10)),
    }
}

/// A text answer guessed from the key: names (the person's), company, city, job title,
/// else a short phrase.
fn text(rng: &mut SimRng, key: &str, person: &Person<'_>) -> String {
    let key = key.to_ascii_lowercase();
    let has = |word: &str| key.contains(word);
    if has("company") || has("organization") || has("organisation") || has("business") {
        rng.pick(&COMPANIES).to_string()
    } else if has("city") || has("town") {
        rng.pick(&CITIES).to_string()
    } else if has("job") || has("title") || has("role") || has("position") {
        rng.pick(&JOB_TITLES).to_string()
    } else if has("first") || has("given") {
        person.first_name.clone()
    } else if has("last") || has("surname") || has("family") {
        person.last_name.clone()
    } else if has("name") {
        let mut full = person.first_name.clone();
        let _ = write!(full, " {}", person.last_name);
        full
    } else {
        rng.pick(&PHRASES).to_string()
    }
}

/// A date of birth 18 to 80 years before `now`, `YYYY-MM-DD`.
fn birth_date(rng: &mut SimRng, now: DateTime<Utc>) -> String {
    const YEAR: f64 = 365.2425;
    let days = 18.0 * YEAR + rng.unit() * 62.0 * YEAR;
    let date = now
        .date_naive()
        .checked_sub_days(Days::new(days as u64))
        .unwrap_or(now.date_naive());
    date.format("%Y-%m-%d").to_string()
}

/// One of a select's options (strings, or objects with a string `value`); `null` when it
/// has none.
fn select(rng: &mut SimRng, options: Option<&Value>) -> Value {
    let option_value = |o: &Value| match o {
        Value::String(s) => Some(s.clone()),
        Value::Object(m) => m.get("value").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    let values: Vec<String> = options
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(option_value).collect())
        .unwrap_or_default();
    if values.is_empty() {
        Value::Null
    } else {
        Value::String(rng.pick(&values).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::seed::RecipientKey;
    use chrono::{NaiveDate, TimeZone};
    use serde_json::json;
    use uuid::Uuid;

    fn field(key: &str, field_type: FieldType, options: Option<Value>) -> FieldSpec {
        FieldSpec {
            key: key.into(),
            field_type,
            options,
            required: false,
        }
    }

    #[test]
    fn answers_fit_their_field_types() {
        let mut rng = RecipientKey::derive(5, Uuid::nil(), Uuid::nil()).rng();
        let person = Person {
            email: "ada@example.com",
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            phone: "(415) 555-0142".into(),
        };
        let now = Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap();
        let fields = [
            field("first_name", FieldType::Text, None),
            field("Last Name", FieldType::Text, None),
            field("full_name", FieldType::Text, None),
            field("company_name", FieldType::Text, None),
            field("comments", FieldType::Text, None),
            field("email", FieldType::Email, None),
            field("phone", FieldType::Phone, None),
            field("dob", FieldType::Date, None),
            field("zip", FieldType::Zip, None),
            field(
                "plan",
                FieldType::Select,
                Some(json!(["basic", {"value": "pro"}])),
            ),
            field("empty", FieldType::Select, Some(json!([]))),
            FieldSpec {
                required: true,
                ..field("terms", FieldType::Checkbox, None)
            },
            field("seats", FieldType::Number, None),
        ];
        for _ in 0..200 {
            let data = response_data(&mut rng, &fields, &person, now);
            assert_eq!(data.len(), fields.len());
            assert_eq!(data["first_name"], "Ada");
            assert_eq!(data["Last Name"], "Lovelace");
            assert_eq!(data["full_name"], "Ada Lovelace");
            assert!(COMPANIES.contains(&data["company_name"].as_str().unwrap()));
            assert!(PHRASES.contains(&data["comments"].as_str().unwrap()));
            assert_eq!(data["email"], "ada@example.com");
            assert_eq!(data["phone"], "(415) 555-0142");
            let dob = NaiveDate::parse_from_str(data["dob"].as_str().unwrap(), "%Y-%m-%d").unwrap();
            let age = now.date_naive().years_since(dob).unwrap();
            assert!((18..=80).contains(&age), "{dob}");
            let zip = data["zip"].as_str().unwrap();
            assert!(
                zip.len() == 5 && zip.bytes().all(|b| b.is_ascii_digit()),
                "{zip}"
            );
            assert!(["basic", "pro"].contains(&data["plan"].as_str().unwrap()));
            assert_eq!(data["empty"], Value::Null);
            assert_eq!(data["terms"], true);
            assert!((1..=10).contains(&data["seats"].as_u64().unwrap()));
        }
    }

    #[test]
    fn drawn_phones_are_fictional_us_numbers() {
        let mut rng = RecipientKey::derive(6, Uuid::nil(), Uuid::nil()).rng();
        for _ in 0..100 {
            let p = us_phone(&mut rng);
            assert_eq!(p.len(), "(415) 555-0142".len(), "{p}");
            assert!(p.contains(") 555-01"), "{p}");
        }
    }
}
