-- contacts (organization_id, validation_status) is read by no statement, and it was the
-- index Postgres picked, on un-analyzed tables, for lookups it could not serve: a contact
-- looked up by (organization_id, id), with the key in a filter, read every contact of the
-- organization with the same status. Measured on 20,000 valid contacts: the statement-level
-- check of 10,000 new campaign assignments (0017) probed through it, 5,000 rows removed per
-- probe, 3.9 s; the launch's first recipient statement had done the same (200M rows
-- filtered for a 20k list). Every import and validation also maintained it. Lookups by key
-- now have only the primary key to choose.
drop index contacts_org_validation_status_idx;
