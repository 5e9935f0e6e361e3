// The command line under seeded random argument lists (fast-check, issue 10): real commands and flags with
// valid small values and hostile ones, fixture files that are good, damaged or special. Every case must end
// with exit code 0, or with one line "wasm-rnn: error: …" on stderr and a non-zero code; never an uncaught
// exception, a stack trace or "Maximum call stack"; each within CASE_MS, with the process's RSS bounded.
//
// Long runs (after npm run build): FUZZ_RUNS=50000 FUZZ_SEED=7 npx uvu dist/test/cli "^fuzz\.test\.js$"
// FUZZ_REPORT=1 prints cases/s, time per command and the error messages seen; FUZZ_SHRINK=1 shrinks a failure.

import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { argv } from "./argv-grammar.js";
import { Fixtures, TASK_DATA } from "./cli-fixtures.js";
import { runMain, type Run } from "./run-main.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const SEED = Number(process.env.FUZZ_SEED ?? 20260610);
/** Per case: the slowest valid runs (two epochs of the built-in names) take well under a second. */
const CASE_MS = 5000;
/** The whole test process (all suites share it): wasm memory only grows, so a leak per case shows here. */
const RSS_LIMIT = 1.5 * 2 ** 30;

const ERROR = "wasm-rnn: error: ";
/** Lines a failing run may print on stderr before its error: per-epoch progress of a run stopped later. */
const PROGRESS = /^epoch \d+\/\d+: loss /;

/** What must hold for every run: the error policy of src/cli/errors.ts. */
function checkRun(r: Run): void {
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  for (const text of [r.stdout, r.stderr]) {
    assert.not.match(text, /Maximum call stack/, "no stack overflow");
    assert.not.match(text, /^\s+at .*[(:]\d+/m, "no stack trace");
    assert.not.match(text, /\[object Object\]/, "no unprinted object");
  }
  const errors = lines.filter((l) => l.startsWith("wasm-rnn: error"));
  if (r.code === 0) {
    assert.is(errors.length, 0, `exit 0 without an error line: ${r.stderr}`);
    return;
  }
  assert.is(errors.length, 1, `exactly one error line: ${JSON.stringify(r.stderr)}`);
  const last = lines[lines.length - 1];
  assert.ok(last.startsWith(ERROR) && last.length > ERROR.length + 3, `the error line comes last and says something: ${JSON.stringify(r.stderr)}`);
  for (const line of lines.slice(0, -1)) assert.match(line, PROGRESS, `only progress before the error: ${JSON.stringify(line)}`);
}

test(`CLI fuzz: ${RUNS} seeded argument lists (seed ${SEED}) end in exit 0 or one error line`, async () => {
  const home = process.cwd();
  const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-fuzz-"));
  const escaped: unknown[] = [];
  const onEscape = (e: unknown) => void escaped.push(e);
  process.on("uncaughtException", onEscape);
  process.on("unhandledRejection", onEscape);
  process.chdir(dir); // relative outputs (the default model.wrnn, a resumed run's own files) land here
  const stats = { cases: 0, ok: 0, slowest: 0, slowestArgv: [] as string[], peakRss: 0, started: performance.now() };
  const messages = new Map<string, number>();
  const timeBy = new Map<string, [number, number]>();
  try {
    const fixtures = await Fixtures.make(dir);
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        let r: Run;
        try {
          r = await runMain(args, CASE_MS);
        } finally {
          fixtures.restore();
        }
        stats.cases++;
        const command = args[0] === "eval" && args.some((a) => a.startsWith("task-") || TASK_DATA.includes(a)) ? "eval (task)"
          : ["train", "generate", "eval", "convert", "fit", "predict"].includes(args[0]) ? args[0] : "other";
        const key = `${command} ${r.code === 0 ? "exit 0" : "error"}`;
        const t = timeBy.get(key) ?? [0, 0];
        timeBy.set(key, [t[0] + 1, t[1] + r.ms]);
        if (r.code === 0) stats.ok++;
        else {
          const shape = r.stderr.trim().split("\n").pop()!.replace(/\d+(\.\d+)?/g, "N").replace(/(["'`]).*?\1/g, "…").slice(17, 80);
          messages.set(shape, (messages.get(shape) ?? 0) + 1);
        }
        if (r.ms > stats.slowest) [stats.slowest, stats.slowestArgv] = [r.ms, args];
        checkRun(r);
        const rss = process.memoryUsage().rss;
        stats.peakRss = Math.max(stats.peakRss, rss);
        assert.ok(rss < RSS_LIMIT, `RSS ${(rss / 2 ** 20).toFixed(0)} MiB stays under ${RSS_LIMIT / 2 ** 20} MiB`);
        assert.equal(escaped, [], "no uncaught exception or unhandled rejection");
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: process.env.FUZZ_SHRINK !== "1" },
    );
  } finally {
    process.chdir(home);
    process.off("uncaughtException", onEscape);
    process.off("unhandledRejection", onEscape);
    rmSync(dir, { recursive: true, force: true });
    const seconds = (performance.now() - stats.started) / 1000;
    if (process.env.FUZZ_REPORT === "1") {
      const top = [...messages.entries()].sort((a, b) => b[1] - a[1]).map(([m, n]) => `  ${String(n).padStart(5)}  ${m}`);
      process.stdout.write(`\nfuzz: ${stats.cases} cases in ${seconds.toFixed(1)} s (${(stats.cases / seconds).toFixed(0)}/s), ${stats.ok} exit 0; slowest ${stats.slowest.toFixed(0)} ms: ${JSON.stringify(stats.slowestArgv)}; peak RSS ${(stats.peakRss / 2 ** 20).toFixed(0)} MiB\n${[...timeBy].map(([k, [n, ms]]) => `  ${k}: ${n} cases, ${ms.toFixed(0)} ms`).join("\n")}\n${top.join("\n")}\n`);
    }
  }
});

test.run();
