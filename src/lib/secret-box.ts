// Encryption at rest for secrets the service must read back (webhook signing secrets): AES-256-GCM
// under a key derived (HKDF-SHA256) from SECRET_ENCRYPTION_KEY, bound to the row it belongs to
// (the context is authenticated data, so a sealed value copied onto another row does not open).
// Without a key, values are stored as given; such values keep opening once a key is configured.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const PREFIX = "enc:v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretBox {
  /** Whether `seal` encrypts (a key is configured). */
  readonly encrypting: boolean;
  /** The stored form of `plain` for the row named by `context`. */
  seal(plain: string, context: string): string;
  /** The plain value of a stored form; throws when it was sealed and cannot be opened. */
  open(stored: string, context: string): string;
}

export class SecretBoxError extends Error {
  override name = "SecretBoxError";
}

export function createSecretBox(keyMaterial: string | undefined, purpose: string): SecretBox {
  const key =
    keyMaterial === undefined
      ? undefined
      : Buffer.from(hkdfSync("sha256", keyMaterial, "bedrock-governor", `secret-box:${purpose}`, 32));
  return {
    encrypting: key !== undefined,
    seal(plain, context) {
      if (!key) return plain;
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
    },
    open(stored, context) {
      if (!stored.startsWith(PREFIX)) return stored;
      if (!key) throw new SecretBoxError(`a ${purpose} is encrypted and SECRET_ENCRYPTION_KEY is not set`);
      const raw = Buffer.from(stored.slice(PREFIX.length), "base64url");
      if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError(`a stored ${purpose} is malformed`);
      const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
      } catch {
        throw new SecretBoxError(
          `a stored ${purpose} does not open with SECRET_ENCRYPTION_KEY (another key, or altered)`,
        );
      }
    },
  };
}
