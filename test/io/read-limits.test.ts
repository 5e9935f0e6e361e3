// readFileBytes (issue 10, item 13): regular files only, refused before a byte is read (a FIFO without a
// writer must not hang), and never more than maxBytes, whatever fstat said.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileTooLargeError, formatBytes, readFileBytes } from "../../src/io/files.js";

const dir = await mkdtemp(join(tmpdir(), "wasm-rnn-reads-"));
test.after(() => rm(dir, { recursive: true, force: true }));

async function refused(path: string, pattern: RegExp, maxBytes?: number): Promise<Error> {
  const started = performance.now();
  try {
    await readFileBytes(path, "model file", maxBytes);
  } catch (e) {
    assert.ok(performance.now() - started < 1000, `${path}: refused at once`);
    assert.match((e as Error).message, pattern);
    return e as Error;
  }
  return assert.unreachable(`${path} must be refused`) as never;
}

test("devices, FIFOs and folders are refused before reading", async () => {
  await refused("/dev/zero", /^model file \/dev\/zero is a character device, not a regular file; only regular files are read$/);
  await refused("/dev/urandom", /is a character device/);
  await refused(dir, /^model file is a directory, not a file: /);
  const fifo = join(dir, "pipe");
  if (spawnSync("mkfifo", [fifo]).status === 0) await refused(fifo, /pipe is a FIFO \(named pipe\), not a regular file/);
});

test("the limit: a file over it is refused from its size, one at it is read whole", async () => {
  const path = join(dir, "ten.bin");
  await writeFile(path, new Uint8Array(10).fill(7));
  const e = await refused(path, /^model file .*ten\.bin has 10 bytes, more than the limit of 9 bytes$/, 9);
  assert.instance(e, FileTooLargeError);
  assert.is((e as FileTooLargeError).limit, 9);
  assert.equal(await readFileBytes(path, "model file", 10), new Uint8Array(10).fill(7));
  assert.equal(await readFileBytes(join(dir, "ten.bin")), new Uint8Array(10).fill(7), "no limit by default");
});

test("a file whose size fstat does not tell (as /proc's) is read to its end, but never past the limit", async () => {
  if (!existsSync("/proc/self/status")) return;
  const whole = await readFileBytes("/proc/self/status");
  assert.ok(whole.length > 100 && new TextDecoder().decode(whole).includes("Pid:"), "read past the reported size 0");
  await refused("/proc/self/status", /^model file \/proc\/self\/status grew while being read to more than the limit of 64 bytes$/, 64);
});

test("formatBytes", () => {
  assert.equal([1, 512, 1024, 1536, 2 ** 20, 256 * 2 ** 20, 1.5 * 2 ** 30].map(formatBytes), ["1 byte", "512 bytes", "1 KiB", "1.5 KiB", "1 MiB", "256 MiB", "1.5 GiB"]);
});

test.run();
