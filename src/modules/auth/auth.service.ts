// Turns an Authorization header into a Principal: API keys (automation) or OIDC JWTs (people).
import { UnauthorizedError } from "../../kernel/errors.js";
import type { Principal } from "../../kernel/principal.js";
import { API_KEY_PREFIX, type ApiKeyService } from "./api-key.service.js";
import type { JwtVerifier } from "./jwt-verifier.js";

export function createAuthService(deps: { apiKeys: ApiKeyService; jwt: JwtVerifier | undefined }) {
  return {
    async authenticate(authorization: string | undefined): Promise<Principal> {
      if (!authorization) throw new UnauthorizedError("missing Authorization header (Bearer token)");
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!m?.[1]) throw new UnauthorizedError("Authorization must be `Bearer <token>`");
      const token = m[1];
      if (token.startsWith(API_KEY_PREFIX)) return deps.apiKeys.authenticate(token);
      if (!deps.jwt) throw new UnauthorizedError("token is not an API key and no OIDC issuer is configured");
      return deps.jwt.verify(token);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
