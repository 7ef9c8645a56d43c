// Principal ids are namespaced by how the caller authenticated, so that no credential of one kind
// can name itself as a principal of another: `oidc:<issuer tag>:<sub>` for people signed in with
// the identity provider, `apikey:<key id>` for API keys, `system` for the service itself.
import { createHash } from "node:crypto";

const NAMESPACED = /^(?:oidc:|apikey:)/;

/** A short, stable tag of an OIDC issuer URL (a different issuer's `sub` is a different person). */
export function issuerTag(issuer: string): string {
  return createHash("sha256").update(issuer).digest("hex").slice(0, 12);
}

export const apiKeyPrincipalId = (keyId: string): string => `apikey:${keyId}`;

export interface PrincipalIds {
  /** The principal id of an OIDC subject of the configured issuer. */
  user(sub: string): string;
  /**
   * A stored id as it reads today. Ids stored before namespacing carry no prefix: they were the
   * `sub` of a user of the configured issuer (API keys were already `apikey:` and the service
   * `system`), so they read as that user's principal id.
   */
  canonical(stored: string): string;
  /** Every form an id may have been stored under (the namespaced id, and its legacy bare `sub`). */
  storedForms(id: string): string[];
}

export function createPrincipalIds(issuer: string | undefined): PrincipalIds {
  const prefix = issuer === undefined ? undefined : `oidc:${issuerTag(issuer)}:`;
  const isLegacy = (id: string) => id !== "system" && !NAMESPACED.test(id);
  return {
    user(sub) {
      if (prefix === undefined) throw new Error("no OIDC issuer is configured");
      return `${prefix}${sub}`;
    },
    canonical(stored) {
      return prefix !== undefined && isLegacy(stored) ? `${prefix}${stored}` : stored;
    },
    storedForms(id) {
      if (prefix === undefined || !id.startsWith(prefix)) return [id];
      const sub = id.slice(prefix.length);
      return isLegacy(sub) ? [id, sub] : [id];
    },
  };
}
