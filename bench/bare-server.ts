// The baseline of bench:api: a bare Fastify server with one JSON route and nothing else (no
// plugins, hooks, auth or database), in its own process like the API. Prints its port on stdout.
import Fastify from "fastify";

const app = Fastify({ logger: false });
app.get("/bare", async () => ({ ok: true, items: [] }));
const address = await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`${JSON.stringify({ address })}\n`);
