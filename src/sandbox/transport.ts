// The socket side of the sandbox: one TCP port that serves HTTP/1.1 and cleartext HTTP/2 (the
// Bedrock Runtime client speaks h2 with prior knowledge), and the request/response shapes both share.
import type { IncomingHttpHeaders } from "node:http";
import { createServer } from "node:http";
import { createServer as createHttp2Server } from "node:http2";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";
import { Duplex, type Readable } from "node:stream";

function replayingStream(socket: Socket, first: Buffer): Duplex {
  const duplex = new Duplex({
    read: () => {
      socket.resume();
    },
    write: (chunk: Buffer, _enc, cb) => {
      socket.write(chunk, cb);
    },
    final: (cb) => {
      socket.end();
      cb();
    },
    destroy: (err, cb) => {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  duplex.push(first);
  socket.on("data", (chunk: Buffer) => {
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.on("end", () => duplex.push(null));
  socket.on("error", (err) => duplex.destroy(err));
  return duplex;
}

/** What the handler needs from an HTTP/1.1 or HTTP/2 (compat API) request and response. */
export type AnyRequest = Readable & {
  url?: string;
  method?: string;
  headers: IncomingHttpHeaders;
  socket: { remoteAddress?: string | undefined };
};
export interface AnyResponse {
  headersSent: boolean;
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body?: Buffer): unknown;
}

export function readBody(req: AnyRequest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Listens on one port for both HTTP/1.1 and cleartext HTTP/2 (see below). */
export async function listen(
  onRequest: (req: AnyRequest, res: AnyResponse) => void,
  host: string,
  port: number,
): Promise<{ port: number; close(): Promise<void> }> {
  // One port for both HTTP/1.1 and cleartext HTTP/2: the Bedrock Runtime client speaks h2 with
  // prior knowledge, the others HTTP/1.1. The first bytes of a connection tell them apart.
  const http1 = createServer((req, res) => onRequest(req, res));
  const http2 = createHttp2Server((req, res) => onRequest(req as unknown as AnyRequest, res as unknown as AnyResponse));
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.once("data", (first: Buffer) => {
      socket.pause();
      if (first.subarray(0, 3).toString("latin1") === "PRI") {
        // http2 reads the native handle, so the sniffed bytes are replayed through a JS stream.
        http2.emit("connection", replayingStream(socket, first));
      } else {
        socket.unshift(first);
        http1.emit("connection", socket);
        socket.resume();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        http1.closeAllConnections();
        http2.close();
        for (const socket of sockets) socket.destroy();
      }),
  };
}
