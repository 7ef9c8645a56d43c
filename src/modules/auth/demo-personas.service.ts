// Demo personas for the sandbox: one API key per role, so a newcomer can see the console as each
// person who uses it. Keys are minted once per process and handed out again while they are valid;
// they expire on their own (no standing credential survives a switch to a real organization by
// more than DEMO_KEY_HOURS), and every minting is in the audit log as a system action carrying the
// request id of the call that caused it.
import { type CallContext, ROLES, type Role, SYSTEM_PRINCIPAL } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import type { ApiKeyService } from "./api-key.service.js";

const DEMO_KEY_HOURS = 12;
/** A key closer than this to its expiry is replaced rather than handed out. */
const RENEW_BEFORE_MS = 60 * 60 * 1000;

export interface DemoPersona {
  role: Role;
  name: string;
  keyId: string;
  secret: string;
  expiresAt: string;
}

export function createDemoPersonaService(deps: { apiKeys: ApiKeyService; clock: Clock }) {
  const { apiKeys, clock } = deps;
  const issued = new Map<Role, DemoPersona>();
  // Callers arriving together wait for one minting instead of minting a set each.
  let pending: Promise<DemoPersona[]> | undefined;

  async function mintMissing(requestId: string | undefined): Promise<DemoPersona[]> {
    const now = clock.now().getTime();
    const ctx: CallContext = { principal: SYSTEM_PRINCIPAL, ...(requestId ? { requestId } : {}) };
    for (const role of ROLES) {
      const known = issued.get(role);
      if (known && Date.parse(known.expiresAt) - now > RENEW_BEFORE_MS) continue;
      const created = await apiKeys.create(ctx, {
        name: `demo-${role}`,
        role,
        expiresAt: new Date(now + DEMO_KEY_HOURS * 3600_000),
      });
      issued.set(role, {
        role,
        name: created.apiKey.name,
        keyId: created.apiKey.keyId,
        secret: created.secret,
        expiresAt: created.apiKey.expiresAt ?? new Date(now + DEMO_KEY_HOURS * 3600_000).toISOString(),
      });
    }
    return ROLES.map((role) => issued.get(role) as DemoPersona);
  }

  return {
    /** The demo keys, one per role (minted on first use, reused while valid). */
    async personas(requestId?: string): Promise<DemoPersona[]> {
      pending ??= mintMissing(requestId).finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}

export type DemoPersonaService = ReturnType<typeof createDemoPersonaService>;
