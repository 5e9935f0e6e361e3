// The bindings floor: the only code that knows WebAssembly exists.
export { loadModule, supportedBuilds, supportsBuild, defaultWasmUrl, BUILDS, threadCount, sameWasmSource, describeWasmSource } from "./load.js";
export type { BuildName, WasmSource, LoadOptions, LoadedModule } from "./load.js";
export { Heap, F32Buffer, WasmMemoryError, formatBytes, alignedBytes, MEMORY_LIMIT, SHARED_MEMORY_LIMIT } from "./memory.js";
export type { Kernels } from "./kernels.js";
export { Runtime } from "./runtime.js";
export { Arena, BufferStorage, IntVec, Mat, Packed, PlanBuilder, PlanCache, matOf, packedFloats, type PackForm, type PackSizes, type PlanRecord, type Ptr, type Storage } from "./plan.js";
export { Ops, type Lengths } from "./ops.js";
