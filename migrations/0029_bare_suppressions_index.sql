-- Every import and launch first keys its organization's bare suppression entries (0027).
-- Bare entries are rare and become none once keyed: with this index the check is a probe of
-- an (almost always) empty index instead of a read of every suppression of the organization
-- on each import and launch.
create index suppressions_bare_idx on suppressions (organization_id) where not keyed;
