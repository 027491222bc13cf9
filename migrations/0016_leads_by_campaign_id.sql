-- A campaign's leads are read in id order, a page at a time (`GET /v1/campaigns/{id}/leads`
-- and the streamed `leads.csv`). With only (organization_id, campaign_id, status) each page
-- read and sorted every lead of the campaign, so streaming the export was quadratic in the
-- number of leads. This index serves the keyset page directly.
create index leads_org_campaign_id_idx on leads (organization_id, campaign_id, id);
