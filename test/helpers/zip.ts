// Reads a ZIP archive (yauzl) into its files, in archive order.
import yauzl from "yauzl";

export async function unzip(data: Buffer): Promise<Array<{ path: string; bytes: Buffer }>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(data, { lazyEntries: true }, (err, z) => (err ? reject(err) : resolve(z))),
  );
  const files: Array<{ path: string; bytes: Buffer }> = [];
  await new Promise<void>((resolve, reject) => {
    zip.on("error", reject);
    zip.on("end", resolve);
    zip.on("entry", (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        const parts: Buffer[] = [];
        stream.on("data", (b: Buffer) => parts.push(b));
        stream.on("error", reject);
        stream.on("end", () => {
          files.push({ path: entry.fileName, bytes: Buffer.concat(parts) });
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  return files;
}
