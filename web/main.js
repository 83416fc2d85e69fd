// Yushan page: UI on the main thread; the wasm engine runs in web/worker.js.
import uPlot from './vendor/uPlot.esm.js';

const $ = (id) => document.getElementById(id);
// The model to fine-tune: models/default/ unless the page's URL says ?model=<dir> (same origin only).
const MODEL_DIR = (() => {
  const fallback = new URL('../models/default/', import.meta.url);
  const param = new URLSearchParams(location.search).get('model');
  if (!param) return fallback;
  const url = new URL(param.endsWith('/') ? param : `${param}/`, location.href);
  return url.origin === location.origin ? url : fallback;
})();

// Everything the page has measured; the browser tests read it (window.yushan.state).
const state = {
  phase: 'starting',
  adapter: null,
  browserAdapter: null,
  selfCheck: null,
  capabilities: null,
  losses: [],          // StepEvents from the engine, plus at_ms (ms since page start)
  firstLossAtMs: null, // ms since page start (navigation) when the first loss point arrived
  stepMs: [],          // step_ms of each step (forward, backward, update, loss readback)
  gpuErrors: [],
  errors: [],
  answer: null,
  timings: {},
};
window.yushan = { state };

function setStatus(el, text, kind = '') {
  el.textContent = text;
  el.className = `status ${kind}`;
}

function fail(where, message) {
  state.errors.push(`${where}: ${message}`);
  console.error(`[yushan] ${where}: ${message}`);
}

// --- worker RPC ---------------------------------------------------------------------------
let worker = null;
let nextId = 1;
const pending = new Map();
const eventHandlers = { step: [], text: [] };

function call(cmd, args = {}, transfer = []) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, cmd, ...args }, transfer);
  });
}

function onWorkerMessage({ data }) {
  if (data.id !== undefined) {
    const p = pending.get(data.id);
    pending.delete(data.id);
    if (data.ok) p.resolve(data.value); else p.reject(new Error(data.error));
    return;
  }
  switch (data.event) {
    case 'gpu-error':
      state.gpuErrors.push(data.message);
      console.error(`[yushan] WebGPU error in worker: ${data.message}`);
      break;
    case 'error':
      fail('worker', data.message);
      break;
    case 'step':
      for (const h of eventHandlers.step) h(data.step);
      break;
    case 'text':
      for (const h of eventHandlers.text) h(data.text);
      break;
  }
}

// --- chart ----------------------------------------------------------------------------------
let chart = null;
const series = [[], [], []]; // step, train loss, held-out loss

function makeChart() {
  const el = $('chart');
  const width = Math.max(320, el.clientWidth || 640);
  chart = new uPlot({
    width,
    height: 260,
    scales: { x: { time: false } },
    axes: [{ label: 'step' }, { label: 'loss' }],
    series: [
      { label: 'step' },
      { label: '訓練 train', stroke: '#1d6f5f', width: 2, points: { show: true, size: 4 } },
      { label: '驗證 held-out', stroke: '#c2572b', width: 2, dash: [6, 4], spanGaps: true },
    ],
  }, series, el);
  new ResizeObserver(() => chart.setSize({ width: Math.max(320, el.clientWidth), height: 260 })).observe(el);
}

function addLossPoint(ev) {
  const now = performance.now();
  state.stepMs.push(ev.step_ms);
  if (state.firstLossAtMs === null) {
    state.firstLossAtMs = now;
    console.log(`[yushan] first loss point ${now.toFixed(0)} ms after page start`);
  }
  state.losses.push({ ...ev, at_ms: now });
  series[0].push(ev.step);
  series[1].push(ev.loss);
  series[2].push(ev.heldout_loss ?? null);
  chart.setData(series);
  $('stat-step').textContent = `${ev.step} / ${ev.total_steps}`;
  $('stat-loss').textContent = ev.loss.toFixed(3);
  if (ev.heldout_loss != null) $('stat-eval').textContent = ev.heldout_loss.toFixed(3);
  $('stat-tps').textContent = Math.round(ev.tokens_per_s).toString();
  $('stat-elapsed').textContent = ev.elapsed_ms == null ? '–' : `${(ev.elapsed_ms / 1000).toFixed(1)} s`;
}
eventHandlers.step.push(addLossPoint);

// --- model and data -------------------------------------------------------------------------
let modelLoaded = null;
async function loadModel() {
  if (!modelLoaded) {
    modelLoaded = (async () => {
      const t0 = performance.now();
      const get = async (name, kind) => {
        const res = await fetch(new URL(name, MODEL_DIR));
        if (!res.ok) throw new Error(`models/default/${name}: HTTP ${res.status}`);
        return kind === 'bytes' ? res.arrayBuffer() : res.text();
      };
      const [configJson, weights, tokenizerJson] = await Promise.all([
        get('config.json', 'text'), get('model.safetensors', 'bytes'), get('tokenizer.json', 'text'),
      ]);
      const info = await call('loadModel', { configJson, weights, tokenizerJson }, [weights]);
      state.timings.modelLoadMs = performance.now() - t0;
      state.model = info;
      return info;
    })();
    modelLoaded.catch(() => { modelLoaded = null; });
  }
  return modelLoaded;
}

function readOptions() {
  const num = (id) => Number($(id).value);
  return {
    steps: num('steps'),
    lr: num('lr'),
    lora_r: num('rank'),
    lora_alpha: num('alpha'),
    targets: $('targets').value.split(','),
  };
}

async function train() {
  const btn = $('train');
  const status = $('train-status');
  btn.disabled = true;
  try {
    setStatus(status, '載入模型… Loading the model…');
    await loadModel();
    setStatus(status, '準備資料… Preparing the data…');
    await call('setData', { jsonl: $('data').value });
    const opts = readOptions();
    await call('configure', { options: opts });
    // A new run: clear the chart (the first-loss timing keeps the page's first run).
    state.losses = [];
    state.stepMs = [];
    for (const s of series) s.length = 0;
    chart.setData(series);
    setStatus(status, '訓練中（第一步要編譯 GPU 程式，比較久）… Training (the first step compiles GPU kernels and takes longest)…');
    state.phase = 'training';
    const res = await call('train', { steps: opts.steps, chunk: 1 });
    state.phase = 'trained';
    $('export').disabled = !(opts.lora_r > 0);
    const first = state.losses[0]?.loss;
    const last = state.losses.at(-1)?.loss;
    setStatus(status, `完成 ${res.steps} 步 · Done: ${res.steps} steps, loss ${first?.toFixed(3)} → ${last?.toFixed(3)}`, 'ok');
  } catch (e) {
    state.phase = 'error';
    fail('train', e.message);
    setStatus(status, `訓練失敗 Training failed: ${e.message}`, 'error');
  } finally {
    btn.disabled = false;
  }
}

function download(name, data, type) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// The adapter in PEFT's layout (adapter_config.json + adapter_model.safetensors).
async function exportAdapter() {
  try {
    const { config_json: configJson, safetensors } = await call('exportAdapter');
    download('adapter_config.json', configJson, 'application/json');
    download('adapter_model.safetensors', safetensors, 'application/octet-stream');
  } catch (e) {
    fail('export', e.message);
    setStatus($('train-status'), `匯出失敗 Export failed: ${e.message}`, 'error');
  }
}

async function generate(ev) {
  ev.preventDefault();
  const btn = $('generate');
  btn.disabled = true;
  const out = $('answer');
  out.textContent = '…';
  $('answer-meta').textContent = '';
  eventHandlers.text = [(text) => { out.textContent = text; }];
  try {
    if (!state.capabilities?.training) throw new Error('this build has no generation engine yet');
    await loadModel();
    const t0 = performance.now();
    const res = await call('generate', {
      prompt: $('prompt').value,
      options: { max_tokens: 48, temperature: Number($('temperature').value), top_k: 40, top_p: 0.9, use_adapter: $('use-adapter').checked },
    });
    const text = res.text;
    state.answer = text;
    state.answerInfo = res;
    state.timings.generateMs = performance.now() - t0;
    out.textContent = text || '（空白 empty）';
    const who = res.used_adapter ? '微調後的模型 fine-tuned model' : '原始模型 base model';
    $('answer-meta').textContent = `${who} · ${res.tokens} tokens · ${(state.timings.generateMs / 1000).toFixed(1)} s`;
  } catch (e) {
    fail('generate', e.message);
    out.textContent = `生成失敗 Generation failed: ${e.message}`;
  } finally {
    btn.disabled = false;
  }
}

// --- start-up -------------------------------------------------------------------------------
function showAdapter({ adapter, browserAdapter }) {
  const b = browserAdapter || {};
  // In a browser wgpu only knows GPUAdapterInfo.description, often empty: add vendor/architecture.
  const detail = [b.vendor, b.architecture, b.device].filter(Boolean).join(' / ');
  const name = adapter.name || b.description || detail || 'unknown';
  const software = adapter.software || b.isFallbackAdapter
    || /swiftshader|llvmpipe|lavapipe|software|warp/i.test(`${b.vendor} ${b.architecture} ${b.description}`);
  state.software = software;
  $('adapter-name').textContent = detail && detail !== name ? `${name} (${detail})` : name;
  $('adapter-backend').textContent = adapter.backend;
  $('adapter-kind').textContent = software ? '軟體 software' : `硬體 hardware (${adapter.device_type})`;
  $('software-note').hidden = !software;
  $('gpu-info').hidden = false;
}

async function start() {
  const gpuStatus = $('gpu-status');
  fetch(new URL('data/chat.jsonl', import.meta.url)).then((r) => r.text()).then((t) => { if (!$('data').value) $('data').value = t; });
  makeChart();
  let probe = null;
  if ('gpu' in navigator) {
    try { probe = await navigator.gpu.requestAdapter(); } catch { probe = null; }
  }
  if (!probe) {
    // No WebGPU at all, or WebGPU with no usable adapter (e.g. blocklisted GPU).
    state.phase = 'no-webgpu';
    gpuStatus.hidden = true;
    $('no-webgpu').hidden = false;
    return;
  }
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = onWorkerMessage;
  worker.onerror = (e) => fail('worker', e.message || 'failed to start');
  try {
    const info = await call('init');
    Object.assign(state, { adapter: info.adapter, browserAdapter: info.browserAdapter, capabilities: info.capabilities });
    state.timings.wasmLoadMs = info.wasmMs;
    state.timings.gpuInitMs = info.gpuInitMs;
    state.timings.readyAtMs = performance.now();
    showAdapter(info);
    setStatus(gpuStatus, 'WebGPU 就緒 ready', 'ok');
  } catch (e) {
    state.phase = 'error';
    fail('init', e.message);
    setStatus(gpuStatus, `WebGPU 啟動失敗 failed to start: ${e.message}`, 'error');
    return;
  }
  try {
    const sc = await call('selfCheck', { n: 64 });
    state.selfCheck = sc;
    $('self-check').textContent = `${sc.ok ? '✓ 通過 passed' : '✗ 失敗 FAILED'} · ${sc.n}×${sc.n} matmul, max error ${sc.max_abs_error.toExponential(2)}, ${sc.ms.toFixed(0)} ms`;
    $('self-check').className = sc.ok ? 'ok' : 'error';
  } catch (e) {
    fail('self-check', e.message);
    $('self-check').textContent = `✗ ${e.message}`;
  }
  if (state.capabilities.training) {
    $('train').disabled = false;
    $('train').addEventListener('click', train);
    $('chat-form').addEventListener('submit', generate);
    $('export').addEventListener('click', exportAdapter);
    state.phase = 'ready';
    loadModel()
      .then(() => { $('generate').disabled = false; })
      .catch((e) => setStatus($('train-status'), `模型載入失敗 Could not load the model: ${e.message}`, 'error'));
  } else {
    state.phase = 'ready-selfcheck-only';
    setStatus($('train-status'), '這個版本還沒有訓練引擎，只做 GPU 自我檢查。This build has no training engine yet: GPU self-check only.');
  }
}

start();
