// A bundled app: Vite resolves "wasm-rnn", emits its wasm files as assets and its thread-pool worker as a chunk.
import * as rnn from "wasm-rnn";
import { installChecks } from "../page-checks.js";

await installChecks(rnn, document.getElementById("status"));
