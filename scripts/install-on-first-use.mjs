// Heavy tool packages (benchmark peers, edge runtimes) live in a folder of their own with its own package.json
// and lock file, installed on first use so the library's `npm install` stays light. Install scripts are
// skipped: every binary these folders need ships in a (platform) package.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));
const lockFile = (dir) => path.join(dir, "package-lock.json");

/** The dependencies of dir/package.json missing from dir/node_modules or not at the lock file's version. */
export function missingPackages(dir) {
  const { dependencies } = readJson(path.join(dir, "package.json"));
  const locked = existsSync(lockFile(dir)) ? readJson(lockFile(dir)).packages ?? {} : {};
  return Object.keys(dependencies).filter((name) => {
    const installed = path.join(dir, "node_modules", name, "package.json");
    if (!existsSync(installed)) return true;
    const want = locked[`node_modules/${name}`]?.version;
    return want !== undefined && readJson(installed).version !== want;
  });
}

/**
 * Runs `npm ci --prefix dir --ignore-scripts` (npm install without a lock file) when a dependency is missing.
 * Returns whether it installed; throws when npm fails. `what` names the folder in the log lines.
 */
export function installOnFirstUse(dir, { what, log = console.error }) {
  const missing = missingPackages(dir);
  if (missing.length === 0) return false;
  const relative = path.relative(process.cwd(), dir) || ".";
  const command = existsSync(lockFile(dir)) ? "ci" : "install";
  log(`${what}: installing ${missing.join(", ")} into ${relative}/node_modules (npm ${command} --prefix ${relative} --ignore-scripts); once…`);
  const started = performance.now();
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const args = [command, "--prefix", dir, "--ignore-scripts", "--no-audit", "--no-fund"];
  const r = spawnSync(npm, args, { stdio: ["ignore", "inherit", "inherit"], shell: process.platform === "win32" });
  if (r.status !== 0) throw new Error(`npm ${command} --prefix ${relative} failed (${r.error?.message ?? `exit ${r.status}`})`);
  log(`${what}: installed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return true;
}
