//! [`text_enum!`]: an enum whose values are the words a `text` column's CHECK constraint
//! allows. It exists so each such set of words (a list's status, a permission key, ...) is
//! declared once, with the same spelling in Rust, in JSON (serde) and in SQL binds and reads
//! (sqlx, as `text`), and every comparison in Rust is between values of a type instead of
//! strings that a typo would silently never match.

/// Declares an enum with serde and sqlx (`text`) spelling each variant as its word, plus
/// `ALL` (every value, in declaration order), `as_str`, `parse` and `Display`.
///
/// A variant's word is its name in lower case (`Draft` is `draft`), and then it is declared
/// bare: `enum CampaignStatus { Draft, Sending, ... }`, so the name and the word cannot
/// drift apart. Words of any other spelling are given, for every variant of the enum:
/// `enum Permission { ListImport = "list.import", ... }`. A bare name of more than one word
/// (`SoftBounce`) is refused at compile time: its word is spelt out instead.
#[macro_export]
macro_rules! text_enum {
    // Shared by both forms: the enum with its attributes, and its impls.
    (
        @declare [$($attr:tt)*] $vis:vis $name:ident {
            $( [$($variant_attr:tt)*] $variant:ident => $text:expr ),+
        }
    ) => {
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize,
            ::sqlx::Type,
        )]
        $($attr)*
        $vis enum $name {
            $( $($variant_attr)* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word stored in the database and sent in JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value spelt `text`; `None` for a word this build does not know.
            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|value| value.as_str() == text)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
    // The word of a bare variant, computed at compile time.
    (@lowercase $variant:ident) => {{
        const NAME: &str = stringify!($variant);
        const WORD: [u8; NAME.len()] = $crate::text_enum::lowercase(NAME);
        const TEXT: &str = match ::std::str::from_utf8(&WORD) {
            Ok(text) => text,
            Err(_) => panic!("an identifier lowers to UTF-8"),
        };
        TEXT
    }};
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident, )+
        }
    ) => {
        $crate::text_enum! {
            @declare [
                $(#[$meta])*
                #[serde(rename_all = "lowercase")]
                #[sqlx(type_name = "text", rename_all = "lowercase")]
            ] $vis $name {
                $( [$(#[$variant_meta])*] $variant => $crate::text_enum!(@lowercase $variant) ),+
            }
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:tt, )+
        }
    ) => {
        $crate::text_enum! {
            @declare [$(#[$meta])* #[sqlx(type_name = "text")]] $vis $name {
                $(
                    [$(#[$variant_meta])* #[serde(rename = $text)] #[sqlx(rename = $text)]]
                    $variant => $text
                ),+
            }
        }
    };
}

/// `name` in lower case, as bytes: the word of a bare [`text_enum!`] variant. It refuses (at
/// compile time, where the macro calls it) a capital after the first letter, so a name of
/// several words never becomes a run-together word.
#[doc(hidden)]
pub const fn lowercase<const N: usize>(name: &str) -> [u8; N] {
    let name = name.as_bytes();
    assert!(name.len() == N, "the word has the name's length");
    let mut word = [0; N];
    let mut i = 0;
    while i < N {
        assert!(
            i == 0 || !name[i].is_ascii_uppercase(),
            "a variant name of several words needs its word spelt out"
        );
        word[i] = name[i].to_ascii_lowercase();
        i += 1;
    }
    word
}

#[cfg(test)]
mod tests {
    use crate::campaigns::status::CampaignStatus;
    use crate::lists::status::ListStatus;
    use crate::validate::status::ValidationStatus;

    /// The words of a bare declaration are the names in lower case, the same in `as_str`,
    /// `parse` and serde both ways.
    fn words_agree<T>(all: &[T], as_str: fn(&T) -> &'static str, parse: fn(&str) -> Option<T>)
    where
        T: Copy + PartialEq + std::fmt::Debug + serde::Serialize + serde::de::DeserializeOwned,
    {
        for value in all {
            let word = as_str(value);
            assert_eq!(word, format!("{value:?}").to_lowercase());
            assert_eq!(parse(word), Some(*value));
            assert_eq!(serde_json::to_value(value).unwrap(), word);
            assert_eq!(serde_json::from_value::<T>(word.into()).unwrap(), *value);
        }
    }

    #[test]
    fn bare_variants_are_spelt_as_their_lowercase_names() {
        words_agree(CampaignStatus::ALL, |v| v.as_str(), CampaignStatus::parse);
        words_agree(ListStatus::ALL, |v| v.as_str(), ListStatus::parse);
        words_agree(
            ValidationStatus::ALL,
            |v| v.as_str(),
            ValidationStatus::parse,
        );
        assert_eq!(CampaignStatus::Completed.as_str(), "completed");
        assert_eq!(ValidationStatus::Nonexistent.to_string(), "nonexistent");
        assert_eq!(ListStatus::parse("Validated"), None);
    }
}
