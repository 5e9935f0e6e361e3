// The temporaries of writeFileAtomic: their names, and the sweep that removes the ones a killed writer left.
// A name carries its writer's pid, so a later save can tell a dead writer's leftover from a live writer's
// file in progress. Node-only like files.ts: node:fs is imported inside the functions.

/**
 * A temporary older than this is stale even when a process with its pid is alive: the pid may have been
 * reused. A writer keeps its temporary for the seconds a write and an fsync take, and the file's mtime moves
 * while it is written, so an hour without a change is generous.
 */
export const STALE_AGE_MS = 60 * 60 * 1000;

/** `.<base>.<pid>.<8 hex>.tmp`, beside the target (rename is only atomic within one file system). */
export function tempName(base: string): string {
  const random = globalThis.crypto.getRandomValues(new Uint8Array(4));
  const hex = Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("");
  return `.${base}.${globalThis.process.pid}.${hex}.tmp`;
}

const CURRENT = /^(\d+)\.[0-9a-f]{8}$/;
/** Before pids were recorded: `.<base>.<8 hex>-<4 hex>.tmp` (the start of a random UUID). */
const LEGACY = /^[0-9a-f]{8}-[0-9a-f]{4}$/;

/**
 * What a directory entry is to the target named `base`: one of its temporaries (with the writer's pid when
 * the name records it) or nothing of its own. Anchored, so `.a.5.<pid>.<hex>.tmp` (a temporary of "a.5") is
 * not one of "a"'s.
 */
export function parseTempName(name: string, base: string): { pid: number | null } | null {
  const prefix = `.${base}.`;
  if (!name.startsWith(prefix) || !name.endsWith(".tmp")) return null;
  const middle = name.slice(prefix.length, -".tmp".length);
  const current = CURRENT.exec(middle);
  if (current) return { pid: Number(current[1]) };
  return LEGACY.test(middle) ? { pid: null } : null;
}

/** Whether a process with this pid exists (EPERM: it does, but belongs to another user). */
export function processAlive(pid: number): boolean {
  if (pid === globalThis.process.pid) return true;
  if (!Number.isSafeInteger(pid) || pid < 1) return true; // not a pid kill(2) can test: leave it to the age rule
  try {
    globalThis.process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== "ESRCH";
  }
}

/**
 * Removes the temporaries of `dir/base` that no live writer owns: those whose writer process is gone, and
 * any older than STALE_AGE_MS (also the legacy names, which record no pid). Regular files only; best effort
 * (a temporary that cannot be removed is left, the save goes on).
 */
export async function removeStaleTemps(dir: string, base: string, now = Date.now()): Promise<string[]> {
  const fs = await import("node:fs/promises");
  const { join } = await import("node:path");
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const temp = parseTempName(name, base);
    if (!temp) continue;
    const path = join(dir, name);
    const info = await fs.lstat(path).catch(() => undefined);
    if (!info?.isFile()) continue;
    const stale = now - info.mtimeMs > STALE_AGE_MS || (temp.pid !== null && !processAlive(temp.pid));
    if (stale && (await fs.unlink(path).then(() => true, () => false))) removed.push(name);
  }
  return removed;
}
