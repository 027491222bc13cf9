-- Leads captured from landing-page forms (created by form submissions, real or simulated)
-- and the raw responses those forms received.

create table leads (
    organization_id  uuid        not null references organizations (id),
    id               uuid        not null default uuid_generate_v7(),
    contact_id       uuid,
    campaign_id      uuid,
    form_id          uuid        not null,
    status           text        not null default 'new'
                     check (status in ('new', 'contacted', 'qualified', 'converted', 'lost')),
    source           text,
    email            text,
    first_name       text,
    last_name        text,
    phone            text,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    deleted_at       timestamptz,
    primary key (organization_id, id),
    -- NO ACTION on contacts: GDPR erasure deletes a person's leads itself (and counts them).
    foreign key (organization_id, contact_id) references contacts (organization_id, id),
    foreign key (organization_id, campaign_id) references campaigns (organization_id, id),
    foreign key (organization_id, form_id) references forms (organization_id, id)
);

create index leads_org_campaign_status_idx on leads (organization_id, campaign_id, status);
create index leads_org_contact_idx on leads (organization_id, contact_id) where contact_id is not null;
-- Finds a person's leads by address (GDPR erasure/export of someone who is not a contact).
create index leads_org_email_lower_idx on leads (organization_id, lower(email)) where email is not null;

create trigger leads_touch_updated_at
    before update on leads
    for each row execute function touch_updated_at();

create table form_responses (
    organization_id  uuid        not null references organizations (id),
    id               uuid        not null default uuid_generate_v7(),
    form_id          uuid        not null,
    lead_id          uuid        not null,
    contact_id       uuid,
    campaign_id      uuid,
    response_data    jsonb       not null,
    ip_address       inet,
    user_agent       text,
    submitted_at     timestamptz not null default now(),
    primary key (organization_id, id),
    foreign key (organization_id, form_id) references forms (organization_id, id),
    foreign key (organization_id, lead_id) references leads (organization_id, id),
    foreign key (organization_id, contact_id) references contacts (organization_id, id),
    foreign key (organization_id, campaign_id) references campaigns (organization_id, id)
);

create index form_responses_response_data_idx on form_responses using gin (response_data);
create index form_responses_org_form_time_idx on form_responses (organization_id, form_id, submitted_at);
create index form_responses_org_lead_idx on form_responses (organization_id, lead_id);
create index form_responses_org_contact_idx on form_responses (organization_id, contact_id) where contact_id is not null;
