// Queue names and payloads of the access-request workflow.
export const REQUEST_JOBS = {
  /** Grant, plan (and apply) the remediation, re-sync. Key: `provision:<requestId>`. */
  provision: "access-requests.provision",
  /** Checks the re-sync and decides active or failed. Key: `verify:<requestId>`. */
  verify: "access-requests.verify",
  /** Plans (and applies) the reversal after a grant ended. Key: `reverse:<requestId>`. */
  reverse: "access-requests.reverse",
  /** Expires pending requests, ends grants past their time, re-queues stuck work (cron). */
  sweep: "access-requests.sweep",
} as const;

export interface ProvisionJob {
  requestId: string;
}
export interface VerifyJob {
  requestId: string;
  runIds: string[];
  attempt: number;
  /** 0: after provisioning; 1: after a second plan made on the verifying sync's fresh facts. */
  round?: number;
}
export interface ReverseJob {
  requestId: string;
}
