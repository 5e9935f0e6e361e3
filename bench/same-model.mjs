// Shared by the benchmarks that time a loaded model against the same model built natively (bench/onnx.mjs,
// bench/tfjs-import.mjs): the common flags, pinning, warm-up and interleaved repeats, medians, the
// comparison of outputs against the native cell, the printed table, load-time medians.
//
// A cell is { name, run(), async?, check?(), enter?(), dispose?(), extra? } or { name, na: why }. run() is
// what is timed; check() (default run()) returns the outputs compared with the first cell's, { key: floats };
// enter() (awaited, not timed) runs before a cell's warm-up and before each of its timed repeats (e.g. to
// switch a backend); extra is copied into the JSON row.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";

/** The flags every such bench takes (spread into parseArgs's options). */
export const COMMON_OPTIONS = {
  quick: { type: "boolean", default: false },
  pin: { type: "string" },
  "no-pin": { type: "boolean", default: false },
  json: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
};

/** --help: the first `lines` comment lines of the script at `url`. */
export function printHelp(url, lines) {
  console.log(readFileSync(url, "utf8").split("\n").filter((l) => l.startsWith("//")).slice(0, lines).map((l) => l.slice(3)).join("\n"));
}

/**
 * Pinning: re-runs this script under taskset on one CPU (one thread everywhere, so one CPU is all it uses)
 * and exits with its status; returns the CPU number (null with --no-pin) in the pinned process.
 */
export function pinSelf(args) {
  const cpus = os.cpus().length;
  const pin = args["no-pin"] ? null : Number(args.pin ?? cpus - 1);
  if (pin !== null && (!Number.isInteger(pin) || pin < 0 || pin >= cpus)) throw new Error(`--pin must be a CPU number in [0, ${cpus - 1}], got "${args.pin}"`);
  if (pin !== null && process.env.WASM_RNN_BENCH_PINNED === undefined) {
    const r = spawnSync("taskset", ["-c", String(pin), process.execPath, ...process.argv.slice(1)], { stdio: "inherit", env: { ...process.env, WASM_RNN_BENCH_PINNED: String(pin) } });
    if (r.error) throw new Error(`taskset failed (${r.error.message}); run with --no-pin`);
    process.exit(r.status ?? 1);
  }
  return pin;
}

export const settingsFor = (quick) => (quick ? { repeats: 3, warmupMs: 300, repeatMs: 150, loads: 5 } : { repeats: 7, warmupMs: 1000, repeatMs: 250, loads: 11 });

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b), n = s.length, h = n >> 1;
  return n % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

export const maxAbsDiff = (a, b) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return a.length === b.length ? m : Infinity;
};

export const ms = (v) => (v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));

const call = (cell, f) => (cell.async ? f() : Promise.resolve(f()));

/** Each live cell's max |Δ| against the first cell's outputs over `keys` (cell.maxAbsDiff). */
export async function compareCells(cells, keys) {
  const outputs = async (cell) => (cell.enter && (await cell.enter()), await call(cell, cell.check ?? cell.run));
  const ref = await outputs(cells[0]);
  for (const cell of cells.slice(1)) {
    if (cell.na) continue;
    const got = await outputs(cell);
    cell.maxAbsDiff = Math.max(...keys.map((k) => maxAbsDiff(ref[k], got[k])));
  }
}

async function timeCalls(cell, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) cell.async ? await cell.run() : cell.run();
  return (performance.now() - t0) / n;
}

/**
 * Every live cell warmed up (≥ 2 calls and ≥ warmupMs), its calls per repeat set so a repeat lasts ≥
 * repeatMs, then `repeats` rounds interleaved (round r starts at a rotated cell); sets median, min, max.
 */
export async function measure(cells, settings) {
  const live = cells.filter((c) => !c.na);
  for (const c of live) {
    if (c.enter) await c.enter();
    let calls = 0, t0 = performance.now();
    while (calls < 2 || performance.now() - t0 < settings.warmupMs) { c.async ? await c.run() : c.run(); calls++; }
    const per = (performance.now() - t0) / calls;
    c.iters = Math.max(1, Math.round(settings.repeatMs / per));
    c.times = [];
  }
  for (let round = 0; round < settings.repeats; round++) {
    for (let k = 0; k < live.length; k++) {
      const c = live[(round + k) % live.length];
      if (c.enter) await c.enter();
      c.times.push(await timeCalls(c, c.iters));
    }
  }
  for (const c of live) Object.assign(c, { median: median(c.times), min: Math.min(...c.times), max: Math.max(...c.times) });
}

/** Compares, measures and disposes the cells of one case. */
export async function runCase(cells, keys, settings) {
  try {
    await compareCells(cells, keys);
    await measure(cells, settings);
  } finally {
    for (const cell of cells) cell.dispose?.();
  }
}

/** Prints a measured case's table under `title`; returns its cells for the JSON file. */
export function reportCase(title, cells, width = 38) {
  const native = cells[0].median;
  console.log(`\n${title}`);
  console.log(`  ${"cell".padEnd(width)} ${"median ms".padStart(10)} ${"min – max".padStart(17)}  ${"vs native".padStart(9)}  max |Δ| vs native`);
  const rows = [];
  for (const cell of cells) {
    if (cell.na) {
      console.log(`  ${cell.name.padEnd(width)} n/a: ${cell.na}`);
      rows.push({ name: cell.name, na: cell.na });
      continue;
    }
    const ratio = cell.median / native;
    console.log(`  ${cell.name.padEnd(width)} ${ms(cell.median).padStart(10)} ${`${ms(cell.min)} – ${ms(cell.max)}`.padStart(17)}  ${`${ratio.toFixed(3)}×`.padStart(9)}  ${cell.maxAbsDiff === undefined ? "(reference)" : cell.maxAbsDiff.toExponential(1)}`);
    rows.push({ name: cell.name, medianMs: cell.median, minMs: cell.min, maxMs: cell.max, n: cell.times.length, vsNative: ratio, maxAbsDiff: cell.maxAbsDiff ?? 0, ...cell.extra });
  }
  return rows;
}

/** The median of `n` timed calls of f (awaited), in ms. */
export async function medianTime(f, n) {
  const ts = [];
  for (let i = 0; i < n; i++) { const t0 = performance.now(); await f(); ts.push(performance.now() - t0); }
  return median(ts);
}

/** Prints load times { label: ms } under `title`. */
export function reportLoads(title, times, width = 44) {
  console.log(`\n${title}`);
  for (const [k, v] of Object.entries(times)) console.log(`  ${k.padEnd(width)} ${ms(v).padStart(8)} ms`);
}
