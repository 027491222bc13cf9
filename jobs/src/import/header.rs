//! Recognising the header row and mapping its columns to contact fields.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::attributes::Attributes;
use super::error::FileError;

/// A contact attribute the import stores in its own column.
///
/// It exists so header names in any language, case and spacing (`E-mail`, `Email Address`,
/// `first_name`, `Vorname`, ...) resolve to one closed set; every other column becomes a
/// custom field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Email,
    FirstName,
    LastName,
    Name,
    Phone,
    Company,
}

impl Field {
    /// The field a header names exactly (after normalization), if any.
    pub fn from_header(header: &str) -> Option<Field> {
        let key: String = normalize(header).split(' ').collect();
        let field = match key.as_str() {
            "email" | "emails" | "mail" | "emailaddress" | "emailadress" | "emailaddr"
            | "mailaddress" | "emailid" | "emailadresse" | "mailadresse" | "adresseemail"
            | "adressemail" | "courriel" | "correo" | "correoelectronico" => Field::Email,
            "firstname" | "first" | "givenname" | "given" | "forename" | "fname" | "vorname"
            | "prenom" | "nombre" | "nombres" => Field::FirstName,
            "lastname" | "last" | "surname" | "familyname" | "lname" | "nachname"
            | "familienname" | "nom" | "apellido" | "apellidos" => Field::LastName,
            "name" | "fullname" | "contactname" | "displayname" | "contact" | "nomcomplet"
            | "nombrecompleto" => Field::Name,
            "phone" | "phonenumber" | "telephone" | "telephonenumber" | "tel" | "mobile"
            | "mobilephone" | "mobilenumber" | "cell" | "cellphone" | "cellular" | "mobil"
            | "handy" | "telefon" | "telefonnummer" | "mobilnummer" | "telefono" | "celular"
            | "movil" | "portable" => Field::Phone,
            "company" | "companyname" | "organization" | "organisation" | "organizationname"
            | "organisationname" | "org" | "employer" | "business" | "businessname"
            | "accountname" | "firma" | "unternehmen" | "empresa" | "societe" | "entreprise" => {
                Field::Company
            }
            _ => return None,
        };
        Some(field)
    }

    /// The field a header names with qualifiers around it (`Work Email`, `E-mail 2`,
    /// `Mobile phone (private)`): only email and phone, and only with known qualifiers, so a
    /// column like `Email opt-in` stays a custom field.
    fn from_qualified_header(header: &str) -> Option<Field> {
        let normalized = normalize(header);
        // `E-mail` normalizes to two words: join them, in one pass (a header cell is user
        // input of up to a field's length, so nothing here may be quadratic in it).
        let mut words: Vec<&str> = Vec::new();
        for word in normalized.split(' ') {
            if word == "mail" && words.last() == Some(&"e") {
                words.pop();
                words.push("email");
            } else {
                words.push(word);
            }
        }
        let mut field = None;
        for word in words {
            let this = match word {
                "email" | "mail" => Some(Field::Email),
                "phone" | "telephone" | "mobile" | "cell" | "tel" | "telefon" | "telefono" => {
                    Some(Field::Phone)
                }
                _ if QUALIFIERS.contains(&word) || word.chars().all(|c| c.is_ascii_digit()) => None,
                _ => return None,
            };
            match (field, this) {
                (Some(a), Some(b)) if a != b => return None,
                (None, Some(b)) => field = Some(b),
                _ => {}
            }
        }
        field
    }
}

/// Words that may qualify an email or phone header without changing what it holds.
const QUALIFIERS: &[&str] = &[
    "work",
    "primary",
    "personal",
    "business",
    "private",
    "main",
    "home",
    "office",
    "contact",
    "address",
    "addr",
    "number",
    "no",
    "nr",
    "required",
    "optional",
    "preferred",
    "default",
    "adresse",
    "privat",
    "geschaftlich",
    "the",
    "of",
    "id",
];

/// Lowercases a header, strips byte-order marks, quotes and diacritics, and turns every run of
/// other non-alphanumeric characters (spaces, `_`, `-`, `.`, ...) into one space.
pub fn normalize(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let mut gap = false;
    for c in header.chars().flat_map(char::to_lowercase) {
        let c = fold_diacritic(c);
        if c == 'ß' {
            out.push_str("ss");
            gap = false;
        } else if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            out.push(c);
            gap = false;
        } else {
            gap = true;
        }
    }
    out
}

fn fold_diacritic(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// Whether a cell looks like an email address: text, `@`, then a dot somewhere after it.
///
/// Deliberately loose: it only decides whether a first row is data rather than a header;
/// the validation module judges the address.
pub fn looks_like_email(cell: &str) -> bool {
    let cell = cell.trim();
    match cell.find('@') {
        Some(at) => at > 0 && cell[at + 1..].contains('.'),
        None => false,
    }
}

/// Where each contact attribute sits in a record, decided once from the first record.
///
/// It exists so every row is mapped the same way, and so the audit trail can show which
/// column became which field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnMap {
    /// How many fields every record has (the header's, or the first row's, count).
    pub width: usize,
    pub email: usize,
    /// The columns of the other attributes, where the file has them.
    #[serde(flatten)]
    pub attributes: Attributes<Option<usize>>,
    /// Every other column: its index and the key its values get in `custom_fields` (the
    /// original header text; `column N` for a header-less file or an empty header; a
    /// repeated header gets ` (2)`, ` (3)`, ... so no value is overwritten).
    pub custom: Vec<(usize, String)>,
}

/// How the first record of a file is to be read.
///
/// It exists because the first record is either a header (consumed, names the columns) or,
/// in a header-less file, already the first contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Layout {
    Header {
        headers: Vec<String>,
        columns: ColumnMap,
    },
    Headerless {
        columns: ColumnMap,
    },
}

/// Decides from the first non-blank record whether the file has a header, and maps columns.
pub(crate) fn layout(first: &[&str]) -> Result<Layout, FileError> {
    let headers: Vec<String> = first.iter().map(|cell| clean_header(cell)).collect();
    let mut fields: Vec<Option<Field>> = headers.iter().map(|h| Field::from_header(h)).collect();
    let mut taken: Vec<Field> = Vec::new();
    for slot in fields.iter_mut() {
        match *slot {
            Some(field) if taken.contains(&field) => *slot = None,
            Some(field) => taken.push(field),
            None => {}
        }
    }
    for (slot, header) in fields.iter_mut().zip(&headers) {
        if slot.is_none()
            && let Some(field) = Field::from_qualified_header(header)
            && !taken.contains(&field)
        {
            *slot = Some(field);
            taken.push(field);
        }
    }
    if taken.contains(&Field::Email) {
        let columns = map_columns(&fields, |i| headers[i].clone());
        return Ok(Layout::Header { headers, columns });
    }
    if let Some(email) = first.iter().position(|cell| looks_like_email(cell)) {
        let mut fields = vec![None; first.len()];
        fields[email] = Some(Field::Email);
        let columns = map_columns(&fields, |_| String::new());
        return Ok(Layout::Headerless { columns });
    }
    Err(FileError::NoEmailColumn { headers })
}

/// A header cell as it is shown and used as a custom-field key: trimmed, without BOM.
fn clean_header(cell: &str) -> String {
    cell.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .to_string()
}

fn map_columns(fields: &[Option<Field>], header: impl Fn(usize) -> String) -> ColumnMap {
    let mut columns = ColumnMap {
        width: fields.len(),
        email: 0,
        attributes: Attributes::default(),
        custom: Vec::new(),
    };
    // Custom keys in use, and per repeated header the last copy number tried: renaming a
    // repeated header is a hash lookup, not a scan of the keys so far (a header of thousands
    // of identical names was cubic and hung an import worker).
    let mut used: HashSet<String> = HashSet::new();
    let mut copies: HashMap<String, usize> = HashMap::new();
    for (index, field) in fields.iter().enumerate() {
        match field {
            Some(Field::Email) => columns.email = index,
            Some(Field::FirstName) => columns.attributes.first_name = Some(index),
            Some(Field::LastName) => columns.attributes.last_name = Some(index),
            Some(Field::Name) => columns.attributes.name = Some(index),
            Some(Field::Phone) => columns.attributes.phone = Some(index),
            Some(Field::Company) => columns.attributes.company = Some(index),
            None => {
                let mut key = header(index);
                if key.is_empty() {
                    key = format!("column {}", index + 1);
                }
                if used.contains(&key) {
                    let copy = copies.entry(key.clone()).or_insert(1);
                    key = loop {
                        *copy += 1;
                        let candidate = format!("{key} ({copy})");
                        if !used.contains(&candidate) {
                            break candidate;
                        }
                    };
                }
                used.insert(key.clone());
                columns.custom.push((index, key));
            }
        }
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization() {
        for (header, normalized) in [
            ("  E-Mail_Address. ", "e mail address"),
            ("\u{feff}\"First  Name\"", "first name"),
            ("Teléfono", "telefono"),
            ("Straße", "strasse"),
        ] {
            assert_eq!(normalize(header), normalized, "{header:?}");
        }
    }

    #[test]
    fn email_header_variants() {
        for header in [
            "email",
            "Email",
            "E-mail",
            "E-Mail",
            "e mail",
            "EMAIL ADDRESS",
            "Email Address",
            "email_address",
            "emailaddress",
            "E-Mail-Adresse",
            "mail",
            "Correo electrónico",
            "\"Email\"",
            "email*",
        ] {
            assert_eq!(Field::from_header(header), Some(Field::Email), "{header}");
        }
    }

    #[test]
    fn other_header_variants() {
        let cases = [
            ("first_name", Field::FirstName),
            ("First Name", Field::FirstName),
            ("firstname", Field::FirstName),
            ("Given name", Field::FirstName),
            ("Vorname", Field::FirstName),
            ("last_name", Field::LastName),
            ("Surname", Field::LastName),
            ("Family Name", Field::LastName),
            ("name", Field::Name),
            ("Full Name", Field::Name),
            ("phone", Field::Phone),
            ("Telephone", Field::Phone),
            ("Mobile", Field::Phone),
            ("Phone Number", Field::Phone),
            ("company", Field::Company),
            ("Organization", Field::Company),
            ("Organisation", Field::Company),
            ("Company Name", Field::Company),
        ];
        for (header, field) in cases {
            assert_eq!(Field::from_header(header), Some(field), "{header}");
        }
        assert_eq!(Field::from_header("Plan"), None);
        assert_eq!(Field::from_header("Email opt-in"), None);
    }

    #[test]
    fn qualified_headers() {
        assert_eq!(
            Field::from_qualified_header("Work Email"),
            Some(Field::Email)
        );
        assert_eq!(
            Field::from_qualified_header("Primary E-mail Address"),
            Some(Field::Email)
        );
        assert_eq!(Field::from_qualified_header("Email 2"), Some(Field::Email));
        assert_eq!(
            Field::from_qualified_header("Business Phone"),
            Some(Field::Phone)
        );
        assert_eq!(Field::from_qualified_header("Email opt-in"), None);
        assert_eq!(Field::from_qualified_header("Email bounced"), None);
        assert_eq!(Field::from_qualified_header("Email phone"), None);
        assert_eq!(Field::from_qualified_header("Plan"), None);
    }

    #[test]
    fn header_maps_fields_and_keeps_the_rest_as_custom() {
        let layout = layout(&[
            "E-mail",
            "First Name",
            "Company Name",
            "Plan",
            "",
            "Plan",
            "Email 2",
        ])
        .unwrap();
        let Layout::Header { headers, columns } = layout else {
            panic!("expected a header: {layout:?}");
        };
        assert_eq!(headers[0], "E-mail");
        assert_eq!(columns.width, 7);
        assert_eq!(columns.email, 0);
        assert_eq!(columns.attributes.first_name, Some(1));
        assert_eq!(columns.attributes.company, Some(2));
        let custom = [
            (3, "Plan"),
            (4, "column 5"),
            (5, "Plan (2)"),
            (6, "Email 2"),
        ];
        assert_eq!(columns.custom, custom.map(|(i, key)| (i, key.to_owned())));
    }

    #[test]
    fn the_column_map_serializes_with_one_key_per_attribute() {
        let Layout::Header { columns, .. } = layout(&["Email", "Phone", "Notes"]).unwrap() else {
            panic!("expected a header");
        };
        assert_eq!(
            serde_json::to_value(&columns).unwrap(),
            serde_json::json!({
                "width": 3, "email": 0, "first_name": null, "last_name": null, "name": null,
                "phone": 1, "company": null, "custom": [[2, "Notes"]],
            })
        );
    }

    #[test]
    fn an_exact_header_beats_a_qualified_one() {
        let Layout::Header { columns, .. } = layout(&["Work Email", "Email"]).unwrap() else {
            panic!("expected a header");
        };
        assert_eq!(columns.email, 1);
        assert_eq!(columns.custom, vec![(0, "Work Email".to_string())]);
    }

    #[test]
    fn a_first_row_of_addresses_means_no_header() {
        let Layout::Headerless { columns } = layout(&["ann@example.com"]).unwrap() else {
            panic!("expected no header");
        };
        assert_eq!((columns.width, columns.email), (1, 0));
        let Layout::Headerless { columns } = layout(&["Ann", "ann@example.com"]).unwrap() else {
            panic!("expected no header");
        };
        assert_eq!(columns.email, 1);
        assert_eq!(columns.custom, vec![(0, "column 1".to_string())]);
    }

    #[test]
    fn a_header_without_email_is_refused_with_its_columns() {
        match layout(&[" Name ", "Phone"]) {
            Err(FileError::NoEmailColumn { headers }) => assert_eq!(headers, ["Name", "Phone"]),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn loose_address_check() {
        assert!(looks_like_email(" ann@example.com "));
        assert!(!looks_like_email("@example.com"));
        assert!(!looks_like_email("ann@localhost"));
        assert!(!looks_like_email("Email"));
    }
}
