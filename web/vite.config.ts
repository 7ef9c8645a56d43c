// The console is built into dist/web, which the service serves at `/` (src/plugins/console.ts).
import path from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: "/",
  plugins: [react()],
  // No public/ folder: every file the page loads is a hashed asset under /assets/.
  publicDir: false,
  build: {
    outDir: path.join(here, "..", "dist", "web"),
    emptyOutDir: true,
    // data: URIs for fonts or scripts would need CSP exceptions: always emit files.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: true,
  },
});
