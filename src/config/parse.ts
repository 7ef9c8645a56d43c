// Reading one environment variable each: the value, validated, or a ConfigError naming the variable
// and what it expects. Only src/config.ts calls these, with the environment it was given.
import { isIP } from "node:net";
import { isAccountId, isRegion } from "../kernel/aws-ids.js";
import { ROLES, type Role } from "../kernel/principal.js";
import type { DestinationAllowList } from "../lib/network-destination.js";

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
    readonly value: string | undefined,
    readonly secret = false,
  ) {
    const shown = value === undefined ? "unset" : secret ? "(hidden)" : JSON.stringify(value);
    super(`invalid configuration: ${variable}=${shown}: expected ${expected}`);
    this.name = "ConfigError";
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

export function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

export function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return def;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
  return n;
}

export function bool(env: Env, name: string, def: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return def;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, "true or false", raw);
}

export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], def: T): T {
  const raw = str(env, name);
  if (raw === undefined) return def;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(name, `one of ${allowed.join(", ")}`, raw);
  return raw as T;
}

export function url(env: Env, name: string, protocols: readonly string[], secret = false): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `a URL (${protocols.join(" or ")})`, raw, secret);
  }
  if (!protocols.includes(parsed.protocol))
    throw new ConfigError(name, `a URL (${protocols.join(" or ")})`, raw, secret);
  return raw;
}

export function groupRoleMap(env: Env, name: string): Map<string, Role> {
  const raw = str(env, name);
  const map = new Map<string, Role>();
  if (raw === undefined) return map;
  for (const pair of raw.split(",")) {
    const [group, role] = pair.split("=").map((s) => s.trim());
    if (!group || !role || !(ROLES as readonly string[]).includes(role)) {
      throw new ConfigError(name, `comma-separated group=role pairs with role in ${ROLES.join("|")}`, raw);
    }
    map.set(group, role as Role);
  }
  return map;
}

export function region(env: Env, name: string, def: string): string {
  const raw = str(env, name) ?? def;
  if (!isRegion(raw)) throw new ConfigError(name, "an AWS Region code such as us-east-1", raw);
  return raw;
}

export function rateLimits(env: Env, name: string): Map<string, number> {
  const raw = str(env, name);
  const map = new Map<string, number>();
  if (raw === undefined) return map;
  for (const pair of raw.split(",")) {
    const m = /^\s*([a-z0-9-]+:[A-Za-z0-9*]+|\*)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(pair);
    const tps = m ? Number(m[2]) : Number.NaN;
    if (!m || !(tps > 0))
      throw new ConfigError(
        name,
        "comma-separated service:Operation=tps pairs, e.g. bedrock:*=10,cloudtrail:LookupEvents=2",
        raw,
      );
    map.set(m[1] as string, tps);
  }
  return map;
}

export function regionList(env: Env, name: string): string[] | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  const list = raw
    .split(",")
    .map((r) => r.trim())
    .filter(Boolean);
  if (list.length === 0 || !list.every(isRegion)) {
    throw new ConfigError(name, "a comma-separated list of AWS Region codes, e.g. us-east-1,eu-west-1", raw);
  }
  return [...new Set(list)];
}

export function accountId(env: Env, name: string): string | undefined {
  const raw = str(env, name);
  if (raw !== undefined && !isAccountId(raw)) throw new ConfigError(name, "a 12-digit AWS account id", raw);
  return raw;
}

export function cron(env: Env, name: string, def: string): string | undefined {
  const raw = str(env, name) ?? def;
  if (raw === "off") return undefined;
  if (!/^(\S+\s+){4}\S+$/.test(raw))
    throw new ConfigError(name, 'a 5-field cron expression (e.g. "0 */6 * * *") or "off"', raw);
  return raw;
}

export function corsOrigins(env: Env, name: string): string[] | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  const list = raw
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  const valid = (o: string) => {
    try {
      const u = new URL(o);
      return (u.protocol === "https:" || u.protocol === "http:") && u.origin === o;
    } catch {
      return false;
    }
  };
  if (list.length === 0 || !list.every(valid))
    throw new ConfigError(name, "comma-separated origins such as https://console.example.com (no path)", raw);
  return list;
}

/** Comma-separated CIDR blocks, IP addresses and host names (e.g. `10.20.0.0/16,hooks.corp.internal`). */
export function destinationAllowList(env: Env, name: string): DestinationAllowList {
  const raw = str(env, name);
  if (raw === undefined) return { cidrs: [], hosts: [] };
  const cidrs: string[] = [];
  const hosts: string[] = [];
  for (const entry of raw.split(",").map((e) => e.trim().toLowerCase())) {
    const [address, prefix, extra] = entry.split("/");
    const family = isIP(address ?? "");
    if (family !== 0 && extra === undefined) {
      const bits = family === 4 ? 32 : 128;
      const p = prefix === undefined ? bits : /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
      if (p >= 0 && p <= bits) {
        cidrs.push(`${address}/${p}`);
        continue;
      }
    } else if (/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(entry)) {
      hosts.push(entry);
      continue;
    }
    throw new ConfigError(name, "comma-separated CIDR blocks, IP addresses or host names", raw);
  }
  return { cidrs, hosts };
}

/** A variable that replaced an older name. */
export interface RenamedVariable {
  name: string;
  deprecatedName: string;
}

/**
 * The variable to read: `name`, or its deprecated former name when only that one is set (errors
 * then name the variable actually read). A deprecated name found set is added to `found`.
 */
export function renamed(env: Env, name: string, deprecatedName: string, found: RenamedVariable[]): string {
  if (str(env, deprecatedName) === undefined) return name;
  found.push({ name, deprecatedName });
  return str(env, name) === undefined ? deprecatedName : name;
}
