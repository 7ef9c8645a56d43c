// The versioned mapping of report sections to the controls they evidence
// (`compliance/control-mapping.yaml`), read once, checked against its schema and for references
// to controls it does not define. An invalid mapping fails loudly: a report must never go out
// claiming controls the mapping does not say.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Static, Type } from "typebox";
import { Value } from "typebox/value";
import { parse } from "yaml";
import type { ControlRef } from "./reports.types.js";

const Id = Type.String({ minLength: 1, maxLength: 64 });

const ControlMappingSchema = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    frameworks: Type.Record(Id, Type.String({ minLength: 1 })),
    controls: Type.Record(Id, Type.Record(Id, Type.String({ minLength: 1 }))),
    sections: Type.Record(Id, Type.Record(Id, Type.Array(Id, { minItems: 1 }))),
  },
  { additionalProperties: false },
);
type ControlMappingDoc = Static<typeof ControlMappingSchema>;

export interface ControlMapping {
  version: number;
  /** The controls a section evidences ([] when the mapping does not name the section). */
  controlsFor(sectionId: string): ControlRef[];
  /** Section ids the mapping names. */
  sectionIds(): string[];
}

export class ControlMappingError extends Error {}

/** Validates a parsed mapping document; throws ControlMappingError naming what is wrong. */
export function controlMappingFrom(doc: unknown, source = "control mapping"): ControlMapping {
  if (!Value.Check(ControlMappingSchema, doc)) {
    const first = [...Value.Errors(ControlMappingSchema, doc)][0];
    throw new ControlMappingError(
      `${source} is invalid: ${first?.instancePath || "/"} ${first?.message ?? "does not match the schema"}`,
    );
  }
  const m = doc as ControlMappingDoc;
  const bySection = new Map<string, ControlRef[]>();
  for (const [section, frameworks] of Object.entries(m.sections)) {
    const refs: ControlRef[] = [];
    for (const [fw, ids] of Object.entries(frameworks)) {
      const framework = m.frameworks[fw];
      const defined = m.controls[fw];
      if (framework === undefined || defined === undefined)
        throw new ControlMappingError(`${source}: section ${section} names framework ${fw}, which is not defined`);
      for (const id of ids) {
        const title = defined[id];
        if (title === undefined)
          throw new ControlMappingError(
            `${source}: section ${section} names ${fw} control ${id}, which is not defined`,
          );
        refs.push({ framework, id, title });
      }
    }
    bySection.set(section, refs);
  }
  return {
    version: m.version,
    controlsFor: (id) => bySection.get(id) ?? [],
    sectionIds: () => [...bySection.keys()],
  };
}

/** `compliance/control-mapping.yaml` of the installation (found upwards from this module: src or dist). */
export function controlMappingPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "compliance", "control-mapping.yaml");
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new ControlMappingError("compliance/control-mapping.yaml was not found next to the application");
}

export function loadControlMapping(path = controlMappingPath()): ControlMapping {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ControlMappingError(
      `compliance/control-mapping.yaml cannot be read: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return controlMappingFrom(doc, "compliance/control-mapping.yaml");
}
