//! [`text_enum!`]: an enum whose values are the words a `text` column's CHECK constraint
//! allows. It exists so each such set of words (a list's status, a permission key, ...) is
//! declared once, with the same spelling in Rust, in JSON (serde) and in SQL binds and reads
//! (sqlx, as `text`), and every comparison in Rust is between values of a type instead of
//! strings that a typo would silently never match.

/// Declares `enum $name { Variant = "word", ... }` with serde and sqlx (`text`) spelling each
/// variant as its word, plus `ALL` (every value, in declaration order), `as_str`, `parse` and
/// `Display`.
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:tt, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize,
            ::sqlx::Type,
        )]
        #[sqlx(type_name = "text")]
        $vis enum $name {
            $( $(#[$variant_meta])* #[serde(rename = $text)] #[sqlx(rename = $text)] $variant, )+
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
}
