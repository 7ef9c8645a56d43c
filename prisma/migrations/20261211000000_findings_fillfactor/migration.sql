-- Every reconciliation moves last_seen_at of every open finding it finds again (306,000 rows at
-- 1,000 accounts × 4 Regions × 100 models). With full pages each new row version went to another
-- page and into all three indexes: 6-7 s of PostgreSQL per run, most of a run. Half of each page is
-- kept free, so the new version stays on its page as a heap-only tuple (last_seen_at is in no index)
-- and the next run's visit prunes the old ones: 2.7 s of PostgreSQL per run
-- (bench/results/reconcile-1000x4x100.json; test/reconcile/reconcile-digests.test.ts checks the
-- updates are heap-only). Rows already stored keep their pages until they are next written.
ALTER TABLE "findings" SET (fillfactor = 50);
