// How API key secrets are stored: an HMAC keyed with a server secret (API_KEY_HASH_SECRET) when
// one is configured, else scrypt. A database dump alone then lets nobody test guesses offline at
// SHA-256 speed. Keys created before this (plain SHA-256) still verify and are re-hashed under the
// current scheme on their first successful use. Every comparison is constant-time.
import { createHash, createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";

export type HashScheme = "sha256" | "hmac_sha256" | "scrypt";

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;
/** ~30-60 ms and 16 MiB per hash on a server core (OWASP's scrypt minimum is N=2^17 with r=8 at p=1 for passwords;
 * API key secrets carry 256 random bits, so the cost only has to defeat bulk guessing, not dictionaries). */
const SCRYPT = { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const SCRYPT_LEN = 32;

const sha256 = (s: string | Buffer) => createHash("sha256").update(s).digest();

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface ApiKeyHasher {
  /** The scheme new keys are stored under. */
  readonly scheme: HashScheme;
  hash(secret: string): Promise<string>;
  verify(secret: string, stored: string, scheme: HashScheme, cacheKey: string): Promise<boolean>;
  /** Burns comparable time for an unknown key id (cheap schemes only; scrypt is never run for unknown ids). */
  decoy(secret: string): void;
}

export function createApiKeyHasher(hmacSecret: string | undefined, opts: { cacheSize?: number } = {}): ApiKeyHasher {
  const scheme: HashScheme = hmacSecret ? "hmac_sha256" : "scrypt";
  const hmac = (secret: string) =>
    createHmac("sha256", hmacSecret ?? "")
      .update(secret)
      .digest();
  // scrypt on every request would cost tens of ms of CPU per call; after one successful check the
  // process remembers sha256(secret) for that exact stored hash (a changed or revoked row is read
  // from the database on every request anyway, and a changed hash misses the cache).
  const verified = new Map<string, { stored: string; digest: Buffer }>();
  const cacheSize = opts.cacheSize ?? 10_000;

  async function scryptHash(secret: string, salt: Buffer): Promise<Buffer> {
    return scrypt(secret, salt, SCRYPT_LEN, SCRYPT);
  }

  return {
    scheme,
    async hash(secret) {
      if (scheme === "hmac_sha256") return hmac(secret).toString("hex");
      const salt = randomBytes(16);
      return `${salt.toString("base64url")}$${(await scryptHash(secret, salt)).toString("base64url")}`;
    },
    async verify(secret, stored, storedScheme, cacheKey) {
      switch (storedScheme) {
        case "sha256":
          return equal(sha256(secret), Buffer.from(stored, "hex"));
        case "hmac_sha256":
          // Without the server secret an HMAC-stored key cannot be checked: refuse, never guess.
          return hmacSecret !== undefined && equal(hmac(secret), Buffer.from(stored, "hex"));
        case "scrypt": {
          const hit = verified.get(cacheKey);
          if (hit && hit.stored === stored) return equal(sha256(secret), hit.digest);
          const [salt, hash] = stored.split("$");
          if (!salt || !hash) return false;
          const ok = equal(await scryptHash(secret, Buffer.from(salt, "base64url")), Buffer.from(hash, "base64url"));
          if (ok) {
            if (verified.size >= cacheSize) verified.delete(verified.keys().next().value as string);
            verified.set(cacheKey, { stored, digest: sha256(secret) });
          }
          return ok;
        }
      }
    },
    decoy(secret) {
      equal(hmacSecret ? hmac(secret) : sha256(secret), Buffer.alloc(32));
    },
  };
}
