// Where an organization trail delivers an account-Region's files, and how their keys sort.

/**
 * `[<key prefix>/]AWSLogs/<org>/<account>/CloudTrail/<region>/`: a trail with an `S3KeyPrefix`
 * delivers under it ("Finding your CloudTrail log files", CloudTrail User Guide).
 */
export const trailPrefix = (orgId: string, accountId: string, region: string, keyPrefix?: string) =>
  `${keyPrefix ? `${keyPrefix}/` : ""}AWSLogs/${orgId}/${accountId}/CloudTrail/${region}/`;

/**
 * The StartAfter key for reading a trail prefix from `at` on: files are named
 * `<prefix>YYYY/MM/DD/<account>_CloudTrail_<region>_YYYYMMDDTHHMMZ_<id>.json.gz`, so keys sort by
 * delivery time within a prefix.
 */
export function trailKeyAt(prefix: string, accountId: string, region: string, at: Date): string {
  const iso = at.toISOString();
  const day = iso.slice(0, 10).replace(/-/g, "/");
  const stamp = `${iso.slice(0, 16).replace(/[-:]/g, "")}Z`;
  return `${prefix}${day}/${accountId}_CloudTrail_${region}_${stamp}`;
}

/** The delivery time in a trail file key, when it has one. */
export function trailKeyTime(key: string): Date | undefined {
  const m = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[^/]*$/.exec(key);
  if (!m) return undefined;
  const [, y, mo, d, h, mi] = m;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:00Z`);
}
