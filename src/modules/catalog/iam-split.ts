// Splitting an identity policy into customer managed policies of at most 6,144 characters (IAM
// counts the policy without white space; the minified JSON is what is measured). A statement too
// large on its own is cut on its longest list (Resource, or a condition's values) into parts that
// keep its effect and conditions, so the union of the parts allows exactly what it allowed; the
// parts are then packed, in order, first fit.
import type { IamPolicyDocument, IamStatement } from "./iam-types.js";

const size = (statements: IamStatement[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: statements } satisfies IamPolicyDocument).length;

type ListRef = { get: (s: IamStatement) => string[]; set: (s: IamStatement, v: string[]) => IamStatement };

/** The statement's lists that can be cut without changing its meaning (OR-ed values). */
function lists(st: IamStatement): ListRef[] {
  const out: ListRef[] = [{ get: (s) => s.Resource, set: (s, v) => ({ ...s, Resource: v }) }];
  for (const [op, block] of Object.entries(st.Condition ?? {})) {
    // Values of one key are OR-ed under StringEquals/StringLike/ArnLike; negated operators are not.
    if (op.includes("Not") || op.startsWith("ForAllValues")) continue;
    for (const [key, values] of Object.entries(block))
      if (Array.isArray(values))
        out.push({
          get: (s) => s.Condition?.[op]?.[key] as string[],
          set: (s, v) => ({ ...s, Condition: { ...s.Condition, [op]: { ...s.Condition?.[op], [key]: v } } }),
        });
  }
  return out;
}

function cut(st: IamStatement, max: number): IamStatement[] {
  if (size([st]) <= max) return [st];
  const longest = lists(st)
    .filter((l) => l.get(st).length > 1)
    .sort((a, b) => JSON.stringify(b.get(st)).length - JSON.stringify(a.get(st)).length)[0];
  if (longest === undefined) throw new RangeError(`statement ${st.Sid} alone is larger than ${max} characters`);
  const values = longest.get(st);
  const half = Math.ceil(values.length / 2);
  return [...cut(longest.set(st, values.slice(0, half)), max), ...cut(longest.set(st, values.slice(half)), max)];
}

/** The statements as managed policies of at most `max` characters each, Sids unique across them. */
export function splitIamPolicy(statements: readonly IamStatement[], max: number): IamPolicyDocument[] {
  const parts: IamStatement[] = [];
  for (const st of statements) {
    const pieces = cut(st, max);
    pieces.forEach((p, i) => {
      parts.push(pieces.length === 1 ? p : { ...p, Sid: `${st.Sid}Part${i + 1}` });
    });
  }
  const docs: IamStatement[][] = [];
  for (const p of parts) {
    const fit = docs.find((d) => size([...d, p]) <= max);
    if (fit) fit.push(p);
    else docs.push([p]);
  }
  return docs.map((Statement) => ({ Version: "2012-10-17", Statement }));
}
