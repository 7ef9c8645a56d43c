// Outgoing requests to addresses users chose (webhooks): an address inside the service's own
// network (loopback, private, link-local, cloud metadata) would let an admin key, or anyone able
// to change DNS for a registered name, reach internal services from the service's network (SSRF).
// Such destinations are refused unless the operator allow-lists them (on-premises receivers),
// and the address checked is the address connected to: the lookup's answer is pinned for the
// connection, so a second DNS answer (rebinding) cannot switch it.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { embeddedIpv4, ipInCidr } from "./ip-address.js";

/** Destinations allowed although not public (WEBHOOK_ALLOWED_DESTINATIONS). */
export interface DestinationAllowList {
  /** CIDR blocks (a single address is a /32 or /128). */
  cidrs: readonly string[];
  /** Host names (lower case) whose addresses may be private. */
  hosts: readonly string[];
}

export const NO_ALLOWED_DESTINATIONS: DestinationAllowList = Object.freeze({ cidrs: [], hosts: [] });

// Refused even when allow-listed: never a receiver.
const ALWAYS_REFUSED: ReadonlyArray<readonly [string, string]> = [
  ["169.254.169.254/32", "cloud metadata"],
  ["169.254.170.2/32", "cloud metadata"],
  ["fd00:ec2::254/128", "cloud metadata"],
  ["0.0.0.0/8", "unspecified"],
  ["::/128", "unspecified"],
];

const NOT_PUBLIC: ReadonlyArray<readonly [string, string]> = [
  ["127.0.0.0/8", "loopback"],
  ["::1/128", "loopback"],
  ["10.0.0.0/8", "private"],
  ["172.16.0.0/12", "private"],
  ["192.168.0.0/16", "private"],
  ["fc00::/7", "private"],
  ["100.64.0.0/10", "shared (carrier-grade NAT)"],
  ["169.254.0.0/16", "link-local"],
  ["fe80::/10", "link-local"],
  ["fec0::/10", "site-local"],
  ["192.0.0.0/24", "IETF protocol assignments"],
  ["198.18.0.0/15", "benchmarking"],
  ["224.0.0.0/4", "multicast"],
  ["ff00::/8", "multicast"],
  ["240.0.0.0/4", "reserved"],
];

const rangeOf = (list: ReadonlyArray<readonly [string, string]>, address: string) =>
  list.find(([cidr]) => ipInCidr(cidr, address))?.[1];

/** Why a resolved address may not be connected to, or undefined when it may. */
export function refusedAddress(address: string, host: string, allow: DestinationAllowList): string | undefined {
  // An IPv6 address that carries an IPv4 one reaches that IPv4 address: judge both.
  const addresses = [address, embeddedIpv4(address)].filter((a): a is string => a !== undefined);
  for (const a of addresses) {
    const always = rangeOf(ALWAYS_REFUSED, a);
    if (always) return `${always} address`;
  }
  if (allow.hosts.includes(host.toLowerCase())) return undefined;
  if (addresses.some((a) => allow.cidrs.some((cidr) => ipInCidr(cidr, a)))) return undefined;
  for (const a of addresses) {
    const range = rangeOf(NOT_PUBLIC, a);
    if (range) return `${range} address`;
  }
  return undefined;
}

/** The URL's host without IPv6 brackets, lower case. */
export const urlHost = (url: URL) => url.hostname.replace(/^\[|\]$/g, "").toLowerCase();

/**
 * What can be judged without DNS (when a destination is registered): an IP address (URL parsing
 * already turned 127.1, 0x7f000001 and 2130706433 into 127.0.0.1) and the names that always mean
 * this machine. Names are judged again, by their addresses, at each connection.
 */
export function refusedUrl(url: URL, allow: DestinationAllowList): string | undefined {
  const host = urlHost(url);
  if (isIP(host)) return refusedAddress(host, host, allow);
  if ((host === "localhost" || host.endsWith(".localhost")) && !allow.hosts.includes(host)) return "loopback name";
  return undefined;
}

/** A destination the policy refuses; its message is safe to show to the caller. */
export class DestinationRefusedError extends Error {
  override name = "DestinationRefusedError";
}

type Resolver = (hostname: string, callback: (err: Error | null, addresses: LookupAddress[]) => void) => void;

const systemResolver: Resolver = (hostname, callback) =>
  dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => callback(err, addresses ?? []));

/**
 * A `lookup` for net/http/https connections: resolves once, refuses the name when any of its
 * addresses is refused (so the pick among them cannot matter), and hands the checked addresses
 * to the connection, which connects to them without resolving again.
 */
export function guardedLookup(allow: DestinationAllowList, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (err, found) => {
      if (err) return callback(err as NodeJS.ErrnoException, "", 4);
      const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
      const addresses = found.filter((a) => wanted === undefined || a.family === wanted);
      if (addresses.length === 0)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), "", 4);
      for (const a of addresses) {
        const why = refusedAddress(a.address, hostname, allow);
        if (why) return callback(new DestinationRefusedError(`destination refused: ${why}`), "", 4);
      }
      if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}
