// Vite config of the browser demo: `npm run demo:web` (dev server) and `npm run demo:build` (→ demo/dist/,
// relative URLs, so any static file server can serve it). The page imports the library as "wasm-rnn", which
// is the built browser entry dist/src/index.js; its wasm files (build/*.wasm) become hashed assets.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here("."),
  base: "./",
  publicDir: false,
  resolve: {
    alias: { "wasm-rnn": here("../dist/src/index.js") },
  },
  build: {
    outDir: here("dist"),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 1000,
  },
  worker: { format: "es" },
  server: {
    host: "localhost",
    fs: { allow: [here("..")] },
  },
  preview: { host: "localhost" },
});
