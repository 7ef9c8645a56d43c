// Domain types of the invocation audit: normalized CloudTrail invocations, ingestion runs and
// checkpoints, and the analyses over them.
import type { CatalogScope } from "../catalog/catalog.types.js";

export const INVOCATION_SOURCES = ["lookup", "s3"] as const;
export type InvocationSource = (typeof INVOCATION_SOURCES)[number];

/** `partial`: some account-Regions ingested, others failed (as a sync run's `partial`). */
export const INGESTION_STATUSES = ["queued", "running", "succeeded", "partial", "failed"] as const;
export type IngestionStatus = (typeof INGESTION_STATUSES)[number];

/** One Bedrock invocation as CloudTrail recorded it. */
export interface InvocationRow {
  eventTime: Date;
  eventId: string;
  accountId: string;
  /** The Region the call was made in (source Region). */
  region: string;
  /** Where it ran: `additionalEventData.inferenceRegion` for cross-Region inference, else `region`. */
  inferenceRegion: string;
  eventSource: string;
  eventName: string;
  principalType: string | null;
  principalArn: string | null;
  /** Role ARN for assumed roles (the session issuer); the principal ARN otherwise. */
  principalIssuerArn: string | null;
  modelId: string | null;
  profileId: string | null;
  baseModelId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  bearerToken: boolean;
}

export interface IngestionParams {
  accountIds?: string[];
  regions?: string[];
  /** S3: the organization trail's bucket, the account that owns it, and the organization id. */
  bucket?: string;
  bucketAccount?: string;
  bucketRegion?: string;
  orgId?: string;
  /** The trail's S3 key prefix (its `S3KeyPrefix`), without slashes at the ends; unset: none. */
  keyPrefix?: string;
}

export interface Ingestion {
  id: string;
  source: InvocationSource;
  status: IngestionStatus;
  params: IngestionParams;
  requestedBy: string;
  createdAt: Date;
  finishedAt: Date | null;
  jobsTotal: number;
  jobsDone: number;
  jobsFailed: number;
  eventsRead: number;
  eventsAdded: number;
  pages: number;
  lastError: string | null;
  /** What this ingestion cannot see, said rather than reported as no calls. */
  warnings: string[];
}

/** What one ingestion job did. */
export interface IngestionJobResult {
  eventsRead: number;
  eventsAdded: number;
  pages: number;
  /** The time range the events read fall in (for the analysis that follows). */
  from?: Date;
  to?: Date;
}

export interface UsageRow {
  key: string;
  invocations: number;
  errors: number;
  firstAt: Date;
  lastAt: Date;
}

export interface DeniedBurst {
  accountId: string;
  region: string;
  principalArn: string | null;
  modelId: string | null;
  baseModelId: string | null;
  windowStart: Date;
  count: number;
  errorCode: string;
  /** What most likely refused: scp_deny, iam_policy, marketplace_permission, … */
  likelyGate: string;
  sampleMessage: string | null;
}

export interface UnusedGrant {
  entryId: string;
  model: string;
  scope: CatalogScope;
  owner: string;
  expiresAt: string | null;
}
