// Filing and deciding model-access requests. Filing is validated against the inventory (what
// exists, where it is offered) and desired state (already allowed?); decisions are serialized by a
// row lock and carry the version seen, so two approvers can never both decide.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Database } from "../../db/prisma.js";
import { canonicalHash } from "../../kernel/canonical-json.js";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  UnprocessableError,
} from "../../kernel/errors.js";
import { type CallContext, effectiveRoles, hasRole, personOf, SYSTEM_PRINCIPAL } from "../../kernel/principal.js";
import type { PrincipalIds } from "../../kernel/principal-ids.js";
import type { Clock } from "../../lib/clock.js";
import { decodeCursor, isTimeIdCursor, type Page, toPage } from "../../lib/pagination.js";
import type { CatalogEntry, DesiredStateSource } from "../catalog/catalog.types.js";
import { type AccessRequestRepository, isUniqueViolation, type Reader } from "./access-request.repository.js";
import type { AccessRequestFilter, AccessRequestView, NewAccessRequest } from "./access-request.types.js";
import type { ApprovalRuleRepository } from "./approval-rule.repository.js";
import { governingRule, mayDecide } from "./approval-rules.js";
import type { ProvisioningQueue } from "./provisioning-steps.js";
import { createRequestFiling, type PreflightPort } from "./request-filing.js";
import type { RequestInventoryRepository } from "./request-inventory.repository.js";
import { createRequestPreflight } from "./request-preflight.js";
import type { Transitions } from "./request-transitions.js";
import type { WebhookService } from "./webhook.service.js";

export interface RequestSettings {
  /** A pending request not decided within this expires. */
  pendingTtlHours: number;
  /** Longest access a request may ask for. */
  maxDurationHours: number;
}

export type CreateResult =
  | { kind: "created"; request: AccessRequestView; replayed: boolean }
  | { kind: "already_allowed"; entries: CatalogEntry[] };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Another create with the same Idempotency-Key committed first (seen under the key's lock). */
class IdempotencyKeyTaken extends Error {}

/** The system acting on behalf of a decision (provisioning, expiry); audited with the cause. */
export const WORKFLOW_SYSTEM: CallContext = { principal: SYSTEM_PRINCIPAL };

export function createAccessRequestService(deps: {
  db: Database;
  repo: AccessRequestRepository;
  inventory: RequestInventoryRepository;
  rules: ApprovalRuleRepository;
  desired: DesiredStateSource;
  /** The reachability engine's pre-flight of each requested call (absent: not checked). */
  preflight?: PreflightPort;
  transitions: Transitions;
  webhooks: WebhookService;
  /** Starts provisioning once a request is approved. */
  enqueue: Pick<ProvisioningQueue, "provision">;
  clock: Clock;
  log: Logger;
  settings: RequestSettings;
  /** Reads requester and approver ids stored before principal ids were namespaced. */
  principalIds: PrincipalIds;
}) {
  const { db, repo, transitions, webhooks, clock, settings, principalIds } = deps;

  /** Did this principal (this credential) file the request? */
  const filedBy = (ctx: CallContext, req: AccessRequestView) =>
    principalIds.canonical(req.requesterId) === ctx.principal.id;

  /** Is `person` (a stored person id, possibly from before namespacing) the given person? */
  const samePerson = (stored: string | null, person: string) =>
    stored !== null && principalIds.canonical(stored) === person;
  const { validate, alreadyAllowed } = createRequestFiling(deps);
  const { annotate } = createRequestPreflight(deps);

  function reader(ctx: CallContext): Reader {
    const p = ctx.principal;
    const all = hasRole(p, "admin", "auditor");
    const approver = hasRole(p, "approver");
    // Others' requests are visible only to whoever may decide them: an IdP group names the
    // approvers of a rule only for members who hold the approver role (see mayDecide).
    return {
      principalIds: principalIds.storedForms(p.id),
      all,
      roles: approver ? [...effectiveRoles(p.roles)] : [],
      groups: approver ? p.groups : [],
    };
  }

  function visible(ctx: CallContext, req: AccessRequestView): boolean {
    const r = reader(ctx);
    return (
      r.all ||
      filedBy(ctx, req) ||
      (req.approverRole !== null && r.roles.includes(req.approverRole)) ||
      (req.approverGroup !== null && r.groups.includes(req.approverGroup))
    );
  }

  async function after(deliveries: string[], provision?: string) {
    await webhooks.dispatch(deliveries);
    if (provision) {
      try {
        await deps.enqueue.provision(provision);
      } catch (err) {
        // The sweep re-queues approved requests that never started provisioning.
        deps.log.warn({ err, requestId: provision }, "could not queue provisioning");
      }
    }
  }

  async function replay(ctx: CallContext, key: string, hash: string): Promise<CreateResult | undefined> {
    const seen = await repo.findIdempotencyKey(ctx.principal.id, key);
    if (!seen) return undefined;
    if (seen.requestHash !== hash)
      throw new UnprocessableError(
        "this Idempotency-Key was used with a different request body",
        [{ field: "headers.idempotency-key", message: "reused with a different body" }],
        "IDEMPOTENCY_KEY_REUSED",
      );
    const request = await repo.find(seen.resourceId);
    if (!request) throw new NotFoundError(`request ${seen.resourceId} no longer exists`);
    return { kind: "created", request, replayed: true };
  }

  async function decide(
    ctx: CallContext,
    id: string,
    decision: "approve" | "reject",
    opts: { comment?: string; ifMatch: number },
  ): Promise<AccessRequestView> {
    if (!hasRole(ctx.principal, "approver", "admin"))
      throw new ForbiddenError("deciding requests needs the approver role");
    // Separation of duties is between people: a credential with nobody behind it never decides.
    const decider = personOf(ctx.principal);
    if (decider === null)
      throw new ForbiddenError("a service key acts for nobody and cannot approve or reject requests");
    if (!UUID.test(id)) throw new NotFoundError(`request ${id} not found`);
    const comment = opts.comment?.trim() || null;
    let refused: AccessRequestView | undefined;
    const out = await db
      .transaction(async (tx) => {
        const req = await repo.lock(id, tx);
        if (!req || !visible(ctx, req)) throw new NotFoundError(`request ${id} not found`);
        if (filedBy(ctx, req) || samePerson(req.requesterPerson, decider)) {
          refused = req;
          throw new ForbiddenError("separation of duties: nobody decides their own request", { requestId: id });
        }
        if (!mayDecide(ctx.principal, req.approverRole, req.approverGroup))
          throw new ForbiddenError(
            `this request is decided by ${req.approverGroup ? `group ${req.approverGroup}` : `role ${req.approverRole}`}`,
          );
        if (opts.ifMatch !== req.version)
          throw new PreconditionFailedError(
            `request ${id} is at version ${req.version}, not ${opts.ifMatch}; read it again`,
          );
        if (req.status !== "pending")
          throw new ConflictError(
            `a ${req.status} request cannot be decided`,
            { currentStatus: req.status },
            "ILLEGAL_TRANSITION",
          );
        // One person, one decision, whichever of their credentials they use.
        if (
          req.decisions.some(
            (d) => principalIds.canonical(d.approverId) === ctx.principal.id || samePerson(d.approverPerson, decider),
          )
        )
          throw new ConflictError("you already decided this request", { requestId: id }, "ALREADY_DECIDED");
        const at = clock.now();
        await repo.addDecision(
          {
            id: randomUUID(),
            requestId: id,
            approverId: ctx.principal.id,
            approverName: ctx.principal.name,
            approverPerson: decider,
            decision,
            comment,
            at,
          },
          tx,
        );
        const details = { decision, approverId: ctx.principal.id, approverPerson: decider, comment };
        if (decision === "reject") return transitions.move(ctx, req, "rejected", { decidedAt: at }, details, tx);
        const approvals = req.approvals + 1;
        if (approvals >= req.requiredApprovals)
          return transitions.move(ctx, req, "approved", { approvals, decidedAt: at }, details, tx);
        // More approvals needed: record this one, stay pending (the version still moves on).
        if (!(await repo.update(id, req.version, { approvals }, at, tx)))
          throw new ConflictError(`request ${id} changed meanwhile`, {}, "STALE");
        const now = (await repo.find(id, tx)) as AccessRequestView;
        await transitions.record(ctx, { before: req, after: now, details, action: "access_request.approve" }, tx);
        return { request: now, deliveries: [] };
      })
      .catch(async (err: unknown) => {
        // The refusal rolled the decision back; the attempt itself is kept in the audit log.
        const attempt = refused;
        if (attempt) await db.transaction((tx) => transitions.selfDecisionRefused(ctx, attempt, decision, tx));
        throw err;
      });
    await after(out.deliveries, out.request.status === "approved" ? out.request.id : undefined);
    return out.request;
  }

  return {
    async create(ctx: CallContext, input: NewAccessRequest, idempotencyKey?: string): Promise<CreateResult> {
      if (!hasRole(ctx.principal, "requester")) throw new ForbiddenError("filing requests needs the requester role");
      const normalized = { ...input, purpose: input.purpose.trim() };
      const hash = canonicalHash(normalized);
      if (idempotencyKey !== undefined) {
        const seen = await replay(ctx, idempotencyKey, hash);
        if (seen) return seen;
      }
      const { target, lineages } = await validate(normalized);
      const allowed = await alreadyAllowed(normalized, target, lineages);
      if (allowed) return { kind: "already_allowed", entries: allowed };

      const governing = governingRule(
        await deps.rules.list(),
        normalized.accountIds.map((a) => lineages.get(a) ?? [a]),
        target.provider,
        normalized.dataClassification,
      );
      const dedupeKey = canonicalHash({
        requester: ctx.principal.id,
        accounts: [...normalized.accountIds].sort(),
        regions: [...normalized.regions].sort(),
        target: normalized.model,
      });
      const duplicate = async () => {
        const existing = await repo.pendingByDedupeKey(dedupeKey);
        return new ConflictError(
          `you already have a pending request for this (${existing ?? "unknown"})`,
          { existingRequestId: existing ?? null },
          "DUPLICATE_REQUEST",
        );
      };
      // A concurrent create with the same Idempotency-Key may have won meanwhile: its result is
      // this one's (a replay), never a 409.
      const duplicateOrReplay = async (): Promise<CreateResult> => {
        if (idempotencyKey !== undefined) {
          const seen = await replay(ctx, idempotencyKey, hash);
          if (seen) return seen;
        }
        throw await duplicate();
      };
      if (await repo.pendingByDedupeKey(dedupeKey)) return duplicateOrReplay();

      const id = randomUUID();
      const now = clock.now();
      let out: { request: AccessRequestView; deliveries: string[] };
      try {
        out = await db.transaction(async (tx) => {
          if (idempotencyKey !== undefined) {
            // Creates with one key run one after the other from here; a later one finds the
            // earlier one's key (committed by the time it holds the lock) and replays it.
            await repo.lockIdempotencyKey(ctx.principal.id, idempotencyKey, tx);
            if (await repo.findIdempotencyKey(ctx.principal.id, idempotencyKey, tx)) throw new IdempotencyKeyTaken();
          }
          await repo.insert(
            {
              id,
              requesterId: ctx.principal.id,
              requesterName: ctx.principal.name,
              requesterPerson: personOf(ctx.principal),
              accountIds: normalized.accountIds,
              regions: normalized.regions,
              target: normalized.model,
              modelId: target.modelId,
              profileId: target.profileId,
              provider: target.provider,
              purpose: normalized.purpose,
              dataClassification: normalized.dataClassification,
              durationHours: normalized.durationHours,
              ruleId: governing.ruleId,
              requiredApprovals: governing.requiredApprovals,
              approverRole: governing.approverRole,
              approverGroup: governing.approverGroup,
              autoApply: governing.autoApply,
              provisionVia: governing.provisionVia,
              dedupeKey,
              createdAt: now,
              pendingUntil: new Date(now.getTime() + settings.pendingTtlHours * 3_600_000),
            },
            tx,
          );
          if (idempotencyKey !== undefined)
            await repo.insertIdempotencyKey(
              {
                principalId: ctx.principal.id,
                key: idempotencyKey,
                requestHash: hash,
                resourceId: id,
                at: now,
              },
              tx,
            );
          const created = (await repo.find(id, tx)) as AccessRequestView;
          const deliveries = await transitions.record(
            ctx,
            { before: undefined, after: created, details: { comment: normalized.purpose } },
            tx,
          );
          if (!governing.autoApprove) return { request: created, deliveries };
          // Low-risk combination: the rule approves it; the system decides, citing the rule.
          const moved = await transitions.move(
            WORKFLOW_SYSTEM,
            created,
            "approved",
            { decidedAt: now },
            {
              decision: "approve",
              approverId: SYSTEM_PRINCIPAL.id,
              comment: "auto-approved by rule",
              cause: { ruleId: governing.ruleId, autoApprove: true },
            },
            tx,
          );
          return { request: moved.request, deliveries: [...deliveries, ...moved.deliveries] };
        });
      } catch (err) {
        if (!isUniqueViolation(err) && !(err instanceof IdempotencyKeyTaken)) throw err;
        // A concurrent create won: the same key (replay it) or the same pending request (409).
        return duplicateOrReplay();
      }
      await after(out.deliveries, out.request.status === "approved" ? id : undefined);
      return { kind: "created", request: out.request, replayed: false };
    },

    async list(
      ctx: CallContext,
      filter: AccessRequestFilter,
      page: { limit: number; cursor?: string },
    ): Promise<Page<AccessRequestView>> {
      if (!hasRole(ctx.principal, "requester", "auditor"))
        throw new ForbiddenError("needs the requester or auditor role");
      const cursor = decodeCursor(page.cursor, isTimeIdCursor);
      const rows = await Promise.all((await repo.list(reader(ctx), filter, page.limit, cursor)).map(annotate));
      return toPage(rows, page.limit, (last) => ({ createdAt: last.createdAt, id: last.id }));
    },

    async get(ctx: CallContext, id: string): Promise<AccessRequestView> {
      if (!hasRole(ctx.principal, "requester", "auditor"))
        throw new ForbiddenError("needs the requester or auditor role");
      const req = UUID.test(id) ? await repo.find(id) : undefined;
      // Invisible requests are reported as absent: their existence is not the caller's business.
      if (!req || !visible(ctx, req)) throw new NotFoundError(`request ${id} not found`);
      return annotate(req);
    },

    approve: (ctx: CallContext, id: string, opts: { comment?: string; ifMatch: number }) =>
      decide(ctx, id, "approve", opts),

    reject: (ctx: CallContext, id: string, opts: { comment?: string; ifMatch: number }) =>
      decide(ctx, id, "reject", opts),

    /** The requester withdraws a pending request. */
    async cancel(
      ctx: CallContext,
      id: string,
      opts: { comment?: string; ifMatch?: number },
    ): Promise<AccessRequestView> {
      if (!UUID.test(id)) throw new NotFoundError(`request ${id} not found`);
      const out = await db.transaction(async (tx) => {
        const req = await repo.lock(id, tx);
        if (!req || !visible(ctx, req)) throw new NotFoundError(`request ${id} not found`);
        if (!filedBy(ctx, req)) throw new ForbiddenError("only the requester can cancel a request");
        if (opts.ifMatch !== undefined && opts.ifMatch !== req.version)
          throw new PreconditionFailedError(`request ${id} is at version ${req.version}, not ${opts.ifMatch}`);
        return transitions.move(
          ctx,
          req,
          "cancelled",
          { decidedAt: clock.now() },
          { comment: opts.comment?.trim() || null },
          tx,
        );
      });
      await after(out.deliveries);
      return out.request;
    },
  };
}

export type AccessRequestService = ReturnType<typeof createAccessRequestService>;
