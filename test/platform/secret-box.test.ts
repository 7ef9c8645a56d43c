import { describe, expect, it } from "vitest";
import { createSecretBox, SecretBoxError } from "../../src/lib/secret-box.js";

const KEY = "secret-box-test-key-0123456789abcdefghij";

describe("secret box", () => {
  it("seals under a key: a fresh ciphertext each time, opened only with the same key and context", () => {
    const box = createSecretBox(KEY, "webhook secret");
    const a = box.seal("whsec_value", "row-1");
    const b = box.seal("whsec_value", "row-1");
    expect(a).toMatch(/^enc:v1:/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("whsec_value");
    expect(box.open(a, "row-1")).toBe("whsec_value");
    expect(() => box.open(a, "row-2")).toThrow(SecretBoxError);
    expect(() => createSecretBox(`${KEY}x`, "webhook secret").open(a, "row-1")).toThrow(SecretBoxError);
    // Keys are derived per purpose: the same key material for another purpose does not open it.
    expect(() => createSecretBox(KEY, "other").open(a, "row-1")).toThrow(SecretBoxError);
    // One character of the IV changed (every bit of a base64url character but the last one counts;
    // the replacement depends on the character replaced, so the string always changes).
    const i = "enc:v1:".length + 4;
    const altered = `${a.slice(0, i)}${a[i] === "A" ? "B" : "A"}${a.slice(i + 1)}`;
    expect(altered).not.toBe(a);
    expect(() => box.open(altered, "row-1")).toThrow(SecretBoxError);
  });

  it("without a key stores values as given; values stored so keep opening once a key is set", () => {
    const plain = createSecretBox(undefined, "webhook secret");
    expect(plain.encrypting).toBe(false);
    expect(plain.seal("whsec_value", "row-1")).toBe("whsec_value");
    expect(createSecretBox(KEY, "webhook secret").open("whsec_value", "row-1")).toBe("whsec_value");
    const sealed = createSecretBox(KEY, "webhook secret").seal("whsec_value", "row-1");
    expect(() => plain.open(sealed, "row-1")).toThrow(/SECRET_ENCRYPTION_KEY is not set/);
  });
});
