// The module list of a worker for Miniflare's `modules` option, made without a bundler: the entry and every
// module it imports statically, with the bare specifiers "wasm-rnn" and "wasm-rnn/<subpath>" (e.g.
// "wasm-rnn/tasks") resolved the way wrangler resolves them (the "workerd" condition of the package's exports).
// Each module keeps a name that mirrors the files' layout, so workerd resolves the relative imports between
// them as they are written:
//
//   worker.js, model.wrnn, …                  the entry's folder (names relative to it)
//   node_modules/wasm-rnn/dist/src/…          the package (names relative to its root)
//
// `.wasm` files become CompiledWasm modules (the default import is a WebAssembly.Module) and any other
// non-JavaScript file a Data module (an ArrayBuffer); `data` supplies or replaces a Data module's bytes by the
// specifier the entry imports it with (e.g. { "./model.wrnn": bytes }), so the model need not be a file there.
// Dynamic import() is not followed: in the package it only reaches Node built-ins, on Node-only paths.
// The package's one CommonJS dependency, "protobufjs/minimal.js" (imported by "wasm-rnn/onnx" only), becomes
// protobufjs's own prebuilt browser file (dist/minimal/protobuf.min.js: no require(), no eval), which sets
// globalThis.protobuf when evaluated; wasm-rnn/onnx takes it from there (what an import map does in a page).

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** Miniflare's `modulesRoot` for these modules: a folder that need not exist, since every module has contents. */
export const MODULES_ROOT = path.resolve("/bundle");

const PACKAGE = "wasm-rnn";
/** The package's bare CommonJS imports → the prebuilt file of that dependency that runs as a module. */
const PREBUILT = { "protobufjs/minimal.js": "protobufjs/dist/minimal/protobuf.min.js" };
const IMPORT = /^[ \t]*(?:import|export)\s(?:[^;'"]*?\sfrom\s*)?(["'])([^"']+)\1/gm;

/**
 * @param {{ entry: string, packageDir: string, data?: Record<string, Uint8Array> }} options
 *   entry: the worker's main module; packageDir: the root of the wasm-rnn package (its package.json, dist/, build/)
 * @returns {{ type: "ESModule" | "CompiledWasm" | "Data", path: string, contents: string | Uint8Array }[]}
 */
export function workerModules({ entry, packageDir, data = {} }) {
  const entryDir = path.dirname(path.resolve(entry));
  packageDir = path.resolve(packageDir);
  const roots = [[packageDir, `node_modules/${PACKAGE}/`], [entryDir, ""]];
  const nameOf = (file) => {
    // the innermost folder that holds the file decides (the package may sit inside the worker's folder or around it)
    const [dir, prefix] = roots
      .filter(([d]) => { const rel = path.relative(d, file); return !rel.startsWith("..") && !path.isAbsolute(rel); })
      .sort((a, b) => b[0].length - a[0].length)[0] ?? [];
    if (dir === undefined) throw new Error(`${file} is outside the worker's folder and the package`);
    return prefix + path.relative(dir, file).split(path.sep).join("/");
  };
  const pkg = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8"));
  /** "wasm-rnn" or "wasm-rnn/<subpath>" → the file its export's "workerd" condition names, or null (not the package). */
  const packageFile = (spec) => {
    if (spec !== PACKAGE && !spec.startsWith(`${PACKAGE}/`)) return null;
    const key = spec === PACKAGE ? "." : `./${spec.slice(PACKAGE.length + 1)}`;
    const exported = pkg.exports?.[key];
    if (exported === undefined) throw new Error(`"${spec}": ${PACKAGE} at ${packageDir} exports no "${key}"`);
    const target = exported.workerd;
    const file = typeof target === "string" ? target : target?.default ?? target?.import;
    if (!file) throw new Error(`"${spec}": the export "${key}" of ${PACKAGE} at ${packageDir} has no "workerd" condition`);
    return path.join(packageDir, file);
  };
  packageFile(PACKAGE); // a package without a workerd entry fails here, before any module is read
  const requireFromPackage = createRequire(path.join(packageDir, "package.json"));
  /** A dependency's prebuilt module file, resolved as Node would from the package, or null. */
  const dependencyFile = (spec) => {
    if (!(spec in PREBUILT)) return null;
    try {
      return requireFromPackage.resolve(PREBUILT[spec]);
    } catch {
      throw new Error(`"${spec}" (a dependency of ${PACKAGE}) is not installed next to ${packageDir}: npm install ${spec.split("/")[0]}`);
    }
  };

  const modules = new Map(); // name → module
  const queue = [path.resolve(entry)];
  const dataByPath = new Map(Object.entries(data).map(([spec, bytes]) => [path.resolve(entryDir, spec), bytes]));
  while (queue.length > 0) {
    const file = queue.shift();
    const name = nameOf(file);
    if (modules.has(name)) continue;
    const modulePath = path.join(MODULES_ROOT, name);
    if (/\.m?js$/.test(file)) {
      let source = readFileSync(file, "utf8");
      source = source.replace(IMPORT, (statement, quote, spec) => {
        const fromPackage = packageFile(spec) ?? dependencyFile(spec);
        let resolved;
        if (fromPackage) resolved = fromPackage;
        else if (spec.startsWith(".")) resolved = path.resolve(path.dirname(file), spec);
        else throw new Error(`${name} imports "${spec}": only relative imports, "${PACKAGE}" (or its subpath exports) and ${Object.keys(PREBUILT).map((k) => `"${k}"`).join(", ")} can be bundled here`);
        if (!existsSync(resolved) && !dataByPath.has(resolved)) throw new Error(`${name} imports "${spec}", which is not there (${resolved}); is the package built?`);
        queue.push(resolved);
        if (!fromPackage) return statement;
        let rel = path.posix.relative(path.posix.dirname(name), nameOf(resolved));
        if (!rel.startsWith(".")) rel = `./${rel}`;
        return statement.slice(0, statement.length - spec.length - 2) + quote + rel + quote;
      });
      modules.set(name, { type: "ESModule", path: modulePath, contents: source });
    } else if (file.endsWith(".wasm")) {
      modules.set(name, { type: "CompiledWasm", path: modulePath, contents: readFileSync(file) });
    } else {
      modules.set(name, { type: "Data", path: modulePath, contents: dataByPath.get(file) ?? readFileSync(file) });
    }
  }
  return [...modules.values()];
}
