// Principal ids are namespaced by authentication kind; ids stored before that still read right.
import { describe, expect, it } from "vitest";
import { apiKeyPrincipalId, createPrincipalIds, issuerTag } from "../../src/kernel/principal-ids.js";

describe("principal ids", () => {
  const ids = createPrincipalIds("https://idp.example/");
  const tag = issuerTag("https://idp.example/");

  it("a user's id carries the issuer's tag; other issuers are other people", () => {
    expect(ids.user("alice")).toBe(`oidc:${tag}:alice`);
    expect(createPrincipalIds("https://other.example/").user("alice")).not.toBe(ids.user("alice"));
    expect(ids.user("apikey:0123456789abcdef")).not.toBe(apiKeyPrincipalId("0123456789abcdef"));
  });

  it("a bare stored id reads as the configured issuer's user; namespaced ids and `system` stay", () => {
    expect(ids.canonical("alice")).toBe(ids.user("alice"));
    expect(ids.canonical(ids.user("alice"))).toBe(ids.user("alice"));
    expect(ids.canonical("apikey:0123456789abcdef")).toBe("apikey:0123456789abcdef");
    expect(ids.canonical("system")).toBe("system");
    expect(ids.storedForms(ids.user("alice"))).toEqual([ids.user("alice"), "alice"]);
    // A subject that looks namespaced was never stored bare under that spelling by a user.
    expect(ids.storedForms(ids.user("apikey:x"))).toEqual([ids.user("apikey:x")]);
    expect(ids.storedForms("apikey:0123456789abcdef")).toEqual(["apikey:0123456789abcdef"]);
  });

  it("without an issuer nothing is rewritten", () => {
    const none = createPrincipalIds(undefined);
    expect(none.canonical("alice")).toBe("alice");
    expect(() => none.user("alice")).toThrow();
  });
});
