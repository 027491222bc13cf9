//! What a member may do: the permission keys seeded in `migrations/0002_identity.sql`, as a
//! type, so a misspelt key is a compile error rather than a check that always refuses.

use serde::{Deserialize, Serialize};

/// One permission a role grants (`permissions.key`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    #[serde(rename = "list.import")]
    ListImport,
    #[serde(rename = "list.read")]
    ListRead,
    #[serde(rename = "campaign.send")]
    CampaignSend,
    #[serde(rename = "campaign.read")]
    CampaignRead,
    #[serde(rename = "lead.read")]
    LeadRead,
    #[serde(rename = "lead.export")]
    LeadExport,
    #[serde(rename = "gdpr.erase")]
    GdprErase,
    #[serde(rename = "gdpr.export")]
    GdprExport,
    #[serde(rename = "ops.view")]
    OpsView,
    #[serde(rename = "ops.manage")]
    OpsManage,
}

impl Permission {
    pub const ALL: [Permission; 10] = [
        Permission::ListImport,
        Permission::ListRead,
        Permission::CampaignSend,
        Permission::CampaignRead,
        Permission::LeadRead,
        Permission::LeadExport,
        Permission::GdprErase,
        Permission::GdprExport,
        Permission::OpsView,
        Permission::OpsManage,
    ];

    /// The key stored in `permissions.key` and carried in tokens.
    pub fn key(self) -> &'static str {
        match self {
            Permission::ListImport => "list.import",
            Permission::ListRead => "list.read",
            Permission::CampaignSend => "campaign.send",
            Permission::CampaignRead => "campaign.read",
            Permission::LeadRead => "lead.read",
            Permission::LeadExport => "lead.export",
            Permission::GdprErase => "gdpr.erase",
            Permission::GdprExport => "gdpr.export",
            Permission::OpsView => "ops.view",
            Permission::OpsManage => "ops.manage",
        }
    }

    /// The permission stored under `key`; `None` for a key this build does not know.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::Permission;

    #[test]
    fn keys_round_trip_and_match_serde() {
        for p in Permission::ALL {
            assert_eq!(Permission::from_key(p.key()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.key());
        }
        assert_eq!(Permission::from_key("list.delete"), None);
    }
}
