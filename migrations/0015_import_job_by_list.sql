-- `GET /v1/contact-lists/{id}` shows the list's latest `import` job, found by the list id in
-- its payload (an import may be submitted through the API or `POST /v1/jobs`). Without an
-- index that lookup read the organization's jobs newest first until it met the import: every
-- validate batch of the list, and at scale the organization's whole history. One small entry
-- per import job.
create index job_runs_import_by_list on job_runs (organization_id, (payload ->> 'list_id'), id)
    where kind = 'import';
