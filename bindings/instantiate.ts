// Compiling and instantiating a module from bytes, a compiled module or a fetch Response (streaming where
// the runtime can). Plain WebAssembly API, no dependency, so the browser entry has no bare imports and works
// from a <script type="module"> without an import map.

export interface Instantiated {
  module: WebAssembly.Module;
  exports: WebAssembly.Exports;
}

export async function instantiateWasm(source: BufferSource | WebAssembly.Module | Response, imports: WebAssembly.Imports = {}): Promise<Instantiated> {
  if (source instanceof WebAssembly.Module) {
    return { module: source, exports: (await WebAssembly.instantiate(source, imports)).exports };
  }
  if (isResponse(source)) {
    // streaming compile needs the application/wasm MIME type; otherwise fall back to the bytes
    if (typeof WebAssembly.instantiateStreaming === "function" && source.headers.get("Content-Type")?.startsWith("application/wasm")) {
      const { module, instance } = await WebAssembly.instantiateStreaming(source, imports);
      return { module, exports: instance.exports };
    }
    source = await source.arrayBuffer();
  }
  const { module, instance } = await WebAssembly.instantiate(source as BufferSource, imports);
  return { module, exports: instance.exports };
}

function isResponse(value: unknown): value is Response {
  return typeof Response === "function" && value instanceof Response;
}

/**
 * A Node built-in loaded only when called, through a specifier bundlers do not follow, so browser and edge
 * bundles of the package contain no Node imports.
 */
export function importNodeBuiltin<T>(name: string): Promise<T> {
  const specifier = `node:${name}`;
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}
