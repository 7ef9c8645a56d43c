// Seeds the API benchmark's database with set-based SQL: an organization of ACCOUNTS accounts in
// 10 OUs, every account in every Region with MODELS models, findings, and an audit log with a valid
// hash chain. Also used to inspect query plans at benchmark scale.
import pg from "pg";

export interface ApiBenchSize {
  accounts: number;
  regions: string[];
  models: number;
  findings: number;
  auditEvents: number;
}

/** Set-based seeding of the API benchmark's database; returns the row counts. */
export async function seedApiBench(url: string, size: ApiBenchSize, say: (msg: string) => void) {
  const { accounts: ACCOUNTS, regions: REGIONS, models: MODELS, findings: FINDINGS, auditEvents: AUDIT_EVENTS } = size;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const t0 = performance.now();
  await c.query(`
    INSERT INTO org_nodes (id, kind, name, parent_id, path) VALUES ('r-bnch', 'root', 'Root', NULL, '/Root');
    INSERT INTO org_nodes (id, kind, name, parent_id, path)
      SELECT 'ou-bnch-' || lpad(o::text, 8, '0'), 'ou', 'OU ' || o, 'r-bnch', '/Root/OU ' || o FROM generate_series(1, 10) o;
    INSERT INTO accounts (id, name, email, state, parent_id, path, joined_at)
      SELECT lpad((100000000000 + a)::text, 12, '0'), 'account-' || a, 'a' || a || '@example.com',
             CASE WHEN a % 50 = 0 THEN 'SUSPENDED' ELSE 'ACTIVE' END,
             'ou-bnch-' || lpad((1 + a % 10)::text, 8, '0'), '/Root/OU ' || (1 + a % 10), now() - interval '1 year'
      FROM generate_series(1, ${ACCOUNTS}) a;
    INSERT INTO account_regions (account_id, region, status, last_attempt_at, last_success_at, logging_enabled, model_count)
      SELECT a.id, r, 'ok', now(), now(), (hashtext(a.id || r) % 3 = 0), ${MODELS}
      FROM accounts a CROSS JOIN unnest(ARRAY[${REGIONS.map((r) => `'${r}'`).join(",")}]) r;
    INSERT INTO model_access (account_id, region, model_id, model_name, provider, lifecycle_status, inference_types,
                              input_modalities, output_modalities, agreement_status, authorization_status,
                              entitlement_availability, region_availability)
      SELECT ar.account_id, ar.region, p.name || '.model-' || m || '-v1:0', 'Model ' || m, p.name,
             CASE WHEN m % 17 = 0 THEN 'LEGACY' ELSE 'ACTIVE' END, ARRAY['ON_DEMAND'], ARRAY['TEXT'], ARRAY['TEXT'],
             CASE WHEN m % 7 = 0 THEN 'NOT_AVAILABLE' ELSE 'AVAILABLE' END,
             CASE WHEN m % 11 = 0 THEN 'NOT_AUTHORIZED' ELSE 'AUTHORIZED' END, 'AVAILABLE', 'AVAILABLE'
      FROM account_regions ar
      CROSS JOIN generate_series(1, ${MODELS}) m
      CROSS JOIN LATERAL (SELECT (ARRAY['amazon','anthropic','meta','mistral','cohere','deepseek','qwen','openai','ai21','writer'])[1 + m % 10] AS name) p;
    UPDATE account_regions ar SET available_models = m.ids
      FROM (SELECT account_id, region, array_agg(model_id ORDER BY model_id) AS ids FROM model_access
            WHERE region_availability = 'AVAILABLE' GROUP BY account_id, region) m
      WHERE ar.account_id = m.account_id AND ar.region = m.region;
    INSERT INTO sync_runs (id, scope, status, trigger, requested_by, started_at, finished_at)
      VALUES (gen_random_uuid(), 'organization', 'succeeded', 'cli', 'bench', now(), now());
    INSERT INTO findings (key, type, severity, status, account_id, region, model_id, detail, evidence, first_seen_at, last_seen_at)
      SELECT 'bench:' || f,
             (ARRAY['UNAPPROVED_MODEL_ACCESSIBLE','APPROVED_MODEL_BLOCKED','LEGACY_MODEL','LOGGING_REQUIRED_BUT_DISABLED'])[1 + f % 4],
             (ARRAY['critical','high','medium','low'])[1 + f % 4],
             (CASE WHEN f % 5 = 0 THEN 'resolved' ELSE 'open' END)::"FindingStatus",
             lpad((100000000000 + 1 + f % ${ACCOUNTS})::text, 12, '0'), (ARRAY[${REGIONS.map((r) => `'${r}'`).join(",")}])[1 + f % 4],
             'anthropic.model-' || (f % ${MODELS}) || '-v1:0', 'seeded finding ' || f, '{"seeded": true}'::jsonb,
             now() - (f || ' minutes')::interval, now()
      FROM generate_series(1, ${FINDINGS}) f;
    ANALYZE;`);
  say(`seeded inventory and findings in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // The audit log as the service writes it: a valid hash chain. Rows are built in one PL/pgSQL
  // loop with the chain kept in a variable (the per-row trigger, which locks the chain head row,
  // is for concurrent writers; it is skipped here with session_replication_role).
  const t1 = performance.now();
  await c.query("SET session_replication_role = replica");
  await c.query(`
    DO $$
    DECLARE
      r audit_events;
      prev char(64) := repeat('0', 64);
      actions text[] := ARRAY['api_key.create','catalog.put','sync.request','finding.suppress','region_scope.put'];
    BEGIN
      FOR i IN 1..${AUDIT_EVENTS} LOOP
        r.id := i;
        r.occurred_at := timestamptz '2026-01-01 00:00:00+00' + (i || ' seconds')::interval;
        r.actor_type := 'api_key';
        r.actor_id := 'apikey:' || lpad(to_hex(i % 200), 16, '0');
        r.actor_name := 'automation-' || (i % 200);
        r.actor_roles := 'admin';
        r.action := actions[1 + i % 5];
        r.target_type := split_part(actions[1 + i % 5], '.', 1);
        r.target_id := 'target-' || (i % 5000);
        r.before := NULL;
        r.after := jsonb_build_object('n', i);
        r.request_id := 'req-' || i;
        r.prev_hash := prev;
        r.hash := hw_audit_event_hash(r);
        INSERT INTO audit_events VALUES (r.*);
        prev := r.hash;
      END LOOP;
      UPDATE audit_chain_head SET last_id = ${AUDIT_EVENTS}, last_hash = prev WHERE id = 1;
      PERFORM setval(pg_get_serial_sequence('audit_events', 'id'), ${AUDIT_EVENTS});
    END $$;`);
  await c.query("SET session_replication_role = origin");
  await c.query("ANALYZE audit_events");
  say(`seeded ${AUDIT_EVENTS} audit events in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  const counts = (
    await c.query<{ t: string; n: string }>(`
      SELECT 'accounts' t, count(*) n FROM accounts UNION ALL SELECT 'account_regions', count(*) FROM account_regions
      UNION ALL SELECT 'model_access', count(*) FROM model_access UNION ALL SELECT 'findings', count(*) FROM findings
      UNION ALL SELECT 'audit_events', count(*) FROM audit_events`)
  ).rows;
  await c.end();
  return Object.fromEntries(counts.map((r) => [r.t, Number(r.n)]));
}
