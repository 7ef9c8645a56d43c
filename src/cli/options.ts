// Parsers of option values shared by the commands (commander calls them; a throw is a usage error).
import { InvalidArgumentError } from "commander";

export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

/** A repeatable option; each value may also be a comma-separated list. */
export const collect = (v: string, prev: string[] = []) => [
  ...prev,
  ...v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
];

export function isoDate(v: string): Date {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError("expected an ISO 8601 date");
  return d;
}
