// The expected authorization of every route: who may call it, written out as the roles allowed
// (after role implication), independent of the route's own config. A route missing here fails the
// matrix test ("new route without a rule"); a row without a route fails it too. HEAD routes follow
// their GET row. To add a route: one line, `"METHOD /path": [roles]` or `"METHOD /path": PUBLIC`.
import type { Role } from "../../src/kernel/principal.js";

export const PUBLIC = "public" as const;
export const ANY_ROLE: readonly Role[] = ["admin", "approver", "requester", "auditor", "viewer"];
const ADMIN: readonly Role[] = ["admin"];
const AUDIT: readonly Role[] = ["admin", "auditor"];
const FILERS: readonly Role[] = ["admin", "approver", "requester"];
const DECIDERS: readonly Role[] = ["admin", "approver"];

export const EXPECTED_AUTHORIZATION: Record<string, typeof PUBLIC | readonly Role[]> = {
  // Probes, spec and docs UI
  "GET /healthz": PUBLIC,
  "GET /readyz": PUBLIC,
  // Off unless METRICS_ENABLED; its own bearer token (METRICS_TOKEN), not an API key or role.
  "GET /metrics": PUBLIC,
  "GET /openapi.json": PUBLIC,
  "GET /docs": PUBLIC,
  "GET /docs/": PUBLIC,
  "GET /docs/static/index.html": PUBLIC,
  "GET /docs/static/swagger-initializer.js": PUBLIC,
  "GET /docs/json": PUBLIC,
  "GET /docs/yaml": PUBLIC,
  "GET /docs/static/*": PUBLIC,
  // The web console: its page and assets, what it reads before sign-in, sandbox demo personas
  // (404 outside sandbox mode)
  "GET /": PUBLIC,
  "GET /assets/*": PUBLIC,
  "GET /v1/console/settings": PUBLIC,
  "POST /v1/sandbox/demo-personas": PUBLIC,
  // Identity and API keys
  "GET /v1/me": ANY_ROLE,
  "POST /v1/api-keys": ADMIN,
  "GET /v1/api-keys": ADMIN,
  "GET /v1/api-keys/:id": ADMIN,
  "POST /v1/api-keys/:id/revoke": ADMIN,
  // Audit log
  "GET /v1/audit-events": AUDIT,
  "GET /v1/audit-events/verify": AUDIT,
  "GET /v1/audit-events/head": AUDIT,
  // System
  "GET /v1/system": ANY_ROLE,
  "GET /v1/system/preflight": ADMIN,
  // Inventory
  "GET /v1/org/units": ANY_ROLE,
  "GET /v1/accounts": ANY_ROLE,
  "GET /v1/accounts/:accountId": ANY_ROLE,
  "GET /v1/accounts/:accountId/regions/:region/models": ANY_ROLE,
  "GET /v1/models/:modelId/availability": ANY_ROLE,
  "GET /v1/regions/:region/model-matrix": ANY_ROLE,
  "GET /v1/inventory/changes": ANY_ROLE,
  "GET /v1/sync-runs": ANY_ROLE,
  "GET /v1/sync-runs/:runId": ANY_ROLE,
  "POST /v1/sync-runs": ADMIN,
  "GET /v1/region-scopes": ANY_ROLE,
  "PUT /v1/region-scopes/:targetId": ADMIN,
  "DELETE /v1/region-scopes/:targetId": ADMIN,
  // Catalog and compiled policies
  "GET /v1/catalog/entries": ANY_ROLE,
  "GET /v1/catalog/entries/:id": ANY_ROLE,
  "GET /v1/catalog/entries/:id/history": ANY_ROLE,
  "PUT /v1/catalog/entries/:id": ADMIN,
  "DELETE /v1/catalog/entries/:id": ADMIN,
  "GET /v1/catalog/document": ANY_ROLE,
  "POST /v1/catalog/diff": ANY_ROLE,
  "POST /v1/catalog/apply": ADMIN,
  "GET /v1/catalog/schema": ANY_ROLE,
  "GET /v1/policies/scps": ANY_ROLE,
  "GET /v1/policies/iam": ANY_ROLE,
  // Findings and reconciliation
  "GET /v1/findings": ANY_ROLE,
  "GET /v1/findings/:id": ANY_ROLE,
  "POST /v1/findings/:id/suppress": ["admin", "approver"],
  "POST /v1/reconciliations": ADMIN,
  // Remediation plans
  "POST /v1/remediation-plans": ["admin", "approver"],
  "GET /v1/remediation-plans": ANY_ROLE,
  "GET /v1/remediation-plans/:id": ANY_ROLE,
  "POST /v1/remediation-plans/:id/apply": ADMIN,
  // Access doctor (an audited live probe is refused by the service for non-admins)
  "POST /v1/doctor": ANY_ROLE,
  "POST /v1/doctor/classify": ANY_ROLE,
  // The reachability engine's explanation (every role reads it: viewers, requesters, auditors)
  "GET /v1/reachability": ANY_ROLE,
  // Access requests (requesters file and cancel; approvers decide; admins revoke and verify)
  "POST /v1/access-requests": FILERS,
  "GET /v1/access-requests": [...FILERS, "auditor"],
  "GET /v1/access-requests/:id": [...FILERS, "auditor"],
  "POST /v1/access-requests/:id/approve": DECIDERS,
  "POST /v1/access-requests/:id/reject": DECIDERS,
  "POST /v1/access-requests/:id/cancel": FILERS,
  "POST /v1/access-requests/:id/revoke": ADMIN,
  "POST /v1/access-requests/:id/verify": ADMIN,
  "GET /v1/approval-rules": [...DECIDERS, "auditor"],
  "GET /v1/approval-rules/:id": [...DECIDERS, "auditor"],
  "POST /v1/approval-rules": ADMIN,
  "PUT /v1/approval-rules/:id": ADMIN,
  "DELETE /v1/approval-rules/:id": ADMIN,
  "GET /v1/webhooks": ADMIN,
  "POST /v1/webhooks": ADMIN,
  "GET /v1/webhooks/:id": ADMIN,
  "PUT /v1/webhooks/:id": ADMIN,
  "DELETE /v1/webhooks/:id": ADMIN,
  "GET /v1/webhooks/:id/deliveries": ADMIN,
  // Invocation audit (who called what from where is audit evidence) and compliance reports
  "POST /v1/invocation-ingestions": AUDIT,
  "GET /v1/invocation-ingestions": ANY_ROLE,
  "GET /v1/invocation-ingestions/:id": ANY_ROLE,
  "GET /v1/invocations": AUDIT,
  "GET /v1/invocations/usage": AUDIT,
  "GET /v1/invocations/denied-bursts": AUDIT,
  "GET /v1/invocations/unused-grants": AUDIT,
  "POST /v1/invocation-analyses": ADMIN,
  "POST /v1/reports": AUDIT,
  "GET /v1/reports": AUDIT,
  "GET /v1/reports/:id": AUDIT,
  "GET /v1/reports/:id/download": AUDIT,
  // The AI bill of materials: the catalog and inventory any reader sees, as CycloneDX.
  "GET /v1/aibom": ANY_ROLE,
  "GET /v1/reports/:id/signature": AUDIT,
  "GET /v1/reports/signing-key": AUDIT,
  "GET /v1/reports/verify": AUDIT,
  "GET /v1/report-schedules": AUDIT,
  "POST /v1/report-schedules": AUDIT,
  "GET /v1/report-schedules/:id": AUDIT,
  "DELETE /v1/report-schedules/:id": AUDIT,
  "POST /v1/report-schedules/:id/runs": AUDIT,
};
