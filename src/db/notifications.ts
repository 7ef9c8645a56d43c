// PostgreSQL LISTEN on one channel over a dedicated connection, reconnecting with backoff. Used to
// tell every API process at once about changes that invalidate what it keeps in memory (a revoked
// API key). `connected` is false while the connection is down: a cache that relies on the
// notifications must not be trusted then, because a message sent meanwhile is lost.
import pg from "pg";

export interface Listener {
  readonly connected: boolean;
  close(): Promise<void>;
}

export function listen(opts: {
  url: string;
  channel: string;
  onMessage(payload: string): void;
  /** Called on every connect and disconnect (also the first connect). */
  onStateChange?(connected: boolean): void;
  applicationName?: string;
}): Listener {
  if (!/^[a-z_][a-z0-9_]*$/.test(opts.channel)) throw new Error(`bad channel name: ${opts.channel}`);
  let client: pg.Client | undefined;
  let connected = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let attempt = 0;

  const setState = (now: boolean) => {
    if (connected === now) return;
    connected = now;
    opts.onStateChange?.(now);
  };

  async function connect() {
    if (closed) return;
    const c = new pg.Client({
      connectionString: opts.url,
      application_name: opts.applicationName ?? "bedrock-governor-listen",
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    });
    client = c;
    const lost = () => {
      if (client !== c) return;
      client = undefined;
      setState(false);
      c.end().catch(() => undefined);
      schedule();
    };
    c.on("error", lost);
    c.on("end", lost);
    c.on("notification", (n) => {
      if (n.channel === opts.channel) opts.onMessage(n.payload ?? "");
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${opts.channel}`);
      if (closed || client !== c) {
        await c.end().catch(() => undefined);
        return;
      }
      attempt = 0;
      setState(true);
    } catch {
      lost();
    }
  }

  function schedule() {
    if (closed || retry) return;
    const delay = Math.min(10_000, 250 * 2 ** attempt++);
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delay);
    retry.unref();
  }

  void connect();
  return {
    get connected() {
      return connected;
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      setState(false);
      await c?.end().catch(() => undefined);
    },
  };
}
