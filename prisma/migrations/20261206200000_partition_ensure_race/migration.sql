-- Concurrent writers could both decide a month's partition was missing: an advisory lock does not
-- make the catalog cache see a table another session has just committed, so the second CREATE
-- failed with "already exists". The CREATE now runs in its own block and a partition that appeared
-- meanwhile (duplicate_table, or the unique index of pg_type under a race) counts as present.
CREATE OR REPLACE FUNCTION hw_invocation_partitions_ensure(from_ts timestamptz, to_ts timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  m timestamp := date_trunc('month', from_ts AT TIME ZONE 'UTC');
  last_m timestamp := date_trunc('month', to_ts AT TIME ZONE 'UTC');
  name text;
  created integer := 0;
BEGIN
  WHILE m <= last_m LOOP
    name := 'invocation_events_' || to_char(m, 'YYYYMM');
    IF to_regclass(name) IS NULL THEN
      PERFORM pg_advisory_xact_lock(hashtext('invocation_events_partitions'));
      BEGIN
        EXECUTE format('CREATE TABLE %I PARTITION OF invocation_events FOR VALUES FROM (%L) TO (%L)',
          name, m AT TIME ZONE 'UTC', (m + interval '1 month') AT TIME ZONE 'UTC');
        created := created + 1;
      EXCEPTION WHEN duplicate_table OR unique_violation THEN
        NULL;
      END;
    END IF;
    m := m + interval '1 month';
  END LOOP;
  RETURN created;
END $$;
