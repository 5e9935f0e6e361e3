// The Node entry (also Deno and Bun): everything of index.ts, plus models and checkpoints by file path.
export * from "./index.js";
export { saveModel, loadModel, saveCheckpoint, loadCheckpoint } from "./io/model-files.js";
export { writeFileAtomic, readFileBytes } from "./io/files.js";
