// IP address and CIDR matching for the IpAddress / NotIpAddress condition operators ("IAM JSON
// policy elements: Condition operators", IP address condition operators: "The value must be in the
// standard CIDR format (for example, 203.0.113.0/24 or 2001:DB8:1234:5678::/64). If you specify
// an IP address without the associated routing prefix, IAM uses the default prefix value of 32"
// (IPv4; 128 for IPv6).

/** The address as a big integer and its bit width, or undefined when it is not an IP address. */
function parseIp(text: string): { value: bigint; bits: 32 | 128 } | undefined {
  const s = text.trim();
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const parts = s.split(".").map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n), bits: 32 };
  }
  if (!s.includes(":") || !/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  let groups: string[];
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] === "" ? [] : (halves[0] as string).split(":");
  const tail = halves.length === 2 && halves[1] !== "" ? (halves[1] as string).split(":") : [];
  // An embedded IPv4 tail (::ffff:192.0.2.1) counts as two groups.
  const last = tail.length > 0 ? tail[tail.length - 1] : head[head.length - 1];
  const v4 = last?.includes(".") ? parseIp(last) : undefined;
  if (last?.includes(".") && v4?.bits !== 32) return undefined;
  const expandV4 = (list: string[]) =>
    v4 && list.length > 0 && list[list.length - 1] === last
      ? [...list.slice(0, -1), (v4.value >> 16n).toString(16), (v4.value & 0xffffn).toString(16)]
      : list;
  const h = tail.length > 0 ? head : expandV4(head);
  const t = expandV4(tail);
  if (halves.length === 2) {
    const fill = 8 - h.length - t.length;
    if (fill < 1) return undefined;
    groups = [...h, ...Array<string>(fill).fill("0"), ...t];
  } else groups = h;
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return { value: groups.reduce((acc, g) => (acc << 16n) | BigInt(`0x${g}`), 0n), bits: 128 };
}

/** Whether `address` lies in `cidr` (a CIDR block or a single address); false when either is malformed. */
export function ipInCidr(cidr: string, address: string): boolean {
  const [net, prefixText, extra] = cidr.trim().split("/");
  if (extra !== undefined || net === undefined) return false;
  const block = parseIp(net);
  const ip = parseIp(address);
  if (block === undefined || ip === undefined || block.bits !== ip.bits) return false;
  const prefix = prefixText === undefined ? block.bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > block.bits || !/^\d*$/.test(prefixText ?? "")) return false;
  const shift = BigInt(block.bits - prefix);
  return block.value >> shift === ip.value >> shift;
}

/**
 * The IPv4 address an IPv6 address carries, where routers or stacks translate it to IPv4:
 * IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4
 * (2002:aabb:ccdd::). Undefined otherwise, and for IPv4 addresses themselves.
 */
export function embeddedIpv4(address: string): string | undefined {
  const ip = parseIp(address);
  if (ip?.bits !== 128) return undefined;
  const v4 = (value: bigint) => [24n, 16n, 8n, 0n].map((s) => Number((value >> s) & 0xffn)).join(".");
  const top96 = ip.value >> 32n;
  // ::a.b.c.d with a ≥ 1: IPv4-compatible (:: and ::1 are IPv6's own unspecified and loopback).
  const compatible = top96 === 0n && ip.value >= 0x01000000n;
  if (top96 === 0xffffn || compatible || top96 === 0x0064ff9b0000000000000000n) return v4(ip.value & 0xffffffffn);
  if (ip.value >> 112n === 0x2002n) return v4((ip.value >> 80n) & 0xffffffffn);
  return undefined;
}
