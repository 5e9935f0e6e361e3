// `import mod from "./x.wasm"` as workerd, wrangler and miniflare's CompiledWasm rule give it: a compiled module.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
