// What the browser tests compare against: the pages' computation (page-checks.js) done in Node, line for line,
// and the assertions that compare the two (bit for bit) and against PyTorch (golden tolerance).

import * as assert from "uvu/assert";
import { init, RNN, GRU, LSTM } from "../../src/index.js";
import { goldenCases, makeLayer, torchParams, worstRatio, type GoldenCase } from "../helpers/golden.js";
import { base64OfFloats, describeProblems, floatsFromBase64, type Session } from "./harness.js";

export type Arrays = Record<string, string>; // name → base64 of float32 bytes

export interface PageInfo {
  build: string;
  threads: number;
  supported: string[];
  crossOriginIsolated: boolean;
  exports: string[];
}

/** Products here are above the 1M multiply-add threshold, so with 2 threads they are split. */
export const LARGE = { cell: "lstm", inputSize: 64, hiddenSize: 256, numLayers: 1, bidirectional: false, seqLen: 16, batch: 32, seed: 3 } as const;
/** Batch 1: each step's W_hh product is a GEMV of 262k multiply-adds, split by columns with 2 threads. */
export const BATCH1 = { ...LARGE, seqLen: 8, batch: 1, seed: 4 } as const;

type LayerSpec = typeof LARGE | typeof BATCH1;

export const cases = goldenCases("layer");
export const names = cases.map((g) => g.name);

// ---- the same computation in Node (the page's script, line for line) ----

export function bits(values: ArrayLike<number>): string {
  return base64OfFloats(values instanceof Float32Array ? values : Float32Array.from(values));
}

export function runCase(g: GoldenCase): Arrays {
  const layer = makeLayer(g);
  try {
    layer.loadTorchParams(torchParams(g));
    const fwd = layer.forward(g.x!.data, {
      seqLen: g.seqLen, batch: g.batch, h0: g.h0.data, c0: g.c0?.data, lengths: g.lengths ?? undefined,
    });
    const out: Arrays = { output: bits(fwd.output), h_n: bits(fwd.hN) };
    if (g.c_n) out.c_n = bits(fwd.cN!);
    const bwd = layer.backward({ dOutput: g.dOutput!.data, dhN: g.dh_n!.data, dcN: g.dc_n?.data });
    out["grad x"] = bits(bwd.dx!);
    out["grad h0"] = bits(bwd.dh0!);
    if (g.c_n) out["grad c0"] = bits(bwd.dc0!);
    for (const name of Object.keys(g.params)) out[`grad ${name}`] = bits(bwd.grads[name]);
    return out;
  } finally {
    layer.dispose();
  }
}

export function runLarge(spec: LayerSpec): Arrays {
  const { cell, seqLen: T, batch: B, seed, ...sizes } = spec;
  const Layer = cell === "lstm" ? LSTM : cell === "gru" ? GRU : RNN;
  const layer = new Layer({ ...sizes, seed });
  try {
    const D = sizes.bidirectional ? 2 : 1;
    const x = new Float32Array(T * B * sizes.inputSize).map((_, i) => ((i * 7919) % 2003) / 1001.5 - 1);
    const dOutput = new Float32Array(T * B * D * sizes.hiddenSize).map((_, i) => ((i * 104729) % 1999) / 999.5 - 1);
    const fwd = layer.forward(x, { seqLen: T, batch: B });
    const out: Arrays = { output: bits(fwd.output), h_n: bits(fwd.hN) };
    if (fwd.cN) out.c_n = bits(fwd.cN);
    const bwd = layer.backward({ dOutput });
    out["grad x"] = bits(bwd.dx!);
    for (const [name, g] of Object.entries(bwd.grads)) out[`grad ${name}`] = bits(g);
    return out;
  } finally {
    layer.dispose();
  }
}

let nodeResults: Promise<{ golden: Record<string, Arrays>; large: Arrays; batch1: Arrays }> | undefined;

/** Node's simd-build results (computed once; the whole browser run shares this process's init). */
export function inNode(): Promise<{ golden: Record<string, Arrays>; large: Arrays; batch1: Arrays }> {
  nodeResults ??= (async () => {
    const { build } = await init({ build: "simd" });
    assert.is(build, "simd", "Node side must run the simd build");
    return {
      golden: Object.fromEntries(cases.map((g) => [g.name, runCase(g)])),
      large: runLarge(LARGE),
      batch1: runLarge(BATCH1),
    };
  })();
  return nodeResults;
}

// ---- comparisons ----

export function reference(g: GoldenCase, key: string): number[] {
  if (key === "output") return g.output!.data;
  if (key === "h_n") return g.h_n.data;
  if (key === "c_n") return g.c_n!.data;
  const name = key.slice("grad ".length);
  return g.grads[name].data;
}

/** Fails on the first array whose bytes differ, naming the element. */
export function assertSameBits(where: string, got: Arrays, want: Arrays): void {
  assert.equal(Object.keys(got).sort(), Object.keys(want).sort(), `${where}: result names`);
  for (const key of Object.keys(want)) {
    if (got[key] === want[key]) continue;
    const a = floatsFromBase64(got[key]), b = floatsFromBase64(want[key]);
    assert.is(a.length, b.length, `${where} ${key}: length`);
    const ai = new Uint32Array(a.buffer), bi = new Uint32Array(b.buffer);
    const i = ai.findIndex((v, j) => v !== bi[j]);
    assert.unreachable(`${where} ${key}[${i}]: browser ${a[i]} (0x${ai[i].toString(16)}), Node ${b[i]} (0x${bi[i].toString(16)})`);
  }
}

/** Every array within |got − ref| ≤ 1e-4 + 1e-3·|ref| of PyTorch; returns the worst ratio to that bound. */
export function assertGolden(where: string, results: Record<string, Arrays>): number {
  let worst = 0;
  for (const g of cases) {
    const got = results[g.name];
    assert.ok(got, `${where}: no result for ${g.name}`);
    for (const key of Object.keys(got)) {
      const { ratio, index } = worstRatio(floatsFromBase64(got[key]), reference(g, key));
      const value = floatsFromBase64(got[key])[index];
      assert.ok(ratio <= 1, `${where} ${g.name} ${key}[${index}] = ${value}, PyTorch ${reference(g, key)[index]} (${ratio.toFixed(2)}× tolerance)`);
      worst = Math.max(worst, ratio);
    }
  }
  return worst;
}

// ---- the page ----

export async function openChecksPage(s: Session, pagePath: string, query: string): Promise<PageInfo> {
  // counts streaming compiles, to check the server's application/wasm reaches WebAssembly.instantiateStreaming
  await s.page.addInitScript(() => {
    const w = window as unknown as { __streamingCompiles: number };
    w.__streamingCompiles = 0;
    const original = WebAssembly.instantiateStreaming;
    WebAssembly.instantiateStreaming = function (...args: Parameters<typeof original>) {
      w.__streamingCompiles++;
      return original.apply(WebAssembly, args);
    };
  });
  await s.page.goto(`${s.server.origin}${pagePath}${query}`);
  try {
    await s.page.waitForFunction(() => (window as unknown as { __plain?: { status: string } }).__plain?.status !== "loading", null, { timeout: 20_000 });
  } catch (e) {
    throw new Error(`the page did not load the package: ${(e as Error).message}; page problems: ${describeProblems(s.problems)}`);
  }
  const state = await s.page.evaluate(() => {
    const p = (window as unknown as { __plain: { status: string; error?: string; info?: PageInfo } }).__plain;
    return { status: p.status, error: p.error, info: p.info };
  });
  assert.is(state.status, "ready", `init() failed in the page: ${state.error}; page problems: ${describeProblems(s.problems)}`);
  return state.info!;
}

export function pageGolden(s: Session): Promise<Record<string, Arrays>> {
  return s.page.evaluate((list) => (window as unknown as { __plain: { runGolden(n: string[]): Promise<Record<string, Arrays>> } }).__plain.runGolden(list), names);
}

export function pageLarge(s: Session, spec: LayerSpec = LARGE): Promise<{ arrays: Arrays; ms: number }> {
  return s.page.evaluate((sp) => (window as unknown as { __plain: { runLarge(sp: unknown): { arrays: Arrays; ms: number } } }).__plain.runLarge(sp), spec);
}

export function assertNoProblems(s: Session): void {
  assert.is(s.problems.length, 0, `the page reported problems: ${describeProblems(s.problems)}`);
}
