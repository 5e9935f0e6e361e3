// loadTfjs for every entry: check model.json and the weights whole, initialise the core with the entry's
// init(), build. loadTfjsUrl fetches model.json and the shards it names (relative to its URL).

import type { LoadOptions } from "../../bindings/index.js";
import type { InitResult } from "../init.js";
import { checkKnownKeys, checkObject, describe } from "../errors.js";
import { bytesOf, decodeWeights, fail, MAX_JSON_BYTES, MAX_WEIGHT_BYTES, parseModelJson, q, type TfjsWeightsInput } from "./format.js";
import { planModel } from "./layers.js";
import { TfjsModel } from "./model.js";

export interface LoadTfjsOptions {
  /** Options of the init() call made when the core is not loaded yet. */
  init?: LoadOptions;
  /** Load weights holding NaN or ±Infinity (refused by default: every output would be NaN). */
  allowNonFinite?: boolean;
}

export interface LoadTfjsUrlOptions extends LoadTfjsOptions {
  /** The fetch to use (default: globalThis.fetch). */
  fetch?: (url: string) => Promise<Response>;
}

type Init = (o: LoadOptions) => Promise<InitResult>;

export async function loadTfjsWith(init: Init, modelJson: unknown, weights: TfjsWeightsInput, options: LoadTfjsOptions = {}): Promise<TfjsModel> {
  const o = checkObject("loadTfjs: options", options);
  checkKnownKeys("loadTfjs", o, ["init", "allowNonFinite", "fetch"]);
  const parsed = parseModelJson(modelJson);
  const plan = planModel(parsed.topology, decodeWeights(parsed, weights), { allowNonFinite: options.allowNonFinite === true, kerasVersion: parsed.kerasVersion });
  await init(options.init ?? {});
  return new TfjsModel(plan);
}

/** Reads a response's body, refusing one longer than `max` bytes (by its header, then as it arrives). */
async function boundedBody(res: Response, url: string, max: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > max) fail(`${url} is ${declared} bytes, more than the ${max} expected`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length > max) fail(`${url} is ${bytes.length} bytes, more than the ${max} expected`);
  return bytes;
}

export async function loadTfjsUrlWith(init: Init, url: string | URL, options: LoadTfjsUrlOptions = {}): Promise<TfjsModel> {
  const o = checkObject("loadTfjsUrl: options", options);
  checkKnownKeys("loadTfjsUrl", o, ["init", "allowNonFinite", "fetch"]);
  const fetcher = options.fetch ?? (globalThis.fetch as ((u: string) => Promise<Response>) | undefined);
  if (typeof fetcher !== "function") throw new TypeError(`loadTfjsUrl: no fetch in this runtime; pass options.fetch, got ${describe(fetcher)}`);
  const base = String(url);
  const get = async (u: string, what: string, max: number) => {
    let res: Response;
    try {
      res = await fetcher(u);
    } catch (e) {
      fail(`could not fetch ${what} ${u}: ${(e as Error).message}`);
    }
    if (!res.ok) fail(`fetching ${what} ${u} gave HTTP ${res.status}`);
    return boundedBody(res, u, max);
  };
  const parsed = parseModelJson(await get(base, "model.json", MAX_JSON_BYTES));
  const total = parsed.specs.reduce((n, s) => n + bytesOf(s), 0);
  if (total > MAX_WEIGHT_BYTES) fail(`weightsManifest describes ${total} bytes of weights, more than this loader takes (2 GiB)`);
  const shards = new Map<string, Uint8Array>();
  for (const path of parsed.groups.flat()) {
    if (shards.has(path)) continue;
    let target: string;
    try {
      target = new URL(path, base).href;
    } catch {
      fail(`weightsManifest path ${q(path)} does not make a URL relative to ${base}`);
    }
    shards.set(path, await get(target, "weights shard", total));
  }
  return loadTfjsWith(init, parsed.raw, shards, options);
}
