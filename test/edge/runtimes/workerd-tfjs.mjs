// workerd (through miniflare): "wasm-rnn/tfjs" through its "workerd" export condition (loadTfjs and loadTfjsUrl
// whose init() instantiates the wasm builds imported as modules; no folder functions: workerd has no files).
// Each fixture's model.json and weights.bin come bundled as Data modules (to loadTfjs) and served over the
// worker's outbound fetch (to loadTfjsUrl: workerd's disk service on the fixtures' folder, see workerd.test.ts).
// POST / with { models, baseUrl } → the outputs as JSON. The variable WASM_RNN_BUILD forces a build.
import * as tfjs from "wasm-rnn/tfjs";
import lmJson from "./tfjs/tfjs_lm_lstm_hardsigmoid/model.json";
import lmWeights from "./tfjs/tfjs_lm_lstm_hardsigmoid/weights.bin";
import bilstmJson from "./tfjs/tfjs_classifier_bilstm/model.json";
import bilstmWeights from "./tfjs/tfjs_classifier_bilstm/weights.bin";
import gruJson from "./tfjs/tfjs_gru_sigmoid_seq/model.json";
import gruWeights from "./tfjs/tfjs_gru_sigmoid_seq/weights.bin";
import rnnJson from "./tfjs/tfjs_simplernn_last_dense/model.json";
import rnnWeights from "./tfjs/tfjs_simplernn_last_dense/weights.bin";
import { runTfjsJob } from "./tfjs-job.mjs";

const BUNDLED = {
  tfjs_lm_lstm_hardsigmoid: [lmJson, lmWeights],
  tfjs_classifier_bilstm: [bilstmJson, bilstmWeights],
  tfjs_gru_sigmoid_seq: [gruJson, gruWeights],
  tfjs_simplernn_last_dense: [rnnJson, rnnWeights],
};

export default {
  async fetch(request, env) {
    const job = await request.json();
    const out = await runTfjsJob(tfjs, {
      models: job.models, build: env.WASM_RNN_BUILD,
      ways: {
        "loadTfjs(Data modules)": (name, o) => {
          if (!BUNDLED[name]) throw new Error(`workerd-tfjs.mjs bundles no fixture "${name}"`);
          return tfjs.loadTfjs(new Uint8Array(BUNDLED[name][0]), new Uint8Array(BUNDLED[name][1]), o);
        },
        "loadTfjsUrl(fetch)": (name, o) => tfjs.loadTfjsUrl(`${job.baseUrl}${name}/model.json`, o),
      },
    });
    return Response.json({ runtime: `workerd (${navigator.userAgent})`, ...out });
  },
};
