// Preflight's building blocks: the templates a fix names, bounded concurrency, sampling, and the
// actions (and resources) a role is simulated for, from the call table.
import { actionsFor, type PermissionLevel, type ResourceScope, type TemplateScope } from "../../aws/call-table.js";

export const MEMBER_TEMPLATE = "deploy/cloudformation/member-role.yaml";
export const MANAGEMENT_TEMPLATE = "deploy/cloudformation/management-account.yaml";
export const MANTLE_TEMPLATE = "deploy/cloudformation/org-trail-mantle-selector.yaml";
export const CONCURRENCY = 8;

export const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export async function pool<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

/** `n` accounts spread evenly over the sorted list (every account when n ≥ the count). */
export function sampleAccounts<T extends { id: string }>(accounts: readonly T[], n: number | undefined): T[] {
  const sorted = [...accounts].sort((a, b) => a.id.localeCompare(b.id));
  if (n === undefined || n >= sorted.length) return sorted;
  const step = sorted.length / n;
  return Array.from({ length: n }, (_, i) => sorted[Math.floor(i * step)] as T);
}

/** The IAM actions the member role needs in an account at a level (remediation includes read), per resource scope. */
export function memberActions(scope: TemplateScope, level: PermissionLevel, resource: ResourceScope = "any"): string[] {
  const levels: PermissionLevel[] = level === "remediation" ? ["read", "remediation"] : ["read"];
  return [...new Set(levels.flatMap((l) => actionsFor(scope, l, resource)))].sort();
}

/** The resources an action is simulated on: the trail bucket's actions on the bucket (ListBucket) or its objects. */
export function simulations(actions: string[], resource: ResourceScope, bucket: string | undefined) {
  if (resource !== "trail-bucket") return actions.length > 0 ? [{ actions, resources: [] as string[] }] : [];
  if (bucket === undefined) return [];
  return actions.map((a) => ({
    actions: [a],
    resources: [a === "s3:ListBucket" ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/*`],
  }));
}
