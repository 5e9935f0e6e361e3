// Node-only file helpers for saving and loading model files. node:fs is imported inside the functions so
// that a browser or edge bundle of the package never evaluates it at load time.

import { describe } from "../errors.js";
import { removeStaleTemps, tempName } from "./temp-files.js";

/**
 * Replaces `path` with `bytes` so that a reader (or a crash) sees either the old file or the new one, never
 * a partial write: the bytes go to a uniquely named temp file in the same directory (rename is only atomic
 * within one file system), are fsynced, then renamed over the target.
 *
 * Temp files are named `.<name>.<pid>.<random>.tmp`. A writer killed mid-save leaves its temp file behind, so
 * every call first removes the target's temp files whose writer process is gone, or that are older than an
 * hour (the pid may have been reused; legacy names `.<name>.<8 hex>-<4 hex>.tmp` by age only). A live
 * writer's temp file is never removed, so concurrent saves of one target still each land whole.
 * Only regular files are replaced: a directory, device, FIFO or socket at `path` is an error.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  if (typeof path !== "string" || path === "") throw new TypeError(`writeFileAtomic: path must be a non-empty string, got ${describe(path)}`);
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`writeFileAtomic: bytes must be a Uint8Array, got ${describe(bytes)}`);
  await writeFilesAtomic([[path, bytes]]);
}

/**
 * writeFileAtomic for files that belong together (a model.json and the weights it describes): every file is
 * written and fsynced to its temp first, and only then are the temps renamed over their targets, in order. A
 * failed write (disk full, no permission) leaves every old file as it was and removes the temps; only a crash
 * (or a failed rename, which a write that succeeded in the same directory makes unlikely) between the renames
 * could pair an old file with a new one.
 */
export async function writeFilesAtomic(files: readonly (readonly [path: string, bytes: Uint8Array])[]): Promise<void> {
  for (const [path, bytes] of files) {
    if (typeof path !== "string" || path === "") throw new TypeError(`writeFilesAtomic: each path must be a non-empty string, got ${describe(path)}`);
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`writeFilesAtomic: the bytes of ${path} must be a Uint8Array, got ${describe(bytes)}`);
  }
  const fs = await import("node:fs/promises");
  const { join } = await import("node:path");
  const staged: { path: string; temp: string; target: string; dir: string }[] = [];
  let current = "";
  try {
    for (const [path, bytes] of files) {
      current = path;
      const { dir, base, existing } = await resolveTarget(path);
      await removeStaleTemps(dir, base);
      const temp = join(dir, tempName(base));
      let handle: Awaited<ReturnType<typeof fs.open>> | undefined;
      try {
        handle = await fs.open(temp, "wx"); // exclusive: never clobber another writer's temp file
        staged.push({ path, temp, target: join(dir, base), dir });
        if (existing) await handle.chmod(existing.mode & 0o7777); // the replacement keeps the old file's permissions
        await handle.writeFile(bytes);
        await handle.sync(); // without this a crash after the rename can leave an empty file under the final name
      } finally {
        await handle?.close().catch(() => {});
      }
    }
    for (const { path, temp, target } of staged) {
      current = path;
      await fs.rename(temp, target);
    }
  } catch (e) {
    for (const { temp } of staged) await fs.rm(temp, { force: true }).catch(() => {});
    if (e instanceof Error && e.message.startsWith("Cannot write ")) throw e;
    throw new Error(`Cannot write ${current}: ${reason(e, "its directory does not exist")}`, { cause: e });
  }
  // Persist the renames. Directories cannot be opened for fsync everywhere (Windows), so best effort.
  for (const dir of new Set(staged.map((f) => f.dir))) {
    const dirHandle = await fs.open(dir, "r").catch(() => undefined);
    await dirHandle?.sync().catch(() => {});
    await dirHandle?.close().catch(() => {});
  }
}

/**
 * Checks, without touching `path`, that writeFileAtomic(path) can write there: creates and removes a temp
 * file beside it. (access(W_OK) is not enough: it says yes to root on a read-only mount point or in /sys.)
 * Throws "Cannot write <path>: <why>".
 */
export async function probeWritable(path: string): Promise<void> {
  if (typeof path !== "string" || path === "") throw new TypeError(`probeWritable: path must be a non-empty string, got ${describe(path)}`);
  const fs = await import("node:fs/promises");
  const { join } = await import("node:path");
  const { dir, base } = await resolveTarget(path);
  const temp = join(dir, tempName(base)); // named as a save's temp, so a kill right here leaves nothing a save keeps
  try {
    await (await fs.open(temp, "wx")).close();
  } catch (e) {
    throw new Error(`Cannot write ${path}: ${reason(e, "files cannot be created in its directory")}`, { cause: e });
  }
  await fs.rm(temp, { force: true });
}

/** The file a write to `path` replaces: through a symlink (latest.ckpt → run-7.ckpt), never the link itself. */
async function resolveTarget(path: string) {
  const fs = await import("node:fs/promises");
  const { basename, dirname } = await import("node:path");
  const target = await fs.realpath(path).catch(() => path);
  const existing = await fs.stat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw new Error(`Cannot write ${path}: it is a directory`);
  if (existing && !existing.isFile()) throw new Error(`Cannot write ${path}: it is ${fileKind(existing)}, not a regular file`);
  return { dir: dirname(target), base: basename(target), existing };
}

/** A file too large for the caller's limit (see readFileBytes); the command line adds which flag raises it. */
export class FileTooLargeError extends Error {
  constructor(readonly path: string, readonly what: string, readonly bytes: number, readonly limit: number, grew: boolean) {
    super(`${what} ${path} ${grew ? "grew while being read to more than" : `has ${formatBytes(bytes)}, more than`} the limit of ${formatBytes(limit)}`);
    this.name = "FileTooLargeError";
  }
}

/**
 * Reads a whole regular file as a plain Uint8Array; `what` names it in errors ("model file", "checkpoint", …).
 * Devices, FIFOs, sockets and directories are refused before a byte is read (a FIFO is opened non-blocking,
 * so a missing writer cannot hang the call), and never more than `maxBytes` are read: the size comes from
 * fstat, and a file that grows while it is read stops at the limit with a FileTooLargeError.
 */
export async function readFileBytes(path: string, what = "file", maxBytes = Infinity): Promise<Uint8Array> {
  if (typeof path !== "string" || path === "") throw new TypeError(`readFileBytes: path must be a non-empty string, got ${describe(path)}`);
  if (!(maxBytes >= 0)) throw new RangeError(`readFileBytes: maxBytes must be a number ≥ 0, got ${describe(maxBytes)}`);
  const fs = await import("node:fs/promises");
  const { constants } = await import("node:fs");
  let handle: Awaited<ReturnType<typeof fs.open>>;
  try {
    handle = await fs.open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT") throw new Error(`${what} not found: ${path}`, { cause: e });
    if (code === "EISDIR") throw new Error(`${what} is a directory, not a file: ${path}`, { cause: e });
    if (code === "ENXIO") throw new Error(`${what} ${path} is not a regular file (a socket?); only regular files are read`, { cause: e });
    throw new Error(`Cannot read ${what} ${path}: ${reason(e, "it does not exist")}`, { cause: e });
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new Error(`${what} is a directory, not a file: ${path}`);
    if (!info.isFile()) throw new Error(`${what} ${path} is ${fileKind(info)}, not a regular file; only regular files are read`);
    if (info.size > maxBytes) throw new FileTooLargeError(path, what, info.size, maxBytes, false);
    return await readAll(handle, info.size, maxBytes, () => new FileTooLargeError(path, what, maxBytes + 1, maxBytes, true));
  } catch (e) {
    if (e instanceof FileTooLargeError || !(e as { code?: string }).code) throw e;
    throw new Error(`Cannot read ${what} ${path}: ${reason(e, "it does not exist")}`, { cause: e });
  } finally {
    await handle.close().catch(() => {});
  }
}

/** Reads to the end: `size` bytes in one buffer, then whatever a growing file (or /proc) adds, up to `maxBytes`. */
async function readAll(handle: { read(b: Uint8Array, o: number, l: number, p: null): Promise<{ bytesRead: number }> }, size: number, maxBytes: number, tooLarge: () => Error): Promise<Uint8Array> {
  let buffer = new Uint8Array(size);
  let length = 0;
  for (;;) {
    if (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break; // shrank while read
      length += bytesRead;
      continue;
    }
    // Full: the end of file, unless the file grew (or fstat reported 0, as /proc does).
    const chunk = new Uint8Array(64 * 1024);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    if (length + bytesRead > maxBytes) throw tooLarge();
    const grown = new Uint8Array(Math.min(maxBytes, Math.max(2 * length, length + chunk.length)));
    grown.set(buffer.subarray(0, length));
    grown.set(chunk.subarray(0, bytesRead), length);
    buffer = grown;
    length += bytesRead;
  }
  return length === buffer.length ? buffer : buffer.slice(0, length);
}

/** "12 bytes", "3.4 KiB", "256 MiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} byte${n === 1 ? "" : "s"}`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = n / 1024, unit = 0;
  while (value >= 1024 && unit < units.length - 1) (value /= 1024), unit++;
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

function fileKind(info: { isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (info.isCharacterDevice()) return "a character device";
  if (info.isBlockDevice()) return "a block device";
  if (info.isFIFO()) return "a FIFO (named pipe)";
  if (info.isSocket()) return "a socket";
  return "a special file";
}

function reason(e: unknown, missing: string): string {
  const code = (e as { code?: string }).code;
  switch (code) {
    case "ENOENT": return `${missing} (ENOENT)`;
    case "ENOTDIR": return "part of the path is a file, not a directory (ENOTDIR)";
    case "EISDIR": return "it is a directory (EISDIR)";
    case "EACCES":
    case "EPERM": return `permission denied (${code})`;
    case "ENOSPC": return "no space left on the device (ENOSPC)";
    case "EROFS": return "the file system is read-only (EROFS)";
    case "ENAMETOOLONG": return "the name is too long (ENAMETOOLONG)";
    default: return e instanceof Error ? e.message : String(e);
  }
}
