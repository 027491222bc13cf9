//! The contact attributes a column can map to besides the email, one value each.

use serde::Serialize;

/// One `T` per contact attribute a column can map to besides the email: where its column
/// sits in a [`super::ColumnMap`], the cell's text in a [`super::ContactRow`].
///
/// It exists so that set of attributes is declared once, and a row's attributes are its
/// mapped columns' cells, attribute by attribute ([`Attributes::map`]). It serializes
/// flattened into its owner, as the attributes were before it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Attributes<T> {
    pub first_name: T,
    pub last_name: T,
    pub name: T,
    pub phone: T,
    pub company: T,
}

impl<T> Attributes<T> {
    /// Each attribute's value through `f`.
    pub fn map<U>(&self, mut f: impl FnMut(&T) -> U) -> Attributes<U> {
        Attributes {
            first_name: f(&self.first_name),
            last_name: f(&self.last_name),
            name: f(&self.name),
            phone: f(&self.phone),
            company: f(&self.company),
        }
    }
}
