// The Node (and Deno, Bun) entry of "wasm-rnn/tfjs": everything of tfjs/index.ts, plus the folder functions:
// loadTfjsFolder reads model.json and the shards it names; saveTfjsFolder writes exportTfjs's files.

import { mkdir, readFile, stat } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { bytesOf, MAX_JSON_BYTES, MAX_WEIGHT_BYTES, parseModelJson, q } from "./format.js";
import { loadTfjs } from "./index.js";
import type { LoadTfjsOptions } from "./load.js";
import type { TfjsModel } from "./model.js";
import { exportTfjs, type Exportable, type TfjsArtifacts } from "./export.js";
import { writeFilesAtomic } from "../io/files.js";

export * from "./index.js";

async function readBounded(path: string, what: string, max: number): Promise<Uint8Array> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error("not a file");
    size = s.size;
  } catch (e) {
    throw new TypeError(`loadTfjsFolder: cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  if (size > max) throw new RangeError(`loadTfjsFolder: ${what} ${path} is ${size} bytes, more than the ${max} expected`);
  return new Uint8Array(await readFile(path));
}

/** Loads `folder`/model.json (or the model.json file given) and the weight shards it names beside it. */
export async function loadTfjsFolder(path: string, options: LoadTfjsOptions = {}): Promise<TfjsModel> {
  if (typeof path !== "string" || path.length === 0) throw new TypeError(`loadTfjsFolder: expected a folder path, got ${JSON.stringify(path)}`);
  const isJson = path.endsWith(".json");
  const file = isJson ? path : join(path, "model.json");
  const dir = resolve(isJson ? join(path, "..") : path);
  const parsed = parseModelJson(await readBounded(file, "model.json", MAX_JSON_BYTES));
  const total = parsed.specs.reduce((n, s) => n + bytesOf(s), 0);
  if (total > MAX_WEIGHT_BYTES) throw new RangeError(`loadTfjsFolder: ${file} describes ${total} bytes of weights, more than this loader takes (2 GiB)`);
  const shards = new Map<string, Uint8Array>();
  for (const p of parsed.groups.flat()) {
    const target = resolve(dir, p);
    // a manifest names files beside model.json, never elsewhere on the disk
    if (!target.startsWith(dir + sep)) throw new TypeError(`loadTfjsFolder: ${file} names the weights file ${q(p)}, which is outside its folder`);
    if (!shards.has(p)) shards.set(p, await readBounded(target, "weights file", total));
  }
  return loadTfjs(parsed.raw, shards, options);
}

/**
 * Writes exportTfjs(model) as `folder`/model.json and `folder`/weights.bin; returns the artifacts. Both files
 * are written in full before either replaces a previous pair (writeFilesAtomic), so a failed save leaves the
 * previous model as it was.
 */
export async function saveTfjsFolder(folder: string, model: Exportable): Promise<TfjsArtifacts> {
  const artifacts = exportTfjs(model);
  await mkdir(folder, { recursive: true });
  await writeFilesAtomic([
    [join(folder, "weights.bin"), artifacts.weights],
    [join(folder, "model.json"), new TextEncoder().encode(JSON.stringify(artifacts.modelJson))],
  ]);
  return artifacts;
}
