// Module worker hosting the wasm engine, so that GPU set-up and training run off the main thread.
// Every page client is web/rpc.js's engineClient(); the studio, the lessons and the benchmark
// each run a worker of their own.
//
// Protocol: the client posts {id, cmd, ...args}; the worker answers {id, ok, value | error}, and
// pushes unsolicited {event, ...} messages. The commands are the keys of `commands` below
// (each a thin call of a wasm export of crates/yushan-web):
//   init, selfCheck, gpuCounters, gpuErrors                       the GPU
//   loadModel, inspectModel, loadCheckpoint                        a model (page files, a folder)
//   setData, heldoutRows, configure, trainableParams, train,       a training run
//     pause, loadAdapter, exportAdapter
//   generate                                                       an answer, streamed
//   nextTokens                                                     what a model expected at each answer position
//   bench, lessonPlan, lesson                                      benchmark and lessons
//   validateJsonl, checkConversations, viewTokenizer, renderTokens the data tools (no GPU)
// Events: {event: 'step', step, gpu, gpuErrors} (train, bench), {event: 'lesson-step', arm,
// step, gpu, gpuErrors}, {event: 'text', text} (generate), {event: 'model-file', name, size}
// (loadCheckpoint), {event: 'gpu-error', message, count}, {event: 'error', message} (an
// uncaught error in the worker), {event: 'worker-ready'}.

const post = (msg) => self.postMessage(msg);
let gpuErrors = 0;
let adapterInfo = null;
// GPU work counters, for the bench page: how many kernels a step launches and compiles.
const gpuCounters = { dispatches: 0, pipelines: 0 };
let pauseRequested = false;

// --- The `subgroups` trap -------------------------------------------------------------------
// cubecl emits `enable subgroups;` in its WGSL when the adapter has the feature, but wgpu 30's
// WebGPU backend never asks for it in requestDevice (no SUBGROUP entry in its feature table),
// so the browser rejects those shaders and training goes silently wrong. Ask for it here,
// before the wasm starts. We also record the adapter's info and forward every uncaptured
// GPU error to the page (the tests assert there are none).
if (self.GPUAdapter && !GPUAdapter.prototype.__yushanPatched) {
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (descriptor = {}) {
    const desc = { ...descriptor };
    const features = new Set(desc.requiredFeatures || []);
    if (this.features.has('subgroups')) features.add('subgroups');
    desc.requiredFeatures = [...features];
    const info = this.info || {};
    adapterInfo = {
      vendor: info.vendor || '',
      architecture: info.architecture || '',
      device: info.device || '',
      description: info.description || '',
      isFallbackAdapter: !!(info.isFallbackAdapter ?? this.isFallbackAdapter),
      features: [...this.features].sort(),
      requestedFeatures: desc.requiredFeatures,
      maxBufferSize: this.limits?.maxBufferSize,
      maxStorageBufferBindingSize: this.limits?.maxStorageBufferBindingSize,
    };
    const device = await requestDevice.call(this, desc);
    const countPipelines = (name) => {
      const create = device[name].bind(device);
      device[name] = (...args) => { gpuCounters.pipelines += 1; return create(...args); };
    };
    countPipelines('createComputePipeline');
    countPipelines('createComputePipelineAsync');
    device.addEventListener('uncapturederror', (ev) => {
      gpuErrors += 1;
      const message = ev.error?.message || String(ev.error);
      // Report the first few in full; a broken shader can produce thousands per step.
      if (gpuErrors <= 20) {
        console.error(`WebGPU error: ${message}`);
        post({ event: 'gpu-error', message, count: gpuErrors });
      }
    });
    device.lost.then((info) => {
      if (info.reason !== 'destroyed') post({ event: 'gpu-error', message: `WebGPU device lost: ${info.message}`, count: ++gpuErrors });
    });
    return device;
  };
  GPUAdapter.prototype.__yushanPatched = true;
  const dispatch = GPUComputePassEncoder.prototype.dispatchWorkgroups;
  GPUComputePassEncoder.prototype.dispatchWorkgroups = function (...args) {
    gpuCounters.dispatches += 1;
    return dispatch.apply(this, args);
  };
}

// Imported only after the patch above is in place.
let engine = null;
let wasmMemory = null; // the engine's linear memory (its size: what loading a model took)
async function loadEngine() {
  if (engine) return engine;
  const mod = await import('./pkg/yushan_web.js');
  wasmMemory = (await mod.default()).memory;
  engine = mod;
  return engine;
}

function toMessage(e) {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  try { return JSON.stringify(e); } catch { return String(e); }
}

const commands = {
  // Load the wasm, initialise burn's wgpu device, describe the adapter.
  async init() {
    const t0 = performance.now();
    const e = await loadEngine();
    const wasmMs = performance.now() - t0;
    const adapter = await e.init_gpu();
    const capabilities = {
      training: typeof e.load_model === 'function' && typeof e.train_steps === 'function',
    };
    return { adapter, browserAdapter: adapterInfo, wasmMs, gpuInitMs: performance.now() - t0 - wasmMs, capabilities };
  },

  async selfCheck({ n = 64 }) {
    return (await loadEngine()).gpu_self_check(n);
  },

  async loadModel({ configJson, weights, tokenizerJson, tokenizerConfigJson }) {
    return (await loadEngine()).load_model(configJson, new Uint8Array(weights), tokenizerJson, tokenizerConfigJson ?? undefined);
  },

  // A model folder the user opened (web/model-folder.js): what it will need, then the model.
  // `files` maps names to the user's File objects (posting them copies no bytes); the engine
  // asks for each weights file in turn and reads it a slice at a time (FileReaderSync), so no
  // whole file is ever held in JS.
  async inspectModel({ configJson, folder, indexJson, files }) {
    return (await loadEngine()).inspect_model(configJson, folder, indexJson ?? undefined, files);
  },

  async loadCheckpoint({ files, configJson, tokenizerJson, tokenizerConfigJson, chatTemplate }) {
    const e = await loadEngine();
    const reader = new FileReaderSync();
    const size = (name) => {
      const file = files[name];
      if (!file) return undefined;
      post({ event: 'model-file', name, size: file.size });
      return file.size;
    };
    const read = (name, start, end) => new Uint8Array(reader.readAsArrayBuffer(files[name].slice(start, end)));
    const before = wasmMemory.buffer.byteLength;
    const info = e.load_checkpoint(configJson, tokenizerJson, tokenizerConfigJson ?? undefined, chatTemplate ?? undefined, size, read);
    return { ...info, engineMemory: { before, after: wasmMemory.buffer.byteLength } };
  },

  async setData({ jsonl }) {
    return (await loadEngine()).set_data(jsonl);
  },

  async heldoutRows({ options, count }) {
    return Array.from((await loadEngine()).heldout_rows(options, count));
  },

  async configure({ options }) {
    return (await loadEngine()).configure(options);
  },

  // Train up to `steps` more steps, `chunk` at a time; `pause` stops it after the step in
  // flight (the engine keeps the trainer, so another `train` call resumes where it stopped).
  async train({ steps, chunk = 1 }) {
    const e = await loadEngine();
    const events = [];
    pauseRequested = false;
    while (events.length < steps && !pauseRequested) {
      const batch = await e.train_steps(Math.min(chunk, steps - events.length));
      if (!batch || batch.length === 0) break;
      for (const ev of batch) {
        events.push(ev);
        post({ event: 'step', step: ev, gpu: { ...gpuCounters }, gpuErrors });
      }
    }
    return { steps: events.length, paused: pauseRequested && events.length < steps, gpuErrors };
  },

  async loadAdapter({ configJson, weights }) {
    return (await loadEngine()).load_adapter(configJson, new Uint8Array(weights));
  },

  async trainableParams({ options }) {
    return (await loadEngine()).trainable_params(options);
  },

  pause() {
    pauseRequested = true;
    return true;
  },

  // Streams the text so far as {event: 'text'} messages, then answers {text, tokens, ids, stop, used_adapter}.
  async generate({ prompt, options }) {
    return (await loadEngine()).generate(prompt, options, (text) => post({ event: 'text', text }));
  },

  // What the base or fine-tuned model ({use_adapter, top}) expected at each position of an
  // answer's ids: [{token: {id, text, p}, top: [{id, text, p}…]}…].
  async nextTokens({ prompt, ids, options }) {
    return (await loadEngine()).next_tokens(prompt, Uint32Array.from(ids), options);
  },

  // A benchmark shape of shared/BENCH.md ('S', 'M'): pushes each step with the GPU counters.
  async bench({ shape, steps, kernels }) {
    const e = await loadEngine();
    const onStep = (ev) => post({ event: 'step', step: ev, gpu: { ...gpuCounters }, gpuErrors });
    return e.run_bench(shape, steps, kernels, onStep);
  },

  // The GPU kernels ('wgsl' or 'burn') of the models loaded after this call.
  async setKernels({ kernels }) {
    (await loadEngine()).set_kernels(kernels);
  },

  gpuCounters() {
    return { ...gpuCounters };
  },

  // The lessons (crates/yushan-web/src/lessons.rs), in a worker of their own (web/lessons.js):
  // the settings and arms a run would use ({spec, arms: [{key, steps}]}), and the run, pushing
  // each step as {event: 'lesson-step', arm}.
  async lessonPlan({ name, spec }) {
    return (await loadEngine()).lesson_plan(name, spec);
  },

  async lesson({ name, files, weights, spec, questions = 0 }) {
    const e = await loadEngine();
    const onStep = (arm, step) => post({ event: 'lesson-step', arm, step, gpu: { ...gpuCounters }, gpuErrors });
    return e.run_lesson(name, files, new Uint8Array(weights), spec, questions, onStep);
  },

  async exportAdapter() {
    return (await loadEngine()).export_adapter();
  },

  gpuErrors() {
    return gpuErrors;
  },

  // The data tools (crates/yushan-web/src/studio.rs): no GPU needed, and they run while training.
  async validateJsonl({ text }) {
    return (await loadEngine()).validate_jsonl(text);
  },

  async checkConversations({ conversations }) {
    return (await loadEngine()).check_conversations(conversations);
  },

  async viewTokenizer({ tokenizerJson, tokenizerConfigJson, chatTemplate }) {
    return (await loadEngine()).set_view_tokenizer(tokenizerJson, tokenizerConfigJson ?? undefined, chatTemplate ?? undefined);
  },

  async renderTokens({ conversation, index, template, enableThinking }) {
    return (await loadEngine()).render_tokens(conversation, index, template, enableThinking ?? undefined);
  },
};

self.onmessage = async ({ data }) => {
  const { id, cmd, ...args } = data;
  const fn = commands[cmd];
  if (!fn) {
    post({ id, ok: false, error: `unknown command ${cmd}` });
    return;
  }
  try {
    const value = await fn(args);
    post({ id, ok: true, value });
  } catch (e) {
    post({ id, ok: false, error: toMessage(e) });
  }
};

self.addEventListener('unhandledrejection', (ev) => post({ event: 'error', message: toMessage(ev.reason) }));
self.addEventListener('error', (ev) => post({ event: 'error', message: ev.message }));
post({ event: 'worker-ready' });
