// Domain types of the access doctor: the gates a Bedrock call passes, in the order AWS applies
// them, and the report that explains which one stops a principal.
import type { AwsGate } from "../../aws/errors.js";

/** The five independent gates, in the order they are checked. */
export const DOCTOR_GATES = ["credentials", "region", "model_access", "org_policy", "iam"] as const;
export type DoctorGate = (typeof DOCTOR_GATES)[number];

export const GATE_STATUSES = ["pass", "fail", "unknown"] as const;
export type GateStatus = (typeof GATE_STATUSES)[number];

export const GATE_TITLES: Record<DoctorGate, string> = {
  credentials: "Credentials",
  region: "Region",
  model_access: "Model access",
  org_policy: "Organization policy",
  iam: "IAM",
};

export interface GateResult {
  gate: DoctorGate;
  status: GateStatus;
  /** One sentence: what was found. */
  summary: string;
  /** The facts used (API answers, policy statements), JSON-safe. */
  evidence: Record<string, unknown>;
  /** What to do, in plain words; null when the gate passes. */
  fix: string | null;
}

/** A gate the classifier can name: the doctor's gates plus what is not a gate (quota, bad request…). */
export type ClassifiedGate = AwsGate | "unknown";

export interface ErrorDiagnosis {
  gate: ClassifiedGate;
  /** The table row that matched; null when none did. */
  rule: string | null;
  /** The AWS exception name found in the text. */
  code: string | null;
  confidence: "high" | "medium" | "low";
  explanation: string;
  fix: string;
  details: {
    principalArn?: string;
    action?: string;
    resource?: string;
    region?: string;
    modelId?: string;
    operation?: string;
  };
}

export interface ErrorAssessment extends ErrorDiagnosis {
  /** How the live checks relate to the pasted error. */
  live: "confirmed" | "contradicted" | "not_reproduced" | "not_checked";
  liveNote: string;
}

export interface GovernanceResult {
  /** Approved by the catalog (or an access grant) for this account-Region; null when unknown. */
  approved: boolean | null;
  /** Catalog entries that apply to the account and cover the model. */
  entryIds: string[];
  /** Pending or active access requests; null when the requests module is not available. */
  requests: { id: string; status: string }[] | null;
  summary: string;
}

export interface ProbeResult {
  /** skipped: not run, because the service has no working credentials in the account. */
  status: "pass" | "fail" | "skipped";
  /** What was invoked (model id or inference profile id). */
  target: string;
  summary: string;
  reply: string | null;
  error: { awsCode: string | null; gate: string; message: string } | null;
}

export interface DoctorRequest {
  accountId: string;
  region: string;
  /** Model id, inference profile id, or either's ARN. */
  model: string;
  principalArn?: string;
  errorText?: string;
  probe?: boolean;
}

export type Verdict = "ok" | "blocked" | "inconclusive";

export interface DoctorReport {
  accountId: string;
  region: string;
  model: string;
  principalArn: string | null;
  /** ok: every gate passes; blocked: one fails (the first is `blockingGate`); inconclusive: none fails, some unknown. */
  verdict: Verdict;
  blockingGate: DoctorGate | null;
  gates: GateResult[];
  governance: GovernanceResult;
  error: ErrorAssessment | null;
  probe: ProbeResult | null;
  checkedAt: Date;
}

/**
 * Open access requests for an account-Region-model, from the access-requests module when it is
 * wired (a narrow port so the doctor does not depend on that module's internals).
 */
export interface AccessRequestsPort {
  openFor(accountId: string, region: string, modelId: string): Promise<{ id: string; status: string }[]>;
}
