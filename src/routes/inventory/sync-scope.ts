// The API's scope of a sync run and the sync service's own shape (`scope`, `scopeId`, `region`):
// the only place the two meet, both ways.
import type { Static } from "typebox";
import { ValidationError } from "../../kernel/errors.js";
import type { SyncRunView } from "../../modules/inventory/inventory.types.js";
import type { SyncRequest } from "../../modules/inventory/sync.service.js";
import type { AccountRegionScope } from "../schemas.js";

type ApiScope = Static<typeof AccountRegionScope>;

/**
 * `{ kind: "account", id, region }` is one account-Region. `onlyRegion` narrows an organization or
 * OU sync to one Region of every account below; an account's Region goes in `scope.region`.
 */
export function toSyncRequest(scope: ApiScope, onlyRegion?: string): SyncRequest {
  if (scope.kind === "account") {
    if (onlyRegion !== undefined)
      throw new ValidationError("onlyRegion is for an organization or OU sync", [
        { field: "body.onlyRegion", message: "not with an account scope: use scope.region" },
      ]);
    return scope.region
      ? { scope: "account_region", scopeId: scope.id, region: scope.region }
      : { scope: "account", scopeId: scope.id };
  }
  const region = onlyRegion !== undefined ? { region: onlyRegion } : {};
  return scope.kind === "ou" ? { scope: "ou", scopeId: scope.id, ...region } : { scope: "organization", ...region };
}

export function syncRunView(run: SyncRunView) {
  const { scope, scopeId, region, ...rest } = run;
  const id = scopeId ?? "";
  if (scope === "organization" || scope === "ou")
    return { ...rest, scope: scope === "ou" ? { kind: "ou" as const, id } : { kind: scope }, onlyRegion: region };
  return { ...rest, scope: { kind: "account" as const, id, ...(region ? { region } : {}) }, onlyRegion: null };
}
