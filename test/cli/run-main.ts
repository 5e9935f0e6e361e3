// Runs the command line in this process, as the fuzzer and the safety tests do: main(argv) with stdout and
// stderr captured (bounded), and the one-line error policy as an assertion helper.

import * as assert from "uvu/assert";
import { main } from "../../src/cli/main.js";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Captured output beyond this is dropped (a runaway writer must not exhaust memory). */
const CAPTURE_LIMIT = 1 << 20;

type Write = typeof process.stdout.write;

function capture(sink: string[], size: { n: number }): Write {
  return ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (size.n < CAPTURE_LIMIT) sink.push(text.slice(0, CAPTURE_LIMIT - size.n));
    size.n += text.length;
    const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    callback?.();
    return true;
  }) as Write;
}

/** main(["node", "wasm-rnn", ...args]) with output captured; rejects after `timeoutMs` (the run goes on). */
export async function runMain(args: readonly string[], timeoutMs = 60_000): Promise<Run> {
  const out: string[] = [], err: string[] = [];
  const stdoutWrite = process.stdout.write, stderrWrite = process.stderr.write;
  process.stdout.write = capture(out, { n: 0 });
  process.stderr.write = capture(err, { n: 0 });
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`wasm-rnn ${args.join(" ")} took more than ${timeoutMs} ms`)), timeoutMs);
    });
    const code = await Promise.race([main(["node", "wasm-rnn", ...args]), timeout]);
    return { code, stdout: out.join(""), stderr: err.join(""), ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
}

export function ok(r: Run, what: string): Run {
  assert.is(r.code, 0, `${what} exits 0; stderr: ${r.stderr}`);
  return r;
}

/** Exactly one line on stderr, "wasm-rnn: error: …", and a non-zero exit code. */
export function failsWith(r: Run, pattern: RegExp, what: string): void {
  assert.ok(r.code !== 0, `${what}: non-zero exit, got ${r.code}; stdout: ${r.stdout}`);
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  assert.is(lines.length, 1, `${what}: one line on stderr, got ${JSON.stringify(r.stderr)}`);
  assert.ok(lines[0].startsWith("wasm-rnn: error: "), `${what}: starts with "wasm-rnn: error:", got ${lines[0]}`);
  assert.match(lines[0], pattern, `${what}: ${lines[0]}`);
}
