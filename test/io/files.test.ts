// Files by path (src/io/files.ts): atomic replacement, permissions and symlinks kept, failures that leave the
// previous file, clear errors for missing files and directories.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from "node:fs/promises";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeModelFile, encodeModelFile } from "../../src/io/format.js";
import { readFileBytes, writeFileAtomic, writeFilesAtomic } from "../../src/io/files.js";
import { sameModel, rejects, sample } from "./format-helpers.js";

let dir = "";
// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
dir = await mkdtemp(join(tmpdir(), "wasm-rnn-io-"));
test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function entries(path: string): Promise<string[]> {
  return (await readdir(path)).sort();
}

test("writeFileAtomic: writes, overwrites and leaves no temp files", async () => {
  const sub = join(dir, "basic");
  await mkdir(sub);
  const path = join(sub, "model.wrnn");
  await writeFileAtomic(path, new Uint8Array([1, 2, 3, 4, 5]));
  assert.equal(new Uint8Array(await readFile(path)), new Uint8Array([1, 2, 3, 4, 5]));
  await writeFileAtomic(path, new Uint8Array([9, 8]));
  assert.equal(new Uint8Array(await readFile(path)), new Uint8Array([9, 8]), "a shorter overwrite leaves no old tail");
  await writeFileAtomic(path, new Uint8Array(0));
  assert.is((await stat(path)).size, 0);
  assert.equal(await entries(sub), ["model.wrnn"]);

  const bytes = await readFileBytes(path);
  assert.is(Object.getPrototypeOf(bytes), Uint8Array.prototype, "a plain Uint8Array, not a Buffer");
});

test("writeFileAtomic: keeps the file's permissions and writes through a symlink", async () => {
  const sub = join(dir, "modes");
  await mkdir(sub);
  const path = join(sub, "run-1.ckpt");
  await writeFileAtomic(path, new Uint8Array([1]));
  await chmod(path, 0o640);
  await writeFileAtomic(path, new Uint8Array([2]));
  assert.is((await stat(path)).mode & 0o777, 0o640);

  const link = join(sub, "latest.ckpt");
  await symlink("run-1.ckpt", link);
  await writeFileAtomic(link, new Uint8Array([3]));
  assert.ok((await lstat(link)).isSymbolicLink(), "the link is still a link");
  assert.is(await readlink(link), "run-1.ckpt");
  assert.equal(new Uint8Array(await readFile(path)), new Uint8Array([3]));
  assert.equal(await entries(sub), ["latest.ckpt", "run-1.ckpt"]);
});

test("writeFileAtomic: failures name the path and leave the previous content intact", async () => {
  const sub = join(dir, "failures");
  await mkdir(sub);
  // The target is a directory.
  const asDir = join(sub, "model.wrnn");
  await mkdir(asDir);
  await writeFile(join(asDir, "inside"), "keep");
  await rejects(() => writeFileAtomic(asDir, new Uint8Array([1])), Error, /^Cannot write .*failures\/model\.wrnn: it is a directory$/);
  assert.is(await readFile(join(asDir, "inside"), "utf8"), "keep");
  // The parent is a regular file.
  const parentFile = join(sub, "notes.txt");
  await writeFile(parentFile, "previous");
  await rejects(() => writeFileAtomic(join(parentFile, "model.wrnn"), new Uint8Array([1])), Error, /^Cannot write .*notes\.txt\/model\.wrnn: /, /ENOTDIR/);
  assert.is(await readFile(parentFile, "utf8"), "previous");
  // The directory does not exist.
  await rejects(() => writeFileAtomic(join(sub, "missing", "m.wrnn"), new Uint8Array([1])), Error, /missing\/m\.wrnn: its directory does not exist/);
  await rejects(() => writeFileAtomic(parentFile, "text" as never), TypeError, /bytes must be a Uint8Array/);
  assert.is(await readFile(parentFile, "utf8"), "previous");
  assert.equal(await entries(sub), ["model.wrnn", "notes.txt"], "no temp files left behind");
});

test("writeFileAtomic: an I/O error mid-write (injected) removes the temp file and keeps the old file", async () => {
  const sub = join(dir, "injected");
  await mkdir(sub);
  const path = join(sub, "model.wrnn");
  await writeFileAtomic(path, new Uint8Array([1, 2, 3]));

  // Root ignores permissions, so inject the failures into node:fs/promises (which files.ts imports lazily).
  const fsp = createRequire(import.meta.url)("node:fs/promises");
  const ioError = () => Object.assign(new Error("EIO: i/o error, simulated"), { code: "EIO" });
  const handle = await fsp.open(path, "r");
  const FileHandle = Object.getPrototypeOf(handle);
  await handle.close();
  const inject = async (owner: Record<string, unknown>, method: string) => {
    const original = owner[method];
    owner[method] = async () => { throw ioError(); };
    syncBuiltinESMExports();
    try {
      await rejects(() => writeFileAtomic(path, new Uint8Array([7, 7, 7, 7, 7, 7])), Error, /^Cannot write .*model\.wrnn: EIO: i\/o error, simulated$/);
    } finally {
      owner[method] = original;
      syncBuiltinESMExports();
    }
    assert.equal(new Uint8Array(await readFile(path)), new Uint8Array([1, 2, 3]), `after a failed ${method}`);
    assert.equal(await entries(sub), ["model.wrnn"], `no temp file after a failed ${method}`);
  };
  await inject(FileHandle, "writeFile");
  await inject(FileHandle, "sync");
  await inject(fsp, "rename");
  await writeFileAtomic(path, new Uint8Array([4]));
  assert.equal(new Uint8Array(await readFile(path)), new Uint8Array([4]), "works again once the fault is gone");
});

test("writeFilesAtomic: files that belong together are all written before any replaces its old one", async () => {
  const sub = join(dir, "pair");
  await mkdir(sub);
  const a = join(sub, "weights.bin"), b = join(sub, "model.json");
  await writeFilesAtomic([[a, new Uint8Array([1, 1])], [b, new Uint8Array([2, 2])]]);
  const old = async () => [Array.from(await readFile(a)), Array.from(await readFile(b))];
  assert.equal(await old(), [[1, 1], [2, 2]]);
  // the second target cannot be written: the first keeps its old bytes
  await rejects(() => writeFilesAtomic([[a, new Uint8Array([9])], [join(sub, "model.json", "x"), new Uint8Array([9])]]), Error, /^Cannot write .*model\.json\/x: /);
  assert.equal(await old(), [[1, 1], [2, 2]]);
  // an I/O error writing the second file (injected on the second writeFile only)
  const fsp = createRequire(import.meta.url)("node:fs/promises");
  const handle = await fsp.open(a, "r");
  const FileHandle = Object.getPrototypeOf(handle);
  await handle.close();
  const original = FileHandle.writeFile;
  let calls = 0;
  FileHandle.writeFile = async function (this: unknown, ...args: unknown[]) {
    if (++calls === 2) throw Object.assign(new Error("ENOSPC: no space left on device, simulated"), { code: "ENOSPC" });
    return original.apply(this, args);
  };
  syncBuiltinESMExports();
  try {
    await rejects(() => writeFilesAtomic([[a, new Uint8Array([7, 7, 7])], [b, new Uint8Array([8, 8, 8])]]), Error, /^Cannot write .*model\.json: no space left on the device \(ENOSPC\)$/);
  } finally {
    FileHandle.writeFile = original;
    syncBuiltinESMExports();
  }
  assert.equal(await old(), [[1, 1], [2, 2]], "both old files after a failed second write");
  assert.equal(await entries(sub), ["model.json", "weights.bin"], "no temp files left behind");
  await writeFilesAtomic([[a, new Uint8Array([3])], [b, new Uint8Array([4])]]);
  assert.equal(await old(), [[3], [4]]);
  await rejects(() => writeFilesAtomic([[a, [1] as never]]), TypeError, /the bytes of .*weights\.bin must be a Uint8Array/);
});

test("readFileBytes: clear errors for missing files, directories and bad paths", async () => {
  const missing = join(dir, "nope.wrnn");
  await rejects(() => readFileBytes(missing, "model file"), Error, new RegExp(`^model file not found: ${missing.replace(/[.\\]/g, "\\$&")}$`));
  await rejects(() => readFileBytes(missing), Error, /^file not found: /);
  await rejects(() => readFileBytes(dir, "checkpoint"), Error, /^checkpoint is a directory, not a file: /);
  const file = join(dir, "plain.txt");
  await writeFile(file, "x");
  await rejects(() => readFileBytes(join(file, "m.wrnn"), "model file"), Error, /^Cannot read model file .*plain\.txt\/m\.wrnn: part of the path is a file/);
  await rejects(() => readFileBytes("" as never), TypeError, /path must be a non-empty string/);
});

test("files + format: save, load, and a damaged file on disk is reported by its path", async () => {
  const path = join(dir, "roundtrip.wrnn");
  const file = sample();
  await writeFileAtomic(path, await encodeModelFile(file));
  sameModel(await decodeModelFile(await readFileBytes(path, "model file"), path), file);

  const bytes = await readFileBytes(path);
  await writeFile(path, bytes.subarray(0, bytes.length - 10));
  await rejects(async () => decodeModelFile(await readFileBytes(path), path), Error, new RegExp(`^${path.replace(/[.\\]/g, "\\$&")} is truncated`));
});

test("format.ts and safetensors.ts use no Node built-ins; files.ts loads node:fs only when called", async () => {
  for (const name of ["format.js", "safetensors.js"]) {
    const code = await readFile(new URL(`../../src/io/${name}`, import.meta.url), "utf8");
    assert.not.match(code, /node:|\brequire\(|\bBuffer\b|\bprocess\./, name);
  }
  const files = await readFile(new URL("../../src/io/files.js", import.meta.url), "utf8");
  assert.not.match(files, /^import .*["']node:/m, "no static node: import");
});

test.run();
