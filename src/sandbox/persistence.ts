// The sandbox's mutable world on disk: one JSON file, rewritten after each change the sandbox
// accepts and read back at start, so a restarted process keeps the same simulated organization.
// Maps, Sets and Dates are tagged so the state comes back with the shapes services expect.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { SandboxState } from "./state-types.js";

const FORMAT = 1;

interface SavedState {
  format: number;
  /** Which scenario the state grew from: a different scenario starts a fresh organization. */
  scenario: string;
  state: unknown;
}

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  // JSON.stringify has already called Date#toJSON on `value`; the holder still has the Date.
  const original = this[key];
  if (original instanceof Date) return { $date: original.toISOString() };
  if (value instanceof Map) return { $map: [...value.entries()] };
  if (value instanceof Set) return { $set: [...value.values()] };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v);
  if (keys.length !== 1) return value;
  if (keys[0] === "$date" && typeof v.$date === "string") return new Date(v.$date);
  if (keys[0] === "$map" && Array.isArray(v.$map)) return new Map(v.$map as [unknown, unknown][]);
  if (keys[0] === "$set" && Array.isArray(v.$set)) return new Set(v.$set);
  return value;
}

export function serializeState(state: SandboxState, scenario: string): string {
  const saved: SavedState = { format: FORMAT, scenario, state };
  return JSON.stringify(saved, replacer);
}

/** The saved state, or undefined when the file holds another scenario's or an older format's. */
export function deserializeState(text: string, scenario: string): SandboxState | undefined {
  const saved = JSON.parse(text, reviver) as SavedState;
  if (saved.format !== FORMAT || saved.scenario !== scenario) return undefined;
  return saved.state as SandboxState;
}

export interface StateFile {
  path: string;
  /** The saved state of this scenario, if any. */
  load(): SandboxState | undefined;
  save(state: SandboxState): void;
}

export function stateFile(file: string, scenario: string): StateFile {
  return {
    path: file,
    load() {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
      }
      return deserializeState(text, scenario);
    },
    save(state) {
      mkdirSync(path.dirname(file), { recursive: true });
      // Write then rename: a process killed mid-write leaves the previous state, not half a file.
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, serializeState(state, scenario), { mode: 0o600 });
      renameSync(tmp, file);
    },
  };
}

/** Operations that only read: everything else may change the state and is followed by a save. */
const READ_ONLY = /^(List|Get|Describe|Lookup|Head|Search|Check|Invoke|Converse|Count|Unknown)/;
export const changesState = (operation: string) => !READ_ONLY.test(operation);
