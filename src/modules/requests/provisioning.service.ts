// Provisioning use cases an admin starts: take access away now (revoke), or verify a request
// after applying its remediation plans by hand. The workflow itself runs as jobs
// (provisioning.jobs.ts) over the shared steps (provisioning-steps.ts).
import type { Database } from "../../db/prisma.js";
import { ConflictError, ForbiddenError, NotFoundError } from "../../kernel/errors.js";
import { type CallContext, hasRole } from "../../kernel/principal.js";
import type { AccessRequestRepository } from "./access-request.repository.js";
import type { AccessRequestView } from "./access-request.types.js";
import type { ProvisioningSteps } from "./provisioning-steps.js";
import type { Transitions } from "./request-transitions.js";

export function createProvisioningService(deps: {
  db: Database;
  repo: AccessRequestRepository;
  steps: ProvisioningSteps;
  transitions: Transitions;
}) {
  const { db, repo, steps, transitions } = deps;
  return {
    /** Expires undecided requests and ends grants past their time (the sweep job runs it on a schedule). */
    sweep: steps.sweep,

    /** Admin: takes an active request's access away now. */
    async revoke(
      ctx: CallContext,
      id: string,
      opts: { comment: string; ifMatch?: number },
    ): Promise<AccessRequestView> {
      if (!hasRole(ctx.principal, "admin")) throw new ForbiddenError("revoking access needs the admin role");
      const out = await steps.endActive(ctx, id, "revoked", opts.comment.trim(), opts.ifMatch);
      return out ?? ((await repo.find(id)) as AccessRequestView);
    },

    /** Admin: after applying a request's remediation plans by hand, re-sync and verify it. */
    async verifyNow(ctx: CallContext, id: string): Promise<AccessRequestView> {
      if (!hasRole(ctx.principal, "admin")) throw new ForbiddenError("verifying provisioning needs the admin role");
      const req = await repo.find(id);
      if (!req) throw new NotFoundError(`request ${id} not found`);
      if (req.status !== "provisioning")
        throw new ConflictError(
          `only a provisioning request can be verified (this one is ${req.status})`,
          {},
          "ILLEGAL_TRANSITION",
        );
      // The admin acted on what the request waited for: it no longer waits (audited).
      const resumed = await db.transaction(async (tx) => {
        const locked = await repo.lock(id, tx);
        return locked?.status === "provisioning" ? transitions.resume(ctx, locked, tx) : locked;
      });
      await steps.resyncAndVerify(resumed ?? req, []);
      return resumed ?? req;
    },
  };
}

export type ProvisioningService = ReturnType<typeof createProvisioningService>;
