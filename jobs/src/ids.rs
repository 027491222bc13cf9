//! Ids of the rows that travel side by side (a campaign and its list, a list and its
//! contacts): one type each, so passing a list id where a campaign id is expected is a
//! compile error rather than a query that finds nothing. Each is its UUID on the wire and in
//! SQL (serde and sqlx transparent).

use uuid::Uuid;

/// Declares a transparent UUID newtype with its conversions, `Display` and `FromStr`.
macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize,
            serde::Deserialize, sqlx::Type,
        )]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(pub Uuid);

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                $name(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, uuid::Error> {
                s.parse().map($name)
            }
        }
    };
}

uuid_id!(
    /// A contact list (`contact_lists.id`).
    ListId
);
uuid_id!(
    /// A campaign (`campaigns.id`).
    CampaignId
);
uuid_id!(
    /// A contact (`contacts.id`): a person in one organization, member of any of its lists.
    ContactId
);
uuid_id!(
    /// A lead (`leads.id`), moved along its status pipeline by id.
    LeadId
);
uuid_id!(
    /// A GDPR request (`gdpr_requests.id`): one export or erasure of one person.
    GdprRequestId
);
