// A bundled app: Vite resolves "wasm-rnn/tfjs" and emits the wasm as assets.
import * as tfjs from "wasm-rnn/tfjs";
import { runTfjsPage } from "../tfjs-page.js";

await runTfjsPage(tfjs, document.getElementById("status"));
