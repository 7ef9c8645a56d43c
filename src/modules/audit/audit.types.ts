import type { PrincipalKind } from "../auth/auth.types.js";

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
}

export interface AuditFilter {
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  requestId?: string;
  from?: Date;
  to?: Date;
}
