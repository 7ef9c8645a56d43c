// Domain types of the access doctor: the gates a Bedrock call passes, in the order AWS applies
// them, and the report that explains which one stops a principal.
import type { AwsGate } from "../../aws/errors.js";
import { GATES, type Gate } from "../reachability/reachability.types.js";

/** The gates a call passes: the reachability engine's, in its order (the doctor adds live reads). */
export const DOCTOR_GATES = GATES;
export type DoctorGate = Gate;

export const GATE_STATUSES = ["pass", "fail", "unknown"] as const;
export type GateStatus = (typeof GATE_STATUSES)[number];

export const GATE_TITLES: Record<DoctorGate, string> = {
  credentials: "Credentials",
  bedrock_policy: "Bedrock policy",
  region: "Region",
  org_policy: "Organization policy",
  iam: "IAM",
  lifecycle: "Lifecycle",
  data_retention: "Data retention",
  entitlement: "Entitlement",
  use_case: "Use case",
  marketplace: "Marketplace",
};

/** The classifier's gate names (AWS error families) → the engine gates they can come from. */
export const CLASSIFIED_GATES: Partial<Record<string, readonly DoctorGate[]>> = {
  credentials: ["credentials"],
  region: ["region"],
  model_access: ["lifecycle", "data_retention", "entitlement", "use_case", "marketplace"],
  org_policy: ["org_policy", "bedrock_policy"],
  iam: ["iam"],
};

/** One call path and the engine's verdict on it (the report's `gates` detail the requested one). */
export interface PathSummary {
  /** `direct`, the profile id, `mantle`, `claude_platform`. */
  path: string;
  kind: string;
  status: "usable" | "blocked" | "unknown";
  gate: DoctorGate | null;
  reason: string;
  /** Where the inference runs (`*`: any Region). */
  destinations: readonly string[];
}

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

/** What one of the doctor's live readers saw (`model_access` covers the availability-based gates). */
export interface LiveReading extends Omit<GateResult, "gate"> {
  gate: DoctorGate | "model_access";
}

/** A gate the classifier can name: the doctor's gates plus what is not a gate (quota, bad request…). */
export type ClassifiedGate = AwsGate | "unknown";

export interface ErrorDiagnosis {
  gate: ClassifiedGate;
  /** The reachability gate the error most likely comes from; null when the text does not tell. */
  likelyGate: DoctorGate | null;
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
  /** Every path the model can be called through from the Region, judged by the engine. */
  paths: PathSummary[];
  governance: GovernanceResult;
  error: ErrorAssessment | null;
  probe: ProbeResult | null;
  checkedAt: Date;
}

/**
 * Open access requests for an account-Region-model, from the access-requests module (a narrow
 * port so the doctor does not depend on that module's internals).
 */
export interface AccessRequestsPort {
  openFor(accountId: string, region: string, modelId: string): Promise<{ id: string; status: string }[]>;
}
