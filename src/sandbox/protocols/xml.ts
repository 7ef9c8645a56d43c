// Minimal XML writing for the awsQuery and restXml replies the sandbox sends.

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c] as string,
  );
}

export type XmlValue = string | number | boolean | Date | undefined | null | XmlValue[] | { [k: string]: XmlValue };

/**
 * Serialises a value the way awsQuery replies nest it: objects become child elements, arrays become
 * `<member>` lists, dates ISO-8601, undefined members are omitted.
 */
export function toQueryXml(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return `<${name}>${value.map((v) => toQueryXml("member", v)).join("")}</${name}>`;
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === "object") {
    return `<${name}>${Object.entries(value)
      .map(([k, v]) => toQueryXml(k, v))
      .join("")}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}
