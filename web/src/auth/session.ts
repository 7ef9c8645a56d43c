// The signed-in credential: an API key or an OIDC access token, kept in sessionStorage (this tab
// only, gone when it closes). Components follow it with useSession().
import { useSyncExternalStore } from "react";

export type SessionKind = "api-key" | "oidc" | "demo";

export interface Session {
  kind: SessionKind;
  token: string;
  /** For demo personas: the role shown on the sign-in button. */
  label?: string;
  /** Epoch ms after which the token is no longer accepted (OIDC). */
  expiresAt?: number;
}

const KEY = "bedrock-governor.session";
const listeners = new Set<() => void>();
let cachedRaw: string | null | undefined;
let cached: Session | undefined;
/** Why the last session ended, for the sign-in page (this tab, until the next sign-in). */
let endedBecause: string | undefined;

function read(): Session | undefined {
  const raw = sessionStorage.getItem(KEY);
  if (raw === cachedRaw) return cached;
  cachedRaw = raw;
  try {
    cached = raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    cached = undefined;
  }
  return cached;
}

function notify() {
  for (const l of listeners) l();
}

export const session = {
  current: read,
  token(): string | undefined {
    const s = read();
    if (s?.expiresAt !== undefined && s.expiresAt <= Date.now()) return undefined;
    return s?.token;
  },
  set(s: Session) {
    endedBecause = undefined;
    sessionStorage.setItem(KEY, JSON.stringify(s));
    notify();
  },
  /** Signs out; `reason` is shown on the sign-in page. */
  clear(reason?: string) {
    endedBecause = reason;
    sessionStorage.removeItem(KEY);
    notify();
  },
  endedBecause(): string | undefined {
    return endedBecause;
  },
  subscribe(listener: () => void) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export function useSession(): Session | undefined {
  return useSyncExternalStore(session.subscribe, read);
}
