// Text PostgreSQL can store: `text` refuses NUL, and a lone UTF-16 surrogate has no UTF-8 form.
// Request input and cursors are checked at the edge (a 400 naming the field, never a 500 from the
// driver); text read from AWS (CloudTrail records) is made storable instead, one character at a time.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Either kind of trouble, as one cheap scan: almost every string has neither. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this looks for
const SUSPECT = /[\u0000\uD800-\uDFFF]/;

const UNSTORABLE = new RegExp(`\u0000|${LONE_SURROGATE.source}`, "g");

/** Why `value` cannot be stored as text, or undefined when it can. */
export function unsafeTextReason(value: string): string | undefined {
  if (!SUSPECT.test(value)) return undefined;
  if (value.includes("\u0000")) return "must not contain NUL (\\u0000) characters";
  if (LONE_SURROGATE.test(value)) return "must not contain unpaired UTF-16 surrogates (not valid Unicode)";
  return undefined;
}

/** The text with every NUL and unpaired surrogate replaced by U+FFFD (the rest kept). */
export const storable = (value: string): string => (SUSPECT.test(value) ? value.replace(UNSTORABLE, "\uFFFD") : value);
