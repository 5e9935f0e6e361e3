// Builds every wasm target of asconfig.json (asc → build/rnn.<target>.wasm) and derives the kernel registry,
// bindings/kernels.generated.ts, from asc's typings of the simd build: assembly/index.ts stays the only list of
// exports. A target whose exports differ from the registry's fails the build.
import asc from "assemblyscript/asc";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";

const root = new URL("../", import.meta.url);
const config = JSON.parse(readFileSync(new URL("asconfig.json", root), "utf8"));
const REGISTRY_TARGET = "simd";
const GENERATED = "bindings/kernels.generated.ts";

async function main() {
  mkdirSync(new URL("build/", root), { recursive: true });
  let registry = null;
  const exportsByTarget = {};
  for (const target of Object.keys(config.targets)) {
    const { wasm, typings } = await compile(target, target === REGISTRY_TARGET);
    writeFileSync(new URL(config.targets[target].outFile, root), wasm);
    exportsByTarget[target] = exportNames(wasm);
    // the kernels in asc's order, the memory last (init's "missing exports" message names the first kernel)
    if (typings) registry = parseTypings(typings).sort((a, b) => (a.kind === "memory") - (b.kind === "memory"));
    console.log(`built ${config.targets[target].outFile}`);
  }
  if (!registry) fail(`asconfig.json has no "${REGISTRY_TARGET}" target to generate ${GENERATED} from`);
  checkSameExports(registry.map((e) => e.name), exportsByTarget);
  writeFileSync(new URL(GENERATED, root), renderRegistry(registry));
  console.log(`wrote ${GENERATED} (${registry.length} exports)`);
}

/** Runs asc for one target, keeping its outputs in memory (no stray .js / .d.ts bindings in build/). */
async function compile(target, withTypings) {
  const outputs = new Map();
  const argv = ["assembly/index.ts", "--target", target, "--config", "asconfig.json"];
  if (withTypings) argv.push("--bindings", "raw");
  const { error, stderr } = await asc.main(argv, {
    writeFile: (name, contents) => void outputs.set(name.replace(/\\/g, "/"), contents),
  });
  if (error) fail(`${stderr.toString()}\nasc failed for target "${target}": ${error.message}`);
  const pick = (suffix) => [...outputs].find(([name]) => name.endsWith(suffix))?.[1];
  const wasm = pick(".wasm"), typings = pick(".d.ts");
  if (!wasm) fail(`asc wrote no .wasm for target "${target}"`);
  if (withTypings && typings === undefined) fail(`asc wrote no .d.ts for target "${target}" (--bindings raw)`);
  return { wasm, typings: withTypings ? String(typings) : null };
}

/** The names in a wasm binary's export section (section 7), read without compiling (relaxed SIMD may not). */
function exportNames(bytes) {
  let at = 8; // magic and version
  const u32 = () => {
    let result = 0, shift = 0, byte;
    do {
      byte = bytes[at++];
      result |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return result >>> 0;
  };
  while (at < bytes.length) {
    const id = bytes[at++], size = u32(), end = at + size;
    if (id === 7) {
      const names = [];
      for (let n = u32(); n > 0; n--) {
        const length = u32();
        names.push(new TextDecoder().decode(bytes.subarray(at, at + length)));
        at += length + 1; // the name, then its kind
        u32(); // index
      }
      return names;
    }
    at = end;
  }
  return [];
}

/**
 * The exports declared by `asc --bindings raw` in its `__AdaptedExports` namespace: for each, its kind,
 * AssemblyScript source (assembly/<file>/<name>) and parameter names with their AssemblyScript types.
 */
function parseTypings(dts) {
  const body = dts.match(/declare namespace __AdaptedExports \{([\s\S]*?)\n\}/)?.[1];
  if (!body) fail("asc's typings have no __AdaptedExports namespace: did the --bindings output format change?");
  const entries = [];
  const declaration = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export (function|const) (\w+)/g;
  for (const [, doc, keyword, name] of body.matchAll(declaration)) {
    const tag = (t) => [...doc.matchAll(new RegExp(`@${t} (?:(\\w+) )?\`(\\w+)\``, "g"))];
    if (name === "memory") {
      entries.push({ name, kind: "memory" });
      continue;
    }
    const source = doc.match(/(assembly\/[\w/]+)\/\w+/)?.[1];
    if (!source) fail(`asc's typings do not name the source of export "${name}"`);
    if (keyword === "const") {
      const type = body.match(new RegExp(`export const ${name}: \\{\\s*/\\*\\* @type \`(\\w+)\``))?.[1];
      entries.push({ name, kind: "global", source, type: type ?? "unknown type" });
      continue;
    }
    const params = tag("param").map(([, param, type]) => ({ name: param, type }));
    entries.push({ name, kind: "function", source, params, returns: tag("returns")[0]?.[2] ?? "void" });
  }
  return entries;
}

/** Fails unless every target exports exactly the registry's names. */
function checkSameExports(names, byTarget) {
  const want = new Set(names);
  for (const [target, got] of Object.entries(byTarget)) {
    const have = new Set(got);
    const missing = names.filter((n) => !have.has(n)), extra = got.filter((n) => !want.has(n));
    if (missing.length || extra.length) {
      fail(`target "${target}" exports a different set of names than the "${REGISTRY_TARGET}" build that ` +
        `${GENERATED} is generated from (missing: ${missing.join(", ") || "none"}; extra: ${extra.join(", ") || "none"}). ` +
        `Every target must compile the same exports from assembly/index.ts.`);
    }
  }
}

// ------------------------------------------------------------------------------------- rendering ----

/** TypeScript for AssemblyScript parameter types: raw exports take plain numbers; bool takes a boolean. */
const PARAM_TYPES = { usize: "Ptr", i32: "number", u32: "number", f32: "number", f64: "number", bool: "boolean" };
/** Results as the raw export returns them: bool as 0 / 1, u32 as a signed i32. */
const RESULT_TYPES = { void: "void", usize: "Ptr", i32: "number", u32: "number", f32: "number", f64: "number", bool: "number" };
const RESULT_NOTES = { bool: "1 (true) or 0 (false)", u32: "a u32 that arrives as a signed i32 (use `>>> 0`)" };

function tsType(table, type, what) {
  const ts = table[type];
  if (!ts) fail(`${what} has AssemblyScript type \`${type}\`; kernels take and return only ${Object.keys(table).join(", ")}`);
  return ts;
}

function renderRegistry(entries) {
  const members = entries.map((e) => {
    if (e.kind === "memory") return "  /** The module's one linear memory (imported and re-exported by the threads builds). */\n  memory: WebAssembly.Memory;";
    const lines = docOf(e.source, e.name);
    if (e.kind === "global") {
      lines.push(`${e.source}.ts: const ${e.name}: ${e.type} (read .value)`);
      return `${comment(lines)}  ${e.name}: WebAssembly.Global;`;
    }
    const what = (p) => `parameter "${p}" of ${e.name} (${e.source}.ts)`;
    const params = e.params.map((p) => `${p.name}: ${tsType(PARAM_TYPES, p.type, what(p.name))}`).join(", ");
    const result = tsType(RESULT_TYPES, e.returns, `the result of ${e.name} (${e.source}.ts)`);
    lines.push(`${e.source}.ts: ${e.name}(${e.params.map((p) => `${p.name}: ${p.type}`).join(", ")}): ${e.returns}`);
    if (RESULT_NOTES[e.returns]) lines.push(`@returns ${RESULT_NOTES[e.returns]}`);
    return `${comment(lines)}  ${e.name}(${params}): ${result};`;
  });
  return `// Generated by scripts/build-wasm.js from asc's typings of assembly/index.ts (the one list of wasm exports).
// Do not edit: a build output, not committed. Import it through ./kernels.js.

/** A byte address in the module's linear memory (sizes and strides count f32 elements). */
export type Ptr = number;

/** The raw exports of every build (relaxed, simd, scalar and the threads variants): one member per export. */
export interface Kernels {
${members.join("\n")}
}

/** Every export's name: the kernels in the order asc declares them, then the memory. */
export const KERNEL_NAMES: readonly (keyof Kernels)[] = [
${wrap(entries.map((e) => `${JSON.stringify(e.name)},`), "  ", 116)}
];
`;
}

/** The lines of the doc comment right before `export function|const name` in the AssemblyScript source. */
function docOf(source, name) {
  const text = readFileSync(new URL(`${source}.ts`, root), "utf8");
  const doc = text.match(new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*export (?:function|const) ${name}\\b`))?.[1];
  if (!doc) return [];
  return doc.split("\n").map((l) => l.replace(/^\s*\*? ?/, "").trimEnd()).filter((l, i, all) => l || (i > 0 && i < all.length - 1));
}

/** Words joined by spaces into indented lines of at most `width` characters. */
function wrap(words, indent, width) {
  const lines = [];
  for (const w of words) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + w.length <= width) lines[last] += ` ${w}`;
    else lines.push(indent + w);
  }
  return lines.join("\n");
}

function comment(lines) {
  return lines.length === 1 ? `  /** ${lines[0]} */\n` : `  /**\n${lines.map((l) => `   *${l ? ` ${l}` : ""}`).join("\n")}\n   */\n`;
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

await main();
