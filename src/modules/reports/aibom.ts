// The AI bill of materials as CycloneDX 1.6 (ML-BOM), built with the OWASP CycloneDX library:
// - one `machine-learning-model` component per approved catalog entry (what may be used, where,
//   through which profiles, whose it is and why), with the justification as the model card's use case;
// - one per model the live inventory shows reachable (the engine's verdict `usable`) or used
//   (invocations in the usage window) somewhere, with one nested component per account×Region;
// - one service per Region's Bedrock runtime endpoint the inventory covers;
// - metadata: time, the tool (bedrock-governor and its version), the organization as the subject.
// Properties use the `bedrock-governor:` namespace (CycloneDX property taxonomy convention).
// The library has no model for `modelCard` nor service `endpoints`: they are added to the
// normalized JSON, and the whole document is validated against the 1.6 schema before it is served.
import { randomUUID } from "node:crypto";
import { Enums, Models, Serialize, Spec } from "@cyclonedx/cyclonedx-library";
import { globMatch } from "../catalog/arns.js";
import type { VersionedEntry } from "../catalog/catalog.service.js";
import type { CatalogEntry } from "../catalog/catalog.types.js";
import type { ReportScope } from "./reports.types.js";

export const AIBOM_NAMESPACE = "bedrock-governor";
export const AIBOM_CONTENT_TYPE = "application/vnd.cyclonedx+json; version=1.6";

/** What the inventory stores about a model (model_access), for its component and model card. */
export interface AibomModel {
  modelId: string;
  name: string | null;
  provider: string;
  lifecycleStatus: string | null;
  inputModalities: string[];
  outputModalities: string[];
}

/** A model in one account-Region: reachable (verdict usable) and/or used in the usage window. */
export interface AibomDeployment {
  accountId: string;
  accountName: string | null;
  region: string;
  modelId: string;
  /** The engine's verdict (null: not judged, seen only in invocations). */
  verdict: string | null;
  via: string | null;
  invocations: number;
  lastInvokedAt: Date | null;
}

export interface AibomInput {
  generatedAt: Date;
  toolVersion: string;
  organization: { rootId: string | null; managementAccountId: string | null };
  scope: ReportScope;
  catalog: VersionedEntry[];
  models: AibomModel[];
  deployments: AibomDeployment[];
  usageWindow: { from: Date; to: Date };
}

const prop = (name: string, value: string | number | boolean) =>
  new Models.Property(`${AIBOM_NAMESPACE}:${name}`, String(value));

const scopeText = (s: ReportScope | CatalogEntry["scope"]) =>
  s.kind === "organization" ? s.kind : `${s.kind}:${s.id}`;

/** The provider prefix of a model id or pattern (`anthropic.claude-…` → `anthropic`). */
const providerKey = (model: string) => model.split(".")[0]?.toLowerCase() ?? model;

const AWS = () =>
  new Models.OrganizationalEntity({ name: "Amazon Web Services", url: new Set(["https://aws.amazon.com"]) });

type ModelCard = Record<string, unknown>;

export function buildAibom(input: AibomInput): string {
  const providers = new Map<string, string>();
  for (const m of input.models) providers.set(providerKey(m.modelId), m.provider);
  const providerOf = (model: string) => providers.get(providerKey(model)) ?? providerKey(model);
  const cards = new Map<string, ModelCard>();

  const bom = new Models.Bom({ serialNumber: `urn:uuid:${randomUUID()}` });
  const subject = new Models.Component(Enums.ComponentType.Platform, "AWS Organization", {
    bomRef: "organization",
    description: "The AWS Organization whose Amazon Bedrock models this bill of materials lists",
  });
  subject.properties.add(prop("scope", scopeText(input.scope)));
  if (input.organization.rootId) subject.properties.add(prop("organization:root-id", input.organization.rootId));
  if (input.organization.managementAccountId)
    subject.properties.add(prop("organization:management-account-id", input.organization.managementAccountId));
  subject.properties.add(prop("usage-window:from", input.usageWindow.from.toISOString()));
  subject.properties.add(prop("usage-window:to", input.usageWindow.to.toISOString()));
  bom.metadata.timestamp = input.generatedAt;
  bom.metadata.component = subject;
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, "bedrock-governor", { version: input.toolVersion }),
  );

  // The approved catalog.
  for (const v of input.catalog) {
    const e = v.entry;
    const provider = providerOf(e.model);
    const c = new Models.Component(Enums.ComponentType.MachineLearningModel, e.model, {
      bomRef: `catalog-entry:${e.id}`,
      supplier: new Models.OrganizationalEntity({ name: provider }),
      publisher: provider,
      description: `Approved in the catalog (entry ${e.id}, version ${v.version})`,
    });
    const p = (name: string, value: string | number | boolean) => c.properties.add(prop(name, value));
    p("source", "catalog");
    p("catalog:entry-id", e.id);
    p("catalog:version", v.version);
    p("catalog:valid-from", v.validFrom);
    p("catalog:changed-by", v.changedBy);
    p("catalog:scope", scopeText(e.scope));
    for (const r of e.regions ?? []) p("catalog:region", r);
    if (e.geography) p("catalog:geography", e.geography);
    for (const profile of e.viaProfiles ?? []) p("catalog:inference-profile", profile);
    for (const endpoint of e.endpoints ?? ["runtime"]) p("catalog:endpoint", endpoint);
    for (const mode of e.retentionModes ?? []) p("catalog:retention-mode", mode);
    if (e.conditions?.loggingRequired) p("catalog:logging-required", true);
    if (e.conditions?.guardrailRequired) p("catalog:guardrail-required", true);
    p("catalog:owner", e.owner);
    p("catalog:justification", e.justification);
    if (e.expiresAt) p("catalog:expires-at", e.expiresAt);
    p("approved", true);
    bom.components.add(c);
    cards.set(c.bomRef.value as string, {
      "bom-ref": `model-card:catalog-entry:${e.id}`,
      considerations: { useCases: [e.justification] },
    });
  }

  // The live inventory: models reachable or used, one nested component per account×Region.
  const meta = new Map(input.models.map((m) => [m.modelId, m]));
  const byModel = new Map<string, AibomDeployment[]>();
  for (const d of input.deployments) {
    const list = byModel.get(d.modelId) ?? [];
    list.push(d);
    byModel.set(d.modelId, list);
  }
  const regions = new Set<string>();
  for (const [modelId, deployments] of byModel) {
    const m = meta.get(modelId);
    const provider = m?.provider ?? providerOf(modelId);
    const c = new Models.Component(Enums.ComponentType.MachineLearningModel, modelId, {
      bomRef: `model:${modelId}`,
      supplier: new Models.OrganizationalEntity({ name: provider }),
      publisher: provider,
      ...(m?.name ? { description: m.name } : {}),
    });
    const approvedBy = input.catalog.filter((v) => globMatch(v.entry.model, modelId)).map((v) => v.entry.id);
    c.properties.add(prop("source", "inventory"));
    c.properties.add(prop("approved", approvedBy.length > 0));
    for (const id of approvedBy) c.properties.add(prop("catalog:entry-id", id));
    if (m?.lifecycleStatus) c.properties.add(prop("lifecycle-status", m.lifecycleStatus));
    c.properties.add(prop("account-regions", deployments.length));
    for (const d of deployments) {
      regions.add(d.region);
      const at = new Models.Component(Enums.ComponentType.MachineLearningModel, modelId, {
        bomRef: `deployment:${d.accountId}:${d.region}:${modelId}`,
        description: `${modelId} in account ${d.accountId} (${d.region})`,
      });
      const p = (name: string, value: string | number | boolean) => at.properties.add(prop(name, value));
      p("account-id", d.accountId);
      if (d.accountName) p("account-name", d.accountName);
      p("region", d.region);
      p("status", d.verdict ?? "not_judged");
      if (d.via) p("via", d.via);
      p("invocations", d.invocations);
      if (d.lastInvokedAt) p("last-invoked-at", d.lastInvokedAt.toISOString());
      c.components.add(at);
    }
    bom.components.add(c);
    if (m && (m.inputModalities.length > 0 || m.outputModalities.length > 0))
      cards.set(c.bomRef.value as string, {
        "bom-ref": `model-card:model:${modelId}`,
        modelParameters: {
          inputs: m.inputModalities.map((format) => ({ format })),
          outputs: m.outputModalities.map((format) => ({ format })),
        },
      });
  }

  const endpoints = new Map<string, string[]>();
  for (const region of [...regions].sort()) {
    const s = new Models.Service("Amazon Bedrock Runtime", {
      bomRef: `service:bedrock-runtime:${region}`,
      provider: AWS(),
      group: "aws",
      description: `The Bedrock runtime endpoint in ${region} (InvokeModel, Converse)`,
    });
    s.properties.add(prop("region", region));
    bom.services.add(s);
    endpoints.set(s.bomRef.value as string, [`https://bedrock-runtime.${region}.amazonaws.com`]);
  }

  const normalized = new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6)
    .makeForBom()
    .normalize(bom, { sortLists: true }) as unknown as Record<string, unknown>;
  addByRef(normalized.components, "modelCard", cards);
  addByRef(normalized.services, "endpoints", endpoints);
  return JSON.stringify(normalized);
}

/** Sets `key` on normalized components or services (nested ones too) by their bom-ref. */
function addByRef(list: unknown, key: string, values: ReadonlyMap<string, unknown>): void {
  if (!Array.isArray(list)) return;
  for (const item of list as Array<Record<string, unknown>>) {
    const value = values.get(item["bom-ref"] as string);
    if (value !== undefined) item[key] = value;
    addByRef(item.components, key, values);
    addByRef(item.services, key, values);
  }
}
