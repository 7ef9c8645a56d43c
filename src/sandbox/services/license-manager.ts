// AWS License Manager (awsJson1_1, `x-amz-target: AWSLicenseManager.<Op>`) as Managed Entitlements
// for Amazon Bedrock uses it: the management account holds a license per subscribed Marketplace
// model and distributes grants to accounts, OUs or the organization; receiving accounts accept and
// activate them [doc "Managed Entitlements for Bedrock — API Reference" (us-east-1); License Manager
// "Grant acceptance and activation", "License status for grants"].
import { parseArn } from "../../kernel/aws-ids.js";
import type { CallContext, ServiceModule } from "../context.js";
import { grantCovers, receivedGrants, receivedStatus } from "../entitlements.js";
import { AwsError } from "../errors.js";
import { paginate } from "../pagination.js";
import { jsonOperation, parseJsonBody } from "../protocols/json.js";
import type { ReceivedGrantState } from "../scenario-access-schema.js";
import { grantArnFor, grantScope } from "../state-access.js";
import type { GrantRecord, LicenseRecord, SandboxState } from "../state-types.js";

const TARGET = "AWSLicenseManager";
const err = (code: string, status: number, message: string) => new AwsError(code, message, status);
const notFound = (arn: string) => err("ResourceNotFoundException", 400, `Resource ${arn} was not found.`);
const notAllowed = () =>
  err("AuthorizationException", 403, "The AWS user account does not have permission to perform the action.");
const badState = (msg: string) => err("InvalidResourceStateException", 400, msg);
const invalid = (msg: string) => err("InvalidParameterValueException", 400, msg);

/** A child grant (OU or organization distribution) has its own ARN per receiving account. */
const childArn = (g: GrantRecord, account: string) => grantArnFor(g.grantor, `${g.arn}|${account}`);

interface Located {
  grant: GrantRecord;
  /** The receiving account when the ARN is a received (account or child) grant. */
  account?: string;
  child: boolean;
}

function locate(state: SandboxState, arn: string): Located | undefined {
  const direct = state.grants.get(arn);
  if (direct !== undefined)
    return direct.scope.kind === "account"
      ? { grant: direct, account: direct.scope.id, child: false }
      : { grant: direct, child: false };
  for (const g of state.grants.values()) {
    if (g.scope.kind === "account") continue;
    for (const a of state.accounts.keys())
      if (childArn(g, a) === arn && grantCovers(state, g, a)) return { grant: g, account: a, child: true };
  }
  return undefined;
}

function grantShape(g: GrantRecord, view: { account?: string; child?: boolean }) {
  const status = view.account !== undefined ? receivedStatus(g, view.account) : "WORKFLOW_COMPLETED";
  return {
    GrantArn: view.child && view.account ? childArn(g, view.account) : g.arn,
    GrantName: g.name,
    ParentArn: view.child ? g.arn : g.licenseArn,
    LicenseArn: g.licenseArn,
    GranteePrincipalArn: view.child && view.account ? `arn:aws:iam::${view.account}:root` : g.principalArn,
    HomeRegion: g.homeRegion,
    GrantStatus: g.deleted ? "DELETED" : status,
    Version: String(g.version),
    GrantedOperations: g.allowedOperations,
  };
}

function licenseShape(l: LicenseRecord, status: ReceivedGrantState, allowed: string[]) {
  return {
    LicenseArn: l.arn,
    LicenseName: l.name,
    ProductName: l.name,
    ProductSKU: l.productSku,
    // IssuerDetails (Name, SignKey, KeyFingerprint) [doc License Manager API Reference
    // API_IssuerDetails, API_ListReceivedLicenses]: AWS Marketplace licenses carry the Marketplace
    // issuer's fingerprint [doc AWS Marketplace Seller Guide "Contract pricing with AWS License Manager"].
    Issuer: { Name: "AWS/Marketplace", KeyFingerprint: "aws:294406891311:AWS/Marketplace:issuer-fingerprint" },
    HomeRegion: "us-east-1",
    Status: "AVAILABLE",
    Validity: { Begin: l.createdAt.toISOString() },
    Beneficiary: l.beneficiary,
    Entitlements: [{ Name: "AmazonBedrock", Unit: "None", Overage: false, AllowCheckIn: false }],
    ConsumptionConfiguration: { RenewType: "None" },
    CreateTime: String(Math.floor(l.createdAt.getTime() / 1000)),
    Version: "1",
    ReceivedMetadata: { ReceivedStatus: status, AllowedOperations: allowed },
  };
}

type Filters = { Name?: string; Values?: string[] }[] | undefined;
function matches(filters: Filters, fields: Record<string, string>): boolean {
  return (filters ?? []).every((f) => f.Name === undefined || (f.Values ?? []).includes(fields[f.Name] ?? ""));
}

function page<T>(ctx: CallContext, input: Record<string, unknown>, items: T[]) {
  const max = typeof input.MaxResults === "number" ? input.MaxResults : 100;
  return paginate(items, {
    scope: `${ctx.operation}:${ctx.caller.account}`,
    token: typeof input.NextToken === "string" ? input.NextToken : undefined,
    pageSize: Math.max(1, Math.min(max, 100)),
    invalid: () => invalid("The pagination token is invalid."),
  });
}

function principalOf(state: SandboxState, arn: string): string {
  const org = state.organization;
  if (arn === org.arn) return "organization";
  const parsed = parseArn(arn);
  if (parsed?.service === "iam" && parsed.resource === "root" && state.accounts.has(parsed.accountId))
    return parsed.accountId;
  const ou = [...state.ous.values()].find((o) => o.arn === arn);
  if (ou !== undefined) return ou.id;
  throw invalid(`Principal ${arn} is not an account, organizational unit or organization of your organization.`);
}

function handle(ctx: CallContext): unknown {
  const { state } = ctx;
  const me = ctx.caller.account;
  const input = parseJsonBody(ctx.body);
  const str = (k: string) => (typeof input[k] === "string" ? (input[k] as string) : undefined);
  const required = (k: string) =>
    str(k) ??
    (() => {
      throw err("ValidationException", 400, `${k} is required.`);
    })();
  switch (ctx.operation) {
    case "CreateGrant": {
      const license = state.licenses.get(required("LicenseArn"));
      if (license === undefined) throw invalid(`License ${str("LicenseArn")} does not exist.`);
      if (license.beneficiary !== me) throw notAllowed();
      const principals = Array.isArray(input.Principals) ? (input.Principals as string[]) : [];
      if (principals.length !== 1) throw invalid("Specify exactly one principal.");
      const scope = grantScope(principalOf(state, principals[0] as string), state.organization, state.accounts);
      const arn = grantArnFor(me, `api|${required("ClientToken")}|${license.arn}|${principals[0]}`);
      const g: GrantRecord = {
        arn,
        name: required("GrantName"),
        licenseArn: license.arn,
        modelId: license.modelId,
        grantor: me,
        principalArn: principals[0] as string,
        scope,
        homeRegion: required("HomeRegion"),
        allowedOperations: Array.isArray(input.AllowedOperations) ? (input.AllowedOperations as string[]) : [],
        version: 1,
        deleted: false,
        defaultStatus: state.switches.newGrantStatus,
        accounts: new Map(),
      };
      state.grants.set(arn, state.grants.get(arn) ?? g);
      const status = scope.kind === "account" ? g.defaultStatus : "PENDING_WORKFLOW";
      return { GrantArn: arn, Status: status, Version: "1" };
    }
    case "ListDistributedGrants": {
      const list = [...state.grants.values()]
        .filter((g) => g.grantor === me && g.homeRegion === ctx.region)
        .map((g) => grantShape(g, g.scope.kind === "account" ? { account: g.scope.id } : {}))
        .filter((g) =>
          matches(input.Filters as Filters, {
            LicenseArn: g.LicenseArn,
            GrantStatus: g.GrantStatus,
            GranteePrincipalARN: g.GranteePrincipalArn,
          }),
        );
      const arns = input.GrantArns as string[] | undefined;
      const { page: items, nextToken } = page(
        ctx,
        input,
        list.filter((g) => !arns || arns.includes(g.GrantArn)),
      );
      return { Grants: items, NextToken: nextToken };
    }
    case "ListReceivedGrants": {
      const list = receivedGrants(state, me)
        .filter(({ grant }) => grant.homeRegion === ctx.region)
        .map(({ grant }) => grantShape(grant, { account: me, child: grant.scope.kind !== "account" }))
        .filter((g) => matches(input.Filters as Filters, { LicenseArn: g.LicenseArn, GrantStatus: g.GrantStatus }));
      const { page: items, nextToken } = page(ctx, input, list);
      return { Grants: items, NextToken: nextToken };
    }
    case "GetGrant": {
      const arn = required("GrantArn");
      const at = locate(state, arn);
      if (at === undefined || (at.grant.grantor !== me && at.account !== me)) throw notFound(arn);
      const view =
        at.account === me || at.child
          ? { account: at.account, child: at.child }
          : at.account
            ? { account: at.account }
            : {};
      return { Grant: grantShape(at.grant, view) };
    }
    case "AcceptGrant":
    case "RejectGrant": {
      const arn = required("GrantArn");
      const at = locate(state, arn);
      if (at === undefined || at.account !== me || at.grant.deleted) throw notFound(arn);
      if (receivedStatus(at.grant, me) !== "PENDING_ACCEPT") throw badState("The grant is not pending acceptance.");
      // "Grants that are accepted but not yet activated have a status of Disabled."
      const next = ctx.operation === "AcceptGrant" ? "DISABLED" : "REJECTED";
      at.grant.accounts.set(me, next);
      return { GrantArn: arn, Status: next, Version: String(at.grant.version) };
    }
    case "CreateGrantVersion": {
      const arn = required("GrantArn");
      const at = locate(state, arn);
      if (at === undefined || at.grant.deleted || (at.grant.grantor !== me && at.account !== me)) throw notFound(arn);
      const status = str("Status");
      if (status !== undefined && status !== "ACTIVE" && status !== "DISABLED")
        throw invalid(`Status ${status} cannot be set; use ACTIVE or DISABLED.`);
      const targets =
        at.account !== undefined
          ? [at.account]
          : [...state.accounts.keys()].filter((a) => grantCovers(state, at.grant, a));
      const grantor = at.grant.grantor === me;
      for (const a of targets) {
        const cur = receivedStatus(at.grant, a);
        if (cur === "REJECTED" || (cur === "PENDING_ACCEPT" && !grantor))
          throw badState("The grant must be accepted before it can be activated or deactivated.");
      }
      if (status !== undefined) for (const a of targets) at.grant.accounts.set(a, status);
      if (str("GrantName") !== undefined) at.grant.name = str("GrantName") as string;
      at.grant.version += 1;
      return {
        GrantArn: arn,
        Status: status ?? receivedStatus(at.grant, targets[0] ?? ""),
        Version: String(at.grant.version),
      };
    }
    case "DeleteGrant": {
      const arn = required("GrantArn");
      const at = locate(state, arn);
      if (at === undefined || at.grant.deleted) throw notFound(arn);
      if (at.grant.grantor !== me) throw notAllowed();
      at.grant.deleted = true;
      return { GrantArn: arn, Status: "DELETED", Version: String(at.grant.version) };
    }
    case "ListReceivedLicenses": {
      const rows: ReturnType<typeof licenseShape>[] = [];
      for (const l of state.licenses.values()) {
        if (l.beneficiary === me) {
          rows.push(licenseShape(l, "ACTIVE", ["CreateGrant", "CheckoutLicense", "CheckInLicense"]));
          continue;
        }
        const mine = receivedGrants(state, me).filter((r) => r.grant.licenseArn === l.arn && r.status !== "REJECTED");
        const best = mine.find((r) => r.status === "ACTIVE") ?? mine[0];
        if (best !== undefined) rows.push(licenseShape(l, best.status, best.grant.allowedOperations));
      }
      const arns = input.LicenseArns as string[] | undefined;
      const list = rows.filter(
        (r) =>
          (!arns || arns.includes(r.LicenseArn)) &&
          matches(input.Filters as Filters, { ProductSKU: r.ProductSKU, Beneficiary: r.Beneficiary }),
      );
      const { page: items, nextToken } = page(ctx, input, list);
      return { Licenses: items, NextToken: nextToken };
    }
    default:
      throw err("ValidationException", 400, `The sandbox does not implement License Manager ${ctx.operation}.`);
  }
}

export function createLicenseManagerService(): ServiceModule {
  return {
    name: "license-manager",
    protocol: "json",
    resolveOperation: (req) => jsonOperation(req.headers, TARGET),
    handle: (ctx) => ({ body: handle(ctx) }),
  };
}
