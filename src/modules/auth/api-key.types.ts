import type { Role } from "../../kernel/principal.js";

export type ApiKeyStatus = "active" | "expired" | "revoked";

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  /** Public part of the key (`bgk_<keyId>_…`), safe to show and log. */
  keyId: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  lastUsedAt: string | null;
  status: ApiKeyStatus;
}

/** Returned once, at creation: the only time the secret is ever visible. */
export interface CreatedApiKey {
  apiKey: ApiKey;
  secret: string;
}

export interface NewApiKey {
  name: string;
  role: Role;
  expiresAt?: Date;
}
