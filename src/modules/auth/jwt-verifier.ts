// Verifies OIDC access/ID tokens against the issuer's JWKS and maps their groups to roles.
import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from "jose";
import type { OidcConfig } from "../../config.js";
import { UnauthorizedError } from "../../kernel/errors.js";
import { type Principal, ROLES, type Role } from "../../kernel/principal.js";
import { createPrincipalIds } from "../../kernel/principal-ids.js";

function claimAt(payload: JWTPayload, dotted: string): unknown {
  let value: unknown = payload;
  for (const part of dotted.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  if (typeof value === "string") return value.split(/[\s,]+/).filter(Boolean);
  return [];
}

export function rolesForGroups(groups: string[], map: ReadonlyMap<string, Role>): Role[] {
  const roles = new Set<Role>();
  for (const g of groups) {
    const mapped = map.get(g);
    if (mapped) roles.add(mapped);
    else if (map.size === 0 && (ROLES as readonly string[]).includes(g)) roles.add(g as Role);
  }
  return [...roles];
}

function reason(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return "token expired";
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `token claim \`${err.claim}\` rejected`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return "token signature invalid";
  if (err instanceof joseErrors.JWKSNoMatchingKey) return "token signed by an unknown key";
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return "malformed token";
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return "token algorithm not allowed";
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid)
    return "identity provider keys unavailable";
  return "token rejected";
}

export function createJwtVerifier(oidc: OidcConfig) {
  const ids = createPrincipalIds(oidc.issuer);
  const jwks = createRemoteJWKSet(new URL(oidc.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
  return {
    async verify(token: string): Promise<Principal> {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          issuer: oidc.issuer,
          audience: oidc.audience,
          clockTolerance: oidc.clockToleranceSeconds,
          algorithms: ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"],
          requiredClaims: ["sub", "exp"],
        }));
      } catch (err) {
        throw new UnauthorizedError(reason(err));
      }
      const groups = asList(claimAt(payload, oidc.rolesClaim));
      const name =
        [payload.email, payload.preferred_username, payload.name].find((v): v is string => typeof v === "string") ??
        (payload.sub as string);
      // Namespaced: a `sub` of `apikey:<id>` (or anything else) can never name another kind of principal.
      const id = ids.user(payload.sub as string);
      return {
        kind: "user",
        id,
        person: id,
        name,
        roles: rolesForGroups(groups, oidc.groupRoleMap),
        groups,
      };
    },
  };
}

export type JwtVerifier = ReturnType<typeof createJwtVerifier>;
