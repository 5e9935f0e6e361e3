// Temporaries of writeFileAtomic (issue 10, item 12): a save removes the target's temporaries whose writer is
// gone or that are older than an hour (legacy names by age only), never a live writer's nor another target's;
// special files are never replaced; probeWritable creates nothing that stays.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { probeWritable, writeFileAtomic } from "../../src/io/files.js";
import { STALE_AGE_MS, parseTempName, processAlive, tempName } from "../../src/io/temp-files.js";

const dir = await mkdtemp(join(tmpdir(), "wasm-rnn-temps-"));
test.after(() => rm(dir, { recursive: true, force: true }));

/** The pid of a process that has exited (and been reaped): nobody owns it now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  const pid = Number(r.stdout);
  assert.not.ok(processAlive(pid), "the child has exited");
  return pid;
}

async function make(sub: string, name: string, ageMs = 0): Promise<void> {
  const path = join(dir, sub, name);
  await writeFile(path, "partial");
  if (ageMs > 0) {
    const when = (Date.now() - ageMs) / 1000;
    await utimes(path, when, when);
  }
}

test("temp names carry the writer's pid and parse back only for their own target", () => {
  const name = tempName("model.wrnn");
  assert.match(name, new RegExp(`^\\.model\\.wrnn\\.${process.pid}\\.[0-9a-f]{8}\\.tmp$`));
  assert.equal(parseTempName(name, "model.wrnn"), { pid: process.pid });
  assert.equal(parseTempName(".model.wrnn.0123abcd-4567.tmp", "model.wrnn"), { pid: null }, "legacy name");
  assert.is(parseTempName(name, "model"), null, "another target's");
  assert.is(parseTempName(".a.5.123.0123abcd.tmp", "a"), null, "a temp of a.5 is not one of a's");
  for (const other of [".model.wrnn.tmp", ".model.wrnn.x.0123abcd.tmp", "model.wrnn.123.0123abcd.tmp", ".model.wrnn.123.0123abcd.tmp.keep"]) {
    assert.is(parseTempName(other, "model.wrnn"), null, other);
  }
});

test("a save removes the stale temporaries of its target and keeps everything else", async () => {
  await mkdir(join(dir, "sweep"));
  const dead = deadPid();
  const hour = STALE_AGE_MS;
  await make("sweep", `.m.wrnn.${dead}.0123abcd.tmp`); // writer gone
  await make("sweep", `.m.wrnn.${process.pid}.89abcdef.tmp`, 2 * hour); // live pid, but too old: a reused pid
  await make("sweep", ".m.wrnn.0123abcd-4567.tmp", 2 * hour); // legacy, old
  await make("sweep", `.m.wrnn.${process.pid}.fedcba98.tmp`); // a live writer's: kept
  await make("sweep", ".m.wrnn.76543210-fedc.tmp"); // legacy, recent: kept (it may still be written)
  await make("sweep", `.m.wrnn.${process.ppid}.00000000.tmp`); // a live writer in another process: kept
  await make("sweep", `.other.wrnn.${dead}.0123abcd.tmp`); // another target's: kept
  await make("sweep", "notes.tmp");
  await writeFileAtomic(join(dir, "sweep", "m.wrnn"), new Uint8Array([1, 2, 3]));
  assert.equal((await readdir(join(dir, "sweep"))).sort(), [
    `.m.wrnn.${process.pid}.fedcba98.tmp`, `.m.wrnn.${process.ppid}.00000000.tmp`, ".m.wrnn.76543210-fedc.tmp",
    `.other.wrnn.${dead}.0123abcd.tmp`, "m.wrnn", "notes.tmp",
  ].sort());
  assert.equal(new Uint8Array(await readFile(join(dir, "sweep", "m.wrnn"))), new Uint8Array([1, 2, 3]));
});

test("special files are never replaced: a FIFO target is an error, and stays a FIFO", async () => {
  const fifo = join(dir, "pipe.wrnn");
  if (spawnSync("mkfifo", [fifo]).status !== 0) return; // no mkfifo here
  try {
    await writeFileAtomic(fifo, new Uint8Array([1]));
    assert.unreachable("writing over a FIFO must fail");
  } catch (e) {
    assert.match((e as Error).message, /^Cannot write .*pipe\.wrnn: it is a FIFO \(named pipe\), not a regular file$/);
  }
  assert.ok((await stat(fifo)).isFIFO());
});

test("probeWritable: passes where a save can write, names the path and the reason where it cannot, leaves nothing", async () => {
  await mkdir(join(dir, "probe"));
  await probeWritable(join(dir, "probe", "m.wrnn"));
  assert.equal(await readdir(join(dir, "probe")), []);
  await writeFile(join(dir, "probe", "file"), "x");
  for (const [path, pattern] of [
    [join(dir, "probe", "file", "m.wrnn"), /^Cannot write .*probe\/file\/m\.wrnn: part of the path is a file, not a directory \(ENOTDIR\)$/],
    [join(dir, "probe"), /^Cannot write .*probe: it is a directory$/],
    [join(dir, "probe", "missing", "m.wrnn"), /^Cannot write .*missing\/m\.wrnn: files cannot be created in its directory \(ENOENT\)$/],
  ] as const) {
    try {
      await probeWritable(path);
      assert.unreachable(`probeWritable(${path}) must fail`);
    } catch (e) {
      assert.match((e as Error).message, pattern);
    }
  }
  assert.equal(await readdir(join(dir, "probe")), ["file"]);
});

test.run();
