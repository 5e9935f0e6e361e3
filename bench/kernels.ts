// Kernel benchmark suite (benchmark.js): GEMM / GEMV GFLOP/s, LSTM forward µs per step through the public API,
// and the activation kernels in ns per element. Peers (tfjs, onnxruntime) live in a separate suite.
//
//   npm run bench:kernels                                   # best build this runtime validates without flags
//   npm run bench:kernels -- --build simd                   # force the plain SIMD build
//   npm run bench:kernels -- --build relaxed                # relaxed SIMD (re-execs Node with
//                                                           #   --experimental-wasm-relaxed-simd when needed, Node 20)
//   npm run bench:kernels -- --json results.json            # also write the rows as JSON
//   taskset -c 1 npm run bench:kernels                      # pin to one core on a shared machine
//
// Every case allocates and fills its inputs once, is warmed up by direct calls, then sampled by benchmark.js.
// The figure of merit is the MEDIAN of benchmark.js's samples (seconds per call), not the mean.

import Benchmark from "benchmark";
import os from "node:os";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs as parseCommandLine } from "node:util";
import { init, LSTM, supportedBuilds, type BuildName } from "../src/index.js";
import { runtime } from "../src/init.js";
import type { Heap, Kernels } from "../bindings/index.js";

const RELAXED_FLAG = "--experimental-wasm-relaxed-simd";
const MAX_TIME = 2.5; // s of sampling per case (benchmark.js maxTime)
const MIN_SAMPLES = 10;
const WARMUP_CALLS = 5;
const WARMUP_MS = 150;

// ---------------------------------------------------------------- arguments ----

interface Args { build?: BuildName; json?: string }

function parseArgs(argv: string[]): Args {
  let values: { build?: string; json?: string; help?: boolean };
  try {
    ({ values } = parseCommandLine({
      args: argv,
      options: { build: { type: "string" }, json: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  if (values.help) usage();
  if (values.build !== undefined && values.build !== "simd" && values.build !== "relaxed") {
    usage(`--build must be simd or relaxed, got ${JSON.stringify(values.build)}`);
  }
  return { build: values.build as BuildName | undefined, json: values.json };
}

function usage(error?: string): never {
  if (error) console.error(`bench/kernels: ${error}`);
  console.error("usage: node dist/bench/kernels.js [--build simd|relaxed] [--json <file>]");
  process.exit(error ? 2 : 0);
}

/** Node 20 validates relaxed SIMD only behind a V8 flag: run this script again with it (once). */
function reexecForRelaxed(args: Args): void {
  if (args.build !== "relaxed" || supportedBuilds().includes("relaxed")) return;
  if (process.execArgv.includes(RELAXED_FLAG)) return; // flag given and still unsupported: init() explains
  console.error(`bench/kernels: relaxed SIMD not enabled in Node ${process.version}; re-running with ${RELAXED_FLAG}`);
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, RELAXED_FLAG, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: "inherit" },
  );
  process.exit(child.status ?? 1);
}

// ---------------------------------------------------------------- inputs ----

/** Deterministic uniform [lo, hi) floats (xorshift32), so every run benchmarks the same data. */
function fillUniform(out: Float32Array, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = lo + (hi - lo) * (s / 4294967296);
  }
  return out;
}

/** A heap block of n floats filled with uniform values; returns its byte address. */
function randomBlock(heap: Heap, n: number, seed: number, lo = -1, hi = 1): number {
  const ptr = heap.alloc(n * 4);
  fillUniform(heap.f32(ptr, n), seed, lo, hi);
  return ptr;
}

/** Spot-checks a few entries of C = A·Wᵀ (A [M,K], W [N,K], C [M,N]) so a broken kernel is never timed. */
function checkProduct(heap: Heap, name: string, M: number, N: number, K: number, A: number, W: number, C: number): void {
  const a = heap.f32(A, M * K), w = heap.f32(W, N * K), c = heap.f32(C, M * N);
  for (const [i, j] of [[0, 0], [M - 1, N - 1], [M >> 1, N >> 1], [M - 1, 0], [0, N - 1], [(M * 7) >> 3, (N * 3) >> 3]]) {
    let ref = 0;
    for (let k = 0; k < K; k++) ref += a[i * K + k] * w[j * K + k];
    const got = c[i * N + j];
    if (!(Math.abs(got - ref) <= 1e-4 * Math.sqrt(K) * (1 + Math.abs(ref)))) {
      throw new Error(`${name}: C[${i},${j}] = ${got}, expected ${ref}`);
    }
  }
}

// ---------------------------------------------------------------- cases ----

type Unit = "gflops" | "us/step" | "ns/elem";

interface Case {
  name: string;
  shape: string;
  unit: Unit;
  /** Floating-point operations per call (GFLOP/s = flops / median). */
  flops?: number;
  /** Work items per call: time steps (us/step) or elements (ns/elem). */
  items?: number;
  fn: () => void;
}

function gemmCase(k: Kernels, heap: Heap, M: number, K: number, N: number, label?: string): Case {
  const A = randomBlock(heap, M * K, 1 + M + K);
  const W = randomBlock(heap, N * K, 2 + N + K); // row-major [N, K], PyTorch's layout
  const Bp = heap.alloc(k.packedSize(K, N) * 4);
  k.packTransposed(W, K, N, K, Bp); // B = Wᵀ, packed once as the layers do
  const C = heap.alloc(M * N * 4);
  const fn = () => k.gemm(M, N, K, A, K, 1, Bp, C, N, false);
  fn();
  checkProduct(heap, `gemm ${M}x${K}x${N}`, M, N, K, A, W, C);
  return { name: label ?? `gemm ${M}x${K}x${N}`, shape: `M=${M} K=${K} N=${N}`, unit: "gflops", flops: 2 * M * N * K, fn };
}

function gemvCase(k: Kernels, heap: Heap, K: number, N: number): Case {
  const x = randomBlock(heap, K, 3 + K);
  const W = randomBlock(heap, N * K, 4 + N);
  const Bd = heap.alloc(k.dotPackedSize(K, N) * 4);
  k.packDot(W, K, 1, N, K, Bd); // the layers' batch-1 W_hh pack (layout "T")
  const y = heap.alloc(N * 4);
  const fn = () => k.gemv(N, K, x, Bd, y, false);
  fn();
  checkProduct(heap, `gemv 1x${K}x${N}`, 1, N, K, x, W, y);
  return { name: `gemv 1x${K}x${N} (dot-packed)`, shape: `M=1 K=${K} N=${N}`, unit: "gflops", flops: 2 * N * K, fn };
}

function activationCase(k: Kernels, heap: Heap, which: "tanhArray" | "sigmoidArray", n: number): Case {
  const x = randomBlock(heap, n, 5 + n, -6, 6);
  const y = heap.alloc(n * 4);
  const kernel = k[which];
  return { name: `${which} ${n}`, shape: `n=${n}`, unit: "ns/elem", items: n, fn: () => kernel(x, y, n) };
}

function lstmCase(I: number, H: number, B: number, T: number): Case {
  const lstm = new LSTM({ inputSize: I, hiddenSize: H });
  const x = fillUniform(new Float32Array(T * B * I), 6);
  const options = { seqLen: T, batch: B };
  // per step: the input projection share 2·4H·I plus the recurrent product 2·4H·H (pointwise work not counted)
  const flops = 2 * 4 * H * (I + H) * B * T;
  return {
    name: `LSTM forward I=${I} H=${H} B=${B} T=${T}`, shape: `I=${I} H=${H} B=${B} T=${T}`, unit: "us/step",
    flops, items: T, fn: () => { lstm.forward(x, options); },
  };
}

// ---------------------------------------------------------------- measuring ----

interface Row {
  name: string;
  shape: string;
  unit: Unit;
  medianSeconds: number;
  minSeconds: number;
  maxSeconds: number;
  meanSeconds: number;
  rmePercent: number;
  samples: number;
  gflops?: number;
  usPerStep?: number;
  nsPerElement?: number;
}

function median(sorted: number[]): number {
  const n = sorted.length, h = n >> 1;
  return n % 2 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2;
}

function warmUp(fn: () => void): void {
  const until = performance.now() + WARMUP_MS;
  for (let i = 0; i < WARMUP_CALLS || performance.now() < until; i++) fn();
}

function toRow(c: Case, bench: Benchmark): Row {
  const sample = [...bench.stats.sample].sort((a, b) => a - b);
  const med = median(sample);
  const row: Row = {
    name: c.name, shape: c.shape, unit: c.unit,
    medianSeconds: med, minSeconds: sample[0], maxSeconds: sample[sample.length - 1],
    meanSeconds: bench.stats.mean, rmePercent: bench.stats.rme, samples: sample.length,
  };
  if (c.flops !== undefined) row.gflops = c.flops / med / 1e9;
  if (c.unit === "us/step") row.usPerStep = (med / c.items!) * 1e6;
  if (c.unit === "ns/elem") row.nsPerElement = (med / c.items!) * 1e9;
  return row;
}

function formatTime(s: number): string {
  if (s >= 1e-3) return `${(s * 1e3).toFixed(3)} ms`;
  if (s >= 1e-6) return `${(s * 1e6).toFixed(2)} µs`;
  return `${(s * 1e9).toFixed(1)} ns`;
}

function resultText(r: Row): string {
  switch (r.unit) {
    case "gflops": return `${r.gflops!.toFixed(2)} GFLOP/s`;
    case "us/step": return `${r.usPerStep!.toFixed(2)} µs/step (${r.gflops!.toFixed(1)} GFLOP/s)`;
    case "ns/elem": return `${r.nsPerElement!.toFixed(3)} ns/elem`;
  }
}

function printTable(rows: Row[]): void {
  const header = ["case", "median", "result", "min – max", "spread", "samples"];
  const lines = rows.map((r) => [
    r.name,
    formatTime(r.medianSeconds),
    resultText(r),
    `${formatTime(r.minSeconds)} – ${formatTime(r.maxSeconds)}`,
    `${(((r.maxSeconds - r.minSeconds) / r.medianSeconds) * 100).toFixed(1)}%`,
    String(r.samples),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const right = [false, true, true, true, true, true];
  const fmt = (cells: string[]) => cells.map((s, i) => (right[i] ? s.padStart(widths[i]) : s.padEnd(widths[i]))).join("  ");
  console.log(fmt(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(fmt(l));
}

// ---------------------------------------------------------------- main ----

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  reexecForRelaxed(args);

  const { build } = await init(args.build ? { build: args.build } : {});
  const { k, heap } = runtime();
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const meta = {
    build,
    wasm: `build/rnn.${build}.wasm`,
    supportedBuilds: supportedBuilds(),
    node: process.version,
    v8: process.versions.v8,
    execArgv: process.execArgv,
    cpu,
    cpus: os.cpus().length,
    loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
    date: new Date().toISOString(),
    maxTime: MAX_TIME,
    minSamples: MIN_SAMPLES,
  };
  console.log(`wasm-rnn kernel benchmarks — build "${build}" (${meta.wasm}); runtime supports: ${meta.supportedBuilds.join(", ")}`);
  console.log(`Node ${meta.node} (V8 ${meta.v8}${meta.execArgv.length ? `, ${meta.execArgv.join(" ")}` : ""}), ${cpu} × ${meta.cpus}, load ${meta.loadavg.join(" ")}`);
  console.log(`benchmark.js maxTime ${MAX_TIME} s, minSamples ${MIN_SAMPLES}; figures are medians of the samples\n`);

  const cases: Case[] = [
    ...[64, 128, 256, 512].map((n) => gemmCase(k, heap, n, n, n)),
    gemmCase(k, heap, 32, 768, 2048),
    gemvCase(k, heap, 320, 1024),
    // W1's recurrent product (W_hh: 1 MiB) against one of 16 KB that stays in L1: the same rate means the
    // GEMV is bound by the core's SIMD throughput, not by memory
    gemvCase(k, heap, 256, 1024),
    gemvCase(k, heap, 256, 16),
    gemmCase(k, heap, 1, 320, 1024, "gemm 1x320x1024 (panel M=1)"),
    lstmCase(64, 256, 1, 256),
    activationCase(k, heap, "tanhArray", 4096),
    activationCase(k, heap, "sigmoidArray", 4096),
  ];

  const rows: Row[] = [];
  const suite = new Benchmark.Suite("kernels");
  for (const c of cases) {
    suite.add(c.name, c.fn, {
      maxTime: MAX_TIME,
      minSamples: MIN_SAMPLES,
      onStart: () => warmUp(c.fn),
    });
  }
  suite
    .on("cycle", (event: Benchmark.Event) => {
      const bench = event.target as unknown as Benchmark;
      const c = cases.find((x) => x.name === bench.name)!;
      if (bench.error) throw bench.error;
      const row = toRow(c, bench);
      rows.push(row);
      process.stderr.write(`  ${row.name}: ${formatTime(row.medianSeconds)}  ${resultText(row)}  (${row.samples} samples)\n`);
    })
    .on("error", (event: Benchmark.Event) => {
      throw (event.target as unknown as Benchmark).error;
    })
    .run({ async: false });

  console.log("");
  printTable(rows);

  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ meta, rows }, null, 2) + "\n");
    console.log(`\nwrote ${args.json}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
