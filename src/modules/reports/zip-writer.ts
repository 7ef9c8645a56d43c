// A ZIP archive streamed into a report sink (yazl): files are added one after another, each
// produced by a writer and hashed (SHA-256) and measured as it streams, so neither a file nor the
// archive is ever held whole in memory.
import { createHash } from "node:crypto";
import { once } from "node:events";
import { PassThrough } from "node:stream";
import { ZipFile } from "yazl";
import type { ReportSink } from "./reports.types.js";

export interface ZippedFile {
  path: string;
  size: number;
  sha256: string;
}

export function zipWriter(sink: ReportSink, mtime: Date) {
  const zip = new ZipFile();
  const drained = (async () => {
    for await (const chunk of zip.outputStream) await sink.write(chunk as Buffer);
  })();
  // Observed by every add and by end; a failing sink stops them.
  let failure: unknown;
  const failed = drained.then(
    () => new Promise<never>(() => {}),
    (err: unknown) => {
      failure = err;
      throw err;
    },
  );
  failed.catch(() => {});

  return {
    /** Streams one file written by `produce`; resolves once it is wholly in the archive. */
    async add(path: string, produce: (out: ReportSink) => Promise<void>): Promise<ZippedFile> {
      if (failure) throw failure;
      const hash = createHash("sha256");
      let size = 0;
      const pass = new PassThrough({ highWaterMark: 256 * 1024 });
      const consumed = once(pass, "end");
      zip.addReadStream(pass, path, { mtime, compress: true });
      const out: ReportSink = {
        async write(data) {
          const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
          if (bytes.length === 0) return;
          hash.update(bytes);
          size += bytes.length;
          if (!pass.write(bytes)) await Promise.race([once(pass, "drain"), failed]);
        },
      };
      try {
        await produce(out);
      } catch (err) {
        pass.destroy(err as Error);
        throw err;
      }
      pass.end();
      await Promise.race([consumed, failed]);
      return { path, size, sha256: hash.digest("hex") };
    },

    /** Writes the central directory and waits for the last byte to reach the sink. */
    async end(comment?: string): Promise<void> {
      if (comment) zip.end({ forceZip64Format: false, comment });
      else zip.end();
      await drained;
    },
  };
}
