// Node-only file helpers for saving and loading model files. node:fs is imported inside the functions so
// that a browser or edge bundle of the package never evaluates it at load time.

import { describe } from "../errors.js";

/**
 * Replaces `path` with `bytes` so that a reader (or a crash) sees either the old file or the new one, never
 * a partial write: the bytes go to a uniquely named temp file in the same directory (rename is only atomic
 * within one file system), are fsynced, then renamed over the target.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  if (typeof path !== "string" || path === "") throw new TypeError(`writeFileAtomic: path must be a non-empty string, got ${describe(path)}`);
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`writeFileAtomic: bytes must be a Uint8Array, got ${describe(bytes)}`);
  const fs = await import("node:fs/promises");
  const { basename, dirname, join } = await import("node:path");

  // Write through a symlink (e.g. latest.ckpt → run-7.ckpt) instead of replacing the link itself.
  const target = await fs.realpath(path).catch(() => path);
  const existing = await fs.stat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw new Error(`Cannot write ${path}: it is a directory`);
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${globalThis.crypto.randomUUID().slice(0, 13)}.tmp`);

  let handle: Awaited<ReturnType<typeof fs.open>> | undefined;
  try {
    handle = await fs.open(temp, "wx"); // exclusive: never clobber another writer's temp file
    if (existing) await handle.chmod(existing.mode & 0o7777); // the replacement keeps the old file's permissions
    await handle.writeFile(bytes);
    await handle.sync(); // without this a crash after the rename can leave an empty file under the final name
    await handle.close();
    handle = undefined;
    await fs.rename(temp, target);
  } catch (e) {
    await handle?.close().catch(() => {});
    await fs.rm(temp, { force: true }).catch(() => {});
    throw new Error(`Cannot write ${path}: ${reason(e, "its directory does not exist")}`, { cause: e });
  }
  // Persist the rename itself. Directories cannot be opened for fsync everywhere (Windows), so best effort.
  const dirHandle = await fs.open(dir, "r").catch(() => undefined);
  await dirHandle?.sync().catch(() => {});
  await dirHandle?.close().catch(() => {});
}

/** Reads a whole file as a plain Uint8Array; `what` names it in errors ("model file", "checkpoint", …). */
export async function readFileBytes(path: string, what = "file"): Promise<Uint8Array> {
  if (typeof path !== "string" || path === "") throw new TypeError(`readFileBytes: path must be a non-empty string, got ${describe(path)}`);
  const fs = await import("node:fs/promises");
  try {
    const buffer = await fs.readFile(path);
    // A plain view, not a Buffer: Buffer#slice returns a view where Uint8Array#slice copies.
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT") throw new Error(`${what} not found: ${path}`, { cause: e });
    if (code === "EISDIR") throw new Error(`${what} is a directory, not a file: ${path}`, { cause: e });
    throw new Error(`Cannot read ${what} ${path}: ${reason(e, "it does not exist")}`, { cause: e });
  }
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
    default: return e instanceof Error ? e.message : String(e);
  }
}
