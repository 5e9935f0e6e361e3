// Builds a test app with Vite's production build, as an app's `vite build` would (no config file, relative
// base, ES workers), and reads what it emitted. Shared by the bundle tests of each entry.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import * as assert from "uvu/assert";

/** Builds `app` into `out`, resolving `alias` (bare entry → built file); returns the emitted assets' names and the time taken. */
export async function viteBuild(app: string, out: string, alias: Record<string, string> = {}): Promise<{ assets: string[]; ms: number }> {
  const started = performance.now();
  const { build } = await import("vite");
  await build({
    root: app,
    base: "./",
    configFile: false,
    logLevel: "warn",
    resolve: { alias },
    build: { outDir: out, emptyOutDir: true, target: "es2022" },
    worker: { format: "es" },
  });
  return { assets: readdirSync(join(out, "assets")), ms: performance.now() - started };
}

/**
 * The bundle's JavaScript (worker chunks aside) and its relaxed wasm: checks that no chunk imports a Node
 * built-in or evaluates code (a strict CSP and workerd refuse that), and returns their sizes (gzip level 9).
 */
export function bundleSizes(out: string, assets: string[]): { chunks: number; jsGzip: number; jsRaw: number; wasmGzip: number } {
  const scripts = assets.filter((f) => f.endsWith(".js") && !f.startsWith("worker-"));
  let jsGzip = 0, jsRaw = 0;
  for (const f of scripts) {
    const bytes = readFileSync(join(out, "assets", f)), code = bytes.toString("utf8");
    assert.not.match(code, /from\s*["']node:|require\(["']node:/, `${f} imports a Node built-in`);
    assert.not.match(code, /new Function\(|(?<![.\w$])eval\((?!\)\s*\{)/, `${f} evaluates code (a strict CSP and workerd refuse that)`);
    jsGzip += gzipSync(bytes, { level: 9 }).length;
    jsRaw += bytes.length;
  }
  const wasmFile = assets.find((f) => /^rnn\.relaxed-[\w-]+\.wasm$/.test(f));
  assert.ok(wasmFile, `no relaxed wasm asset in ${assets.join(", ")}`);
  return { chunks: scripts.length, jsGzip, jsRaw, wasmGzip: gzipSync(readFileSync(join(out, "assets", wasmFile!)), { level: 9 }).length };
}
