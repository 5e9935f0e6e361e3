// The typed surface of the wasm module. assembly/index.ts is the one list of exports: scripts/build-wasm.js
// generates the Kernels interface and KERNEL_NAMES from asc's typings of it (kernels.generated.ts, written by
// `npm run build:wasm`, not committed). Pointers are byte addresses in the module's linear memory; sizes and
// strides count f32 elements.

export type { Kernels, Ptr } from "./kernels.generated.js";
export { KERNEL_NAMES } from "./kernels.generated.js";
