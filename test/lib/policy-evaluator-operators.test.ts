// Condition operators AWS's published SCP examples use beyond strings and ARNs: numeric (KMS
// deletion window, Bedrock API key age), date, and IP address (IAM user credentials from unexpected
// networks). Semantics from "IAM JSON policy elements: Condition operators".
import { describe, expect, it } from "vitest";
import { ipInCidr } from "../../src/lib/ip-address.js";
import { evaluateCondition } from "../../src/lib/policy-evaluator.js";

describe("numeric condition operators", () => {
  const age = (days: string | undefined) => ({ "iam:ServiceSpecificCredentialAgeDays": days });
  it("compare the request's number with the policy's", () => {
    const key = "iam:ServiceSpecificCredentialAgeDays";
    expect(evaluateCondition("NumericGreaterThanEquals", key, "30", age("30"))).toBe(true);
    expect(evaluateCondition("NumericGreaterThanEquals", key, "30", age("90"))).toBe(true);
    expect(evaluateCondition("NumericGreaterThanEquals", key, "30", age("29"))).toBe(false);
    expect(evaluateCondition("NumericGreaterThan", key, "30", age("30"))).toBe(false);
    expect(evaluateCondition("NumericLessThan", key, 30, age("7"))).toBe(true);
    expect(evaluateCondition("NumericLessThanEquals", key, "7", age("7"))).toBe(true);
    expect(evaluateCondition("NumericEquals", key, "7", age("7.0"))).toBe(true);
    expect(evaluateCondition("NumericNotEquals", key, ["7", "8"], age("9"))).toBe(true);
    expect(evaluateCondition("NumericNotEquals", key, ["7", "8"], age("8"))).toBe(false);
  });
  it("a missing key or a value that is not a number does not match (negated: does)", () => {
    const key = "iam:ServiceSpecificCredentialAgeDays";
    expect(evaluateCondition("NumericGreaterThanEquals", key, "30", {})).toBe(false);
    expect(evaluateCondition("NumericGreaterThanEqualsIfExists", key, "30", {})).toBe(true);
    expect(evaluateCondition("NumericGreaterThanEquals", key, "30", age("never"))).toBe(false);
    expect(evaluateCondition("NumericLessThan", key, "thirty", age("7"))).toBe(false);
    expect(evaluateCondition("NumericNotEquals", key, "30", {})).toBe(true);
  });
});

describe("date condition operators", () => {
  const now = { "aws:CurrentTime": "2026-12-06T12:00:00Z", "aws:EpochTime": "1796558400" };
  it("compare ISO 8601 dates and epoch seconds", () => {
    expect(evaluateCondition("DateLessThan", "aws:CurrentTime", "2027-01-01T00:00:00Z", now)).toBe(true);
    expect(evaluateCondition("DateGreaterThan", "aws:CurrentTime", "2027-01-01T00:00:00Z", now)).toBe(false);
    expect(evaluateCondition("DateGreaterThanEquals", "aws:CurrentTime", "1796558400", now)).toBe(true);
    expect(evaluateCondition("DateEquals", "aws:EpochTime", "2026-12-06T12:00:00Z", now)).toBe(true);
    expect(evaluateCondition("DateNotEquals", "aws:CurrentTime", "2026-12-06", now)).toBe(true);
    expect(evaluateCondition("DateLessThan", "aws:CurrentTime", "not a date", now)).toBe(false);
  });
});

describe("IP address condition operators", () => {
  it("match IPv4 and IPv6 CIDR blocks; a bare address is a /32 or /128", () => {
    expect(ipInCidr("203.0.113.0/24", "203.0.113.77")).toBe(true);
    expect(ipInCidr("203.0.113.0/24", "203.0.114.1")).toBe(false);
    expect(ipInCidr("203.0.113.7", "203.0.113.7")).toBe(true);
    expect(ipInCidr("203.0.113.7", "203.0.113.8")).toBe(false);
    expect(ipInCidr("0.0.0.0/0", "198.51.100.1")).toBe(true);
    expect(ipInCidr("2001:DB8:1234:5678::/64", "2001:db8:1234:5678:abcd::1")).toBe(true);
    expect(ipInCidr("2001:DB8:1234:5678::/64", "2001:db8:1234:5679::1")).toBe(false);
    expect(ipInCidr("::ffff:192.0.2.0/120", "::ffff:192.0.2.9")).toBe(true);
    expect(ipInCidr("::1", "::1")).toBe(true);
    // IPv4 never matches an IPv6 block, and malformed values match nothing.
    expect(ipInCidr("::/0", "203.0.113.1")).toBe(false);
    expect(ipInCidr("203.0.113.0/33", "203.0.113.1")).toBe(false);
    expect(ipInCidr("<my-corporate-cidr>", "203.0.113.1")).toBe(false);
    expect(ipInCidr("203.0.113.0/24", "vpce-1a2b3c")).toBe(false);
    expect(ipInCidr("256.0.0.0/8", "256.0.0.1")).toBe(false);
  });
  it("IpAddress, NotIpAddress and their IfExists forms on aws:SourceIp", () => {
    const from = (ip?: string) => (ip === undefined ? {} : { "aws:SourceIp": ip });
    const corp = ["203.0.113.0/24", "2001:db8::/32"];
    expect(evaluateCondition("IpAddress", "aws:SourceIp", corp, from("203.0.113.5"))).toBe(true);
    expect(evaluateCondition("IpAddress", "aws:SourceIp", corp, from("2001:db8::5"))).toBe(true);
    expect(evaluateCondition("NotIpAddress", "aws:SourceIp", corp, from("198.51.100.5"))).toBe(true);
    expect(evaluateCondition("NotIpAddress", "aws:SourceIp", corp, from("203.0.113.5"))).toBe(false);
    // A request made through an AWS service carries no aws:SourceIp: IfExists makes it pass.
    expect(evaluateCondition("NotIpAddressIfExists", "aws:SourceIp", corp, from())).toBe(true);
    expect(evaluateCondition("IpAddress", "aws:SourceIp", corp, from())).toBe(false);
  });
});
