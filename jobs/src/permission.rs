//! What a member may do: the permission keys seeded in `migrations/0002_identity.sql`, as a
//! type, so a misspelt key is a compile error rather than a check that always refuses.

crate::text_enum! {
    /// One permission a role grants (`permissions.key`).
    pub enum Permission {
        ListImport = "list.import",
        ListRead = "list.read",
        CampaignSend = "campaign.send",
        CampaignRead = "campaign.read",
        LeadRead = "lead.read",
        LeadExport = "lead.export",
        LeadManage = "lead.manage",
        GdprErase = "gdpr.erase",
        GdprExport = "gdpr.export",
        OpsView = "ops.view",
        OpsManage = "ops.manage",
        AuditRead = "audit.read",
    }
}

#[cfg(test)]
mod tests {
    use super::Permission;

    #[test]
    fn keys_round_trip_and_match_serde() {
        assert_eq!(Permission::ALL.len(), 12);
        for &p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        assert_eq!(Permission::parse("list.delete"), None);
    }
}
