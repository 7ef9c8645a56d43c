// Filing checks for model-access requests: the request against the inventory (accounts, Regions,
// the model or profile and where it is offered), and whether desired state already allows it.
import { UnprocessableError } from "../../kernel/errors.js";
import type { Clock } from "../../lib/clock.js";
import type { CatalogEntry, DesiredStateSource } from "../catalog/catalog.types.js";
import { entryAllowsRegion, entryAppliesTo } from "../catalog/catalog-scope.js";
import { isExpired, modelMatches } from "../catalog/grants.js";
import type { PairVerdict } from "../reachability/reachability.service.js";
import type { NewAccessRequest } from "./access-request.types.js";
import type { RequestInventoryRepository, TargetFact } from "./request-inventory.repository.js";

/**
 * Gates no approval can open: the Region does not offer the model on the requested path, or its
 * lifecycle has closed it. Anything else (SCPs, IAM, retention, entitlements, the use case, the
 * Marketplace) is what provisioning or the account's owners can change.
 */
const UNOPENABLE_GATES = new Set(["region", "lifecycle"]);

/** The reachability engine, as filing asks it (the access-request pre-flight). */
export interface PreflightPort {
  judgePairs(
    accountIds: readonly string[],
    regions: readonly string[],
    modelId: string,
    profileId: string | null,
    opts?: { ignorePolicyIds?: readonly string[] },
  ): Promise<PairVerdict[]>;
}

export function createRequestFiling(deps: {
  /** Absent: no pre-flight (the engine is not wired). */
  preflight?: PreflightPort;
  inventory: RequestInventoryRepository;
  desired: DesiredStateSource;
  clock: Clock;
  settings: { maxDurationHours: number };
}) {
  const { inventory, clock, settings } = deps;

  /** Validates against the inventory; throws 422 naming the field. */
  async function validate(input: NewAccessRequest): Promise<{ target: TargetFact; lineages: Map<string, string[]> }> {
    const uniq = (xs: string[], field: string) => {
      const dup = xs.findIndex((x, i) => xs.indexOf(x) !== i);
      if (dup >= 0)
        throw new UnprocessableError(
          `${xs[dup]} is listed twice`,
          [{ field: `body.${field}[${dup}]`, message: "duplicate" }],
          "DUPLICATE_VALUE",
        );
    };
    uniq(input.accountIds, "accountIds");
    uniq(input.regions, "regions");
    if (input.durationHours > settings.maxDurationHours)
      throw new UnprocessableError(
        `access can be requested for at most ${settings.maxDurationHours} hours`,
        [{ field: "body.durationHours", message: `at most ${settings.maxDurationHours}` }],
        "DURATION_TOO_LONG",
      );
    const accounts = await inventory.accounts(input.accountIds);
    const unknown = input.accountIds.findIndex((id) => !accounts.has(id));
    if (unknown >= 0)
      throw new UnprocessableError(
        `account ${input.accountIds[unknown]} is not in the organization inventory`,
        [{ field: `body.accountIds[${unknown}]`, message: "unknown account" }],
        "UNKNOWN_ACCOUNT",
      );
    const inactive = input.accountIds.findIndex((id) => accounts.get(id)?.state !== "ACTIVE");
    if (inactive >= 0)
      throw new UnprocessableError(
        `account ${input.accountIds[inactive]} is ${accounts.get(input.accountIds[inactive] as string)?.state}, not ACTIVE`,
        [{ field: `body.accountIds[${inactive}]`, message: "account not active" }],
        "ACCOUNT_NOT_ACTIVE",
      );
    const regions = await inventory.knownRegions();
    const badRegion = input.regions.findIndex((r) => !regions.has(r));
    if (badRegion >= 0)
      throw new UnprocessableError(
        `Region ${input.regions[badRegion]} is not in the inventory (known: ${[...regions].sort().join(", ")})`,
        [{ field: `body.regions[${badRegion}]`, message: "unknown Region" }],
        "UNKNOWN_REGION",
      );
    const target = await inventory.target(input.model);
    if (!target)
      throw new UnprocessableError(
        `${input.model} is neither a model nor an inference profile the inventory knows`,
        [{ field: "body.model", message: "unknown model or inference profile" }],
        "UNKNOWN_MODEL",
      );
    const offered = await inventory.offeredPairs(input.accountIds, input.regions, target);
    const missing = input.accountIds.flatMap((a) =>
      input.regions.filter((r) => !offered.has(`${a}|${r}`)).map((r) => ({ accountId: a, region: r })),
    );
    if (missing.length > 0) {
      const first = missing[0] as { accountId: string; region: string };
      const profiles = target.profiles.map((p) => ({ profileId: p.profileId, sourceRegions: p.sourceRegions }));
      const where =
        target.kind === "profile"
          ? `profile ${target.profileId} cannot be called from ${first.region} in ${first.accountId}`
          : `${target.modelId} is not offered in ${first.region}${input.accountIds.length > 1 ? ` for account ${first.accountId}` : ""}`;
      throw new UnprocessableError(
        `${where}; it is offered in ${target.offeredIn.join(", ") || "no Region"}${profiles.length ? ` and reachable through ${profiles.map((p) => `${p.profileId} (from ${p.sourceRegions.join(", ")})`).join(", ")}` : ""}`,
        [
          {
            field: `body.regions[${input.regions.indexOf(first.region)}]`,
            message: "model not offered in this Region",
          },
        ],
        "MODEL_NOT_OFFERED",
        { offeredIn: target.offeredIn, profiles, missing },
      );
    }
    // Pre-flight: the engine on the stored inventory. A pair no approval could open is refused here
    // rather than approved, provisioned and still failing.
    const verdicts = deps.preflight
      ? await deps.preflight.judgePairs(input.accountIds, input.regions, target.modelId, target.profileId)
      : [];
    // A bare model id that, in a requested Region, only an inference profile reaches (the engine
    // lists no direct path past the region gate, nor any other kind): ask for the profile instead.
    const isProfile = (kind: string) => kind === "profile" || kind === "global_profile";
    const viaProfileOnly = verdicts.filter(
      (v) =>
        target.kind === "model" &&
        !v.paths.some((p) => !isProfile(p.kind) && p.gate !== "region") &&
        v.paths.some((p) => isProfile(p.kind) && p.gate !== "region"),
    );
    if (viaProfileOnly.length > 0) {
      const profiles = [
        ...new Set(
          viaProfileOnly
            .flatMap((v) => v.paths.filter((p) => isProfile(p.kind) && p.gate !== "region"))
            .map((p) => p.name),
        ),
      ].sort();
      const regions = [...new Set(viaProfileOnly.map((v) => v.region))];
      throw new UnprocessableError(
        `${input.model} can only be called through an inference profile in ${regions.join(", ")}; request ${profiles.join(" or ")} instead`,
        [{ field: "body.model", message: `only an inference profile reaches it: ${profiles.join(", ")}` }],
        "INFERENCE_PROFILE_REQUIRED",
        { profiles, regions },
      );
    }
    const closed = verdicts.find((v) => v.status === "blocked" && v.gate !== null && UNOPENABLE_GATES.has(v.gate));
    if (closed)
      throw new UnprocessableError(
        `${input.model} cannot be called in ${closed.accountId} ${closed.region}: ${closed.reason} (gate ${closed.gate}); no approval can change that`,
        [
          {
            field: `body.regions[${input.regions.indexOf(closed.region)}]`,
            message: `blocked at the ${closed.gate} gate`,
          },
        ],
        "MODEL_UNREACHABLE",
        { preflight: verdicts },
      );
    return { target, lineages: new Map([...accounts].map(([id, a]) => [id, a.lineage])) };
  }

  /** The entries (catalog or active grants) allowing every requested pair, or undefined. */
  async function alreadyAllowed(
    input: NewAccessRequest,
    target: TargetFact,
    lineages: Map<string, string[]>,
  ): Promise<CatalogEntry[] | undefined> {
    const now = clock.now();
    const entries = (await deps.desired.entries(now)).filter(
      (e) =>
        !isExpired(e, now) &&
        modelMatches(e.model, target.modelId) &&
        (e.viaProfiles === undefined || (target.profileId !== null && e.viaProfiles.includes(target.profileId))),
    );
    const used = new Map<string, CatalogEntry>();
    for (const accountId of input.accountIds) {
      for (const region of input.regions) {
        const hit = entries.find(
          (e) => entryAppliesTo(e, lineages.get(accountId) ?? [accountId]) && entryAllowsRegion(e, region),
        );
        if (!hit) return undefined;
        used.set(hit.id, hit);
      }
    }
    return [...used.values()];
  }

  return { validate, alreadyAllowed };
}

export type RequestFiling = ReturnType<typeof createRequestFiling>;
