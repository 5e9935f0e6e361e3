// test/edge's own node_modules: Deno, Bun and miniflare (with workerd) from npm, installed on first use so the
// repository's `npm install` stays light (~360 MB, almost all of it the three runtimes' binaries). Install
// scripts are skipped (--ignore-scripts): each binary ships in a platform package (@deno/<platform>,
// @oven/bun-<platform>, @cloudflare/workerd-<platform>) that npm installs as an optional dependency, and
// runtimes() below finds it there; bun's postinstall would only copy its binary over a placeholder shim.

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { installOnFirstUse } from "../../scripts/install-on-first-use.mjs";

export const EDGE_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT_DIR = path.resolve(EDGE_DIR, "../..");

const pkg = JSON.parse(readFileSync(path.join(EDGE_DIR, "package.json"), "utf8"));
const require = createRequire(path.join(EDGE_DIR, "package.json"));

/** Installs test/edge/node_modules when a dependency is missing (npm ci from the lockfile). Throws on failure. */
export function ensureInstalled({ log = console.log } = {}) {
  return installOnFirstUse(EDGE_DIR, { what: "test/edge (Deno, Bun, miniflare: ~360 MB)", log });
}

function resolveIn(pkgName, file) {
  try {
    return path.join(path.dirname(require.resolve(`${pkgName}/package.json`)), file);
  } catch {
    return null;
  }
}

const exe = process.platform === "win32" ? ".exe" : "";

/** Where Deno's binary is: @deno/<os>-<arch>[-glibc]/deno, or null (with why) when this platform has none. */
export function denoBinary() {
  const arch = { x64: "x64", arm64: "arm64" }[process.arch];
  const platform = { linux: "linux", darwin: "darwin", win32: "win32" }[process.platform];
  if (!arch || !platform) return { path: null, why: `npm's deno has no binary for ${process.platform}-${process.arch}` };
  const name = `@deno/${platform}-${arch}${platform === "linux" ? "-glibc" : ""}`;
  const file = resolveIn(name, `deno${exe}`);
  return file && existsSync(file) ? { path: file, package: name } : { path: null, why: `${name} is not installed in test/edge/node_modules` };
}

/** Where Bun's binary is: @oven/bun-<os>-<arch>/bin/bun (needs AVX2 on x64, as that package's build does). */
export function bunBinary() {
  const arch = { x64: "x64", arm64: "aarch64" }[process.arch];
  const platform = { linux: "linux", darwin: "darwin", win32: "windows" }[process.platform];
  if (!arch || !platform) return { path: null, why: `npm's bun has no binary for ${process.platform}-${process.arch}` };
  const musl = platform === "linux" && !process.report?.getReport?.().header?.glibcVersionRuntime;
  const name = `@oven/bun-${platform}-${arch}${musl ? "-musl" : ""}`;
  const file = resolveIn(name, `bin/bun${exe}`);
  if (!file || !existsSync(file)) return { path: null, why: `${name} is not installed in test/edge/node_modules` };
  if (arch === "x64" && platform === "linux" && !/\bavx2\b/.test(readCpuFlags())) {
    return { path: null, why: `this CPU lacks AVX2, which ${name} needs (bun's postinstall would fetch a -baseline build)` };
  }
  return { path: file, package: name };
}

function readCpuFlags() {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return "avx2"; // cannot tell: assume a current CPU
  }
}

/** miniflare's module (it finds workerd's binary in @cloudflare/workerd-<platform> itself), or null. */
export async function loadMiniflare() {
  const file = resolveIn("miniflare", "package.json");
  if (!file || !existsSync(file)) return { miniflare: null, why: "miniflare is not installed in test/edge/node_modules" };
  const main = require.resolve("miniflare");
  const miniflare = await import(pathToFileURL(main).href);
  const version = JSON.parse(readFileSync(file, "utf8")).version;
  const workerd = resolveIn("workerd", "package.json");
  return { miniflare, version, workerdVersion: workerd ? JSON.parse(readFileSync(workerd, "utf8")).version : "?" };
}

/** The versions pinned in test/edge/package.json. */
export const VERSIONS = { ...pkg.dependencies };
