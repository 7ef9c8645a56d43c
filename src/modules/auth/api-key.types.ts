import type { Role } from "../../kernel/principal.js";

export type ApiKeyStatus = "active" | "expired" | "revoked";

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  /** Public part of the key (`bgk_<keyId>_…`), safe to show and log. */
  keyId: string;
  createdBy: string;
  /** The person the key acts for (a user's principal id); null for a service key. */
  owner: string | null;
  /** Automation acting for nobody: may call the API, never decides requests. */
  service: boolean;
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
  /** Who the key belongs to (default: the creating person); only an admin names someone else. */
  owner?: string;
  /** A service key: belongs to nobody and never decides. Excludes `owner`. */
  service?: boolean;
}
