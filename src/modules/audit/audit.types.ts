import type { PrincipalKind } from "../../kernel/principal.js";

/** A JSON-safe summary of state before/after a change. Never holds secrets. */
export type AuditSummary = Record<string, unknown>;

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId?: string;
  before?: AuditSummary;
  after?: AuditSummary;
}

export interface AuditEvent {
  id: string;
  occurredAt: string;
  actorType: PrincipalKind;
  actorId: string;
  actorName: string | null;
  actorRoles: string[];
  action: string;
  targetType: string;
  targetId: string | null;
  before: AuditSummary | null;
  after: AuditSummary | null;
  requestId: string | null;
  /** Hash chain: sha256 over this entry's content and `prevHash` (see GET /v1/audit-events/verify). */
  prevHash: string;
  hash: string;
}

export type AuditChainBreak =
  /** The entry's content no longer matches its hash: it was edited. */
  | { id: string; reason: "content_altered"; detail: string }
  /** The entry does not link to the one before it: entries in between were deleted or replaced. */
  | { id: string; reason: "link_broken"; detail: string; previousId: string | null }
  /** The chain head records a later entry than the last one present: the newest were deleted. */
  | { id: string; reason: "tail_missing"; detail: string }
  /** An externally anchored head (id and hash exported earlier) is not in the chain as it was. */
  | { id: string; reason: "anchor_mismatch"; detail: string };

export interface AuditVerification {
  ok: boolean;
  /** Entries found intact (before the first broken link, when there is one). */
  checked: number;
  /** The first broken link, in chain order; null when the chain is intact. */
  firstBroken: AuditChainBreak | null;
  /** The chain head (publish it elsewhere to detect a rewritten chain). */
  head: { id: string; hash: string };
}

/** An exported chain head, to anchor outside the service (a ticket, a WORM bucket, a transparency log). */
export interface AuditHeadExport {
  id: string;
  hash: string;
  exportedAt: string;
  /**
   * Ed25519 over the UTF-8 text `bedrock-governor audit head\n<id>\n<hash>\n<exportedAt>`, with
   * the public key (SPKI PEM) and its id (first 16 hex of SHA-256 over the DER); null when no
   * AUDIT_SIGNING_KEY_FILE is configured.
   */
  signature: { algorithm: "ed25519"; keyId: string; publicKey: string; value: string } | null;
}

/** The text an exported head's signature covers. */
export const headMessage = (h: Pick<AuditHeadExport, "id" | "hash" | "exportedAt">): string =>
  `bedrock-governor audit head\n${h.id}\n${h.hash}\n${h.exportedAt}`;

export interface AuditFilter {
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  requestId?: string;
  from?: Date;
  to?: Date;
}
