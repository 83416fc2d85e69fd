// Yushan page: UI on the main thread; the wasm engine runs in web/worker.js.
// Modules: rpc.js (worker calls), i18n.js (language), store.js (IndexedDB), data-panel.js
// (conversation editor, import/export), token-view.js, settings.js (form <-> URL <-> store),
// chart.js (loss chart), heldout.js (held-out loss, or why there is none), compare.js (base vs
// fine-tuned answers); number-check.js checks the number settings of both forms.
import { call, on, startWorker } from './rpc.js';
import { lang, refresh, setLang, show, t } from './i18n.js';
import * as store from './store.js';
import { addPoint, clearChart, makeChart, setPoints } from './chart.js';
import { data, engineReady, initDataPanel, jsonlForTraining, toJsonl } from './data-panel.js';
import { initTokenView, modelChanged } from './token-view.js';
import { initSettings, refuseSettings, setModelTemplateAvailable, setThinkingAvailable, trainOptions } from './settings.js';
import { initCompare } from './compare.js';
import { initAdapters, saveCurrent } from './adapters.js';
import { download } from './download.js';
import { initLessons } from './lessons.js';
import { gpuShown, initQuickStart, modelShown } from './quick-start.js';
import * as stepTimes from './step-times.js';
import { initModelFolder, limitsText, showModelInfo } from './model-folder.js';
import { showHeldout } from './heldout.js';

const $ = (id) => document.getElementById(id);
// The models the page ships: the options of the GPU panel's model choice (index.html). The page
// opens on the first, the pretrained knowledge model of the lessons; ?model=<dir> opens another
// folder of the same origin.
const SHIPPED_MODELS = [...document.getElementById('model-choice').options].map((o) => o.value);
const MODEL_DIR = (() => {
  const fallback = new URL(`../${SHIPPED_MODELS[0]}/`, import.meta.url);
  const param = new URLSearchParams(location.search).get('model');
  if (!param) return fallback;
  const url = new URL(param.endsWith('/') ? param : `${param}/`, location.href);
  return url.origin === location.origin ? url : fallback;
})();
// The folder's name as the page shows it: its path under the page's root (models/knowledge).
const MODEL_NAME = (() => {
  const root = new URL('../', import.meta.url).pathname;
  const path = decodeURIComponent(MODEL_DIR.pathname);
  return (path.startsWith(root) ? path.slice(root.length) : path).replace(/\/$/, '');
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
  lang: lang(),
  dataset: null,       // {conversations, selected, restored?}
  problems: [],        // conversations training would refuse: [{index, message}]
  tokenView: null,     // the token view's counts for the selected conversation
  lastRun: null,       // the run saved in IndexedDB (restored on reload)
  answers: null,       // {base, tuned} from the compare panel
};
window.yushan = { state, data, toJsonl, storeIdle: store.idle };

function fail(where, message) {
  state.errors.push(`${where}: ${message}`);
  console.error(`[yushan] ${where}: ${message}`);
}

let training = false;
let paused = false; // the current run stopped part-way; Resume continues it
let stopRequested = false; // Stop pressed while a step was in flight: end the run once it pauses
let generating = false;
let trained = false; // this session's engine holds an adapter trained at least one step
function updateButtons() {
  const engine = !!state.capabilities?.training;
  $('adapter-use').disabled = !engine || !modelReady || training || generating || !state.adapters?.length;
  $('train').disabled = !engine || training || generating;
  $('pause').disabled = !training || state.phase !== 'training';
  $('resume').hidden = !(paused && !training);
  $('stop').hidden = !(paused || (training && state.phase === 'training'));
  $('stop').disabled = generating || stopRequested;
  $('resume').disabled = generating;
  $('generate').disabled = !engine || !modelReady || training || generating;
  $('quick-train').disabled = $('train').disabled || !modelReady;
}

// --- model files ----------------------------------------------------------------------------------
const fileCache = new Map();
function modelFile(name, kind) {
  const key = `${name}:${kind}`;
  if (!fileCache.has(key)) {
    const p = fetch(new URL(name, MODEL_DIR)).then((res) => {
      if (!res.ok) throw new Error(`${MODEL_NAME}/${name}: HTTP ${res.status}`);
      return kind === 'bytes' ? res.arrayBuffer() : res.text();
    });
    p.catch(() => fileCache.delete(key));
    // Weights are transferred to the worker: never keep them.
    if (kind !== 'bytes') fileCache.set(key, p);
    return p;
  }
  return fileCache.get(key);
}

// Where the model comes from: the page's own folder (`read`), or a folder the user opened
// (`load`, see web/model-folder.js).
let modelSource = { name: MODEL_NAME, read: modelFile };
let modelLoaded = null;
let modelReady = false;
async function loadBytes(source) {
  const [configJson, weights, tokenizerJson, tokenizerConfigJson] = await Promise.all([
    source.read('config.json', 'text'), source.read('model.safetensors', 'bytes'), source.read('tokenizer.json', 'text'),
    optionalTokenizerConfig(source),
  ]);
  return call('loadModel', { configJson, weights, tokenizerJson, tokenizerConfigJson }, [weights]);
}

async function loadModel() {
  if (!modelLoaded) {
    modelLoaded = (async () => {
      const t0 = performance.now();
      const source = modelSource;
      const info = await (source.load ? source.load() : loadBytes(source));
      state.timings.modelLoadMs = performance.now() - t0;
      state.model = { ...info, name: source.name, modelType: source.modelType, templateFile: source.templateFile };
      modelReady = true;
      updateButtons();
      showTrainable();
      showModelInfo(state.model);
      modelShown(state.model);
      return info;
    })();
    modelLoaded.catch(() => { modelLoaded = null; });
  }
  return modelLoaded;
}

// tokenizer_config.json holds a model's own chat template; models we train from scratch have none.
function optionalTokenizerConfig(source) {
  return source.read('tokenizer_config.json', 'text').catch(() => null);
}

// The token view's tokenizer; the template list offers "model" when the model has its own.
async function viewTokenizer(tokenizerJson, tokenizerConfigJson, chatTemplate = null) {
  const info = await call('viewTokenizer', { tokenizerJson, tokenizerConfigJson, chatTemplate });
  setModelTemplateAvailable(!!info.chat_template);
  setThinkingAvailable(!!info.thinking_switch);
  return info;
}

// A model the user opened (web/model-folder.js prepares `source`). A model that does not load
// leaves the one in use as it was, and the error goes to the caller.
async function openModel(source) {
  const previous = { source: modelSource, loaded: modelLoaded };
  try {
    modelSource = source;
    modelLoaded = null;
    const info = await loadModel();
    const { tokenizerJson, tokenizerConfigJson, chatTemplate } = source.texts;
    await viewTokenizer(tokenizerJson, tokenizerConfigJson, chatTemplate);
    modelChanged(info.config.max_seq_len);
    engineReady();
    trained = false; // the engine dropped the run and any adapter of the old model
    paused = false;
    state.activeAdapter = null;
    $('export').disabled = true;
    updateButtons();
    showModelChoice();
    return info;
  } catch (e) {
    modelSource = previous.source;
    modelLoaded = previous.loaded;
    throw e;
  }
}

// --- training ---------------------------------------------------------------------------------------
let run = null; // the run in progress, as saved: {settings, options, startedAt, points, done, error}

function saveRun(now = false) {
  if (!run) return;
  if (now) store.set('lastRun', run); else store.setSoon('lastRun', run, 1000);
}

function showStats(ev) {
  $('stat-step').textContent = `${ev.step} / ${ev.total_steps}`;
  $('stat-loss').textContent = ev.loss.toFixed(3);
  $('stat-tps').textContent = ev.tokens_per_s != null ? Math.round(ev.tokens_per_s).toString() : '–';
  $('stat-elapsed').textContent = ev.elapsed_ms == null ? '–' : `${(ev.elapsed_ms / 1000).toFixed(1)} s`;
  $('stat-left').textContent = timeLeft(ev);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// The rest of the run at the median of the last steps (the first compiles kernels: left out).
function timeLeft(ev) {
  const left = ev.total_steps - ev.step;
  if (left <= 0) return '0 s';
  const recent = state.stepMs.slice(1).slice(-10);
  if (!recent.length) return '–';
  const ms = left * median(recent);
  return ms < 90_000 ? `${Math.ceil(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

function onStep(ev) {
  const now = performance.now();
  state.stepMs.push(ev.step_ms);
  if (state.firstLossAtMs === null) {
    state.firstLossAtMs = now;
    console.log(`[yushan] first loss point ${now.toFixed(0)} ms after page start`);
  }
  state.losses.push({ ...ev, at_ms: now });
  trained = true;
  addPoint(ev.step, ev.loss, ev.heldout_loss);
  showStats(ev);
  // Past the first step the kernels are compiled: the status follows the run.
  if (state.phase === 'training' && ev.step < ev.total_steps) show($('train-status'), () => t('train.progress', ev.step + 1, ev.total_steps), '');
  if (run) {
    run.points.push({ step: ev.step, total_steps: ev.total_steps, loss: ev.loss, heldout_loss: ev.heldout_loss ?? null, tokens_per_s: ev.tokens_per_s, elapsed_ms: ev.elapsed_ms });
    showHeldout(run);
    saveRun();
  }
}

async function train() {
  const status = $('train-status');
  // A bad setting stops the run before anything is touched: the data, the engine, the last run.
  const bad = refuseSettings();
  if (bad) {
    show(status, () => t('train.bad_settings', bad()), 'error');
    return;
  }
  training = true;
  updateButtons();
  try {
    show(status, () => t('train.preparing'), '');
    const jsonl = await jsonlForTraining();
    show(status, () => t('train.loading'), '');
    await loadModel();
    trained = false; // set_data drops the engine's trainer and its adapter
    await call('setData', { jsonl });
    const opts = trainOptions();
    await call('configure', { options: opts });
    // How many conversations this run holds out: with none, the page says why (web/heldout.js).
    const held = await call('heldoutRows', { options: opts, count: data.conversations.length });
    // A new run: clear the chart (the first-loss timing keeps the page's first run).
    state.losses = [];
    state.stepMs = [];
    $('export').disabled = true;
    clearChart();
    $('chart-empty').hidden = true;
    run = { settings: { ...state.settings }, options: opts, conversations: data.conversations.length, heldout: held.length, startedAt: Date.now(), points: [], done: false };
    showHeldout(run);
    state.lastRun = run;
    saveRun(true);
    paused = false;
    await runSteps(opts.steps);
  } catch (e) {
    state.phase = 'error';
    fail('train', e.message);
    if (run && !run.done) { run.error = e.message; saveRun(true); }
    show(status, () => t('train.failed', e.message), 'error');
    $('export').disabled = !trained;
  } finally {
    training = false;
    updateButtons();
  }
}

// How many parameters the settings would train, shown as they change.
async function showTrainable() {
  if (!modelReady) return;
  try {
    const { trainable, total } = await call('trainableParams', { options: trainOptions() });
    state.trainable = { trainable, total };
    const fmt = (n) => n.toLocaleString('en-US');
    show($('trainable'), () => t('train.trainable', fmt(trainable), fmt(total), (100 * trainable / total).toFixed(1)), '');
  } catch (e) {
    $('trainable').textContent = '';
  }
}

// Trains `steps` more steps of the current run; ends paused or done.
async function runSteps(steps) {
  const status = $('train-status');
  show(status, () => t('train.running'), '');
  state.phase = 'training';
  updateButtons();
  const res = await call('train', { steps, chunk: 1 });
  const done = state.losses.at(-1)?.step ?? 0;
  const total = run.options.steps;
  $('export').disabled = !(run.options.lora_r > 0 && trained);
  if (res.paused && !stopRequested) {
    paused = true;
    state.phase = 'paused';
    show(status, () => t('train.paused', done, total), '');
    return;
  }
  await finishRun();
}

// Ends the current run where it is (all its steps, or fewer after Stop): the adapter so far is
// kept, like any finished run's.
async function finishRun() {
  const status = $('train-status');
  const done = state.losses.at(-1)?.step ?? 0;
  const stoppedEarly = done < run.options.steps;
  paused = false;
  stopRequested = false;
  state.phase = 'trained';
  run.done = true;
  saveRun(true);
  const first = state.losses[0]?.loss?.toFixed(3);
  const last = state.losses.at(-1)?.loss?.toFixed(3);
  show(status, () => (stoppedEarly ? t('train.stopped', done, run.options.steps, first, last) : t('train.done', done, first, last)), 'ok');
  updateButtons();
  // The first screen and the lessons estimate their time from this GPU's step on the same model
  // (the first step compiles: left out).
  const steps = state.stepMs.slice(1);
  if (steps.length) stepTimes.record(modelSource.name, { studioStepMs: median(steps) });
  if (run.options.lora_r > 0 && trained) {
    // Keep the adapter in this browser, so a reload or a closed tab does not lose it.
    const name = t('adapters.run_name', new Date(run.startedAt).toLocaleString(), done, last);
    await saveCurrent(name, { steps: done, loss: Number(last) }).catch((e) => fail('adapters', e.message));
  }
}

// Stop: a paused run ends at once; a running one after the step in flight.
async function stop() {
  if (training) {
    stopRequested = true;
    updateButtons();
    call('pause');
    return;
  }
  if (paused && run) await finishRun().catch((e) => fail('train', e.message));
}

async function resume() {
  training = true;
  updateButtons();
  try {
    await runSteps(run.options.steps - (state.losses.at(-1)?.step ?? 0));
  } catch (e) {
    state.phase = 'error';
    fail('train', e.message);
    show($('train-status'), () => t('train.failed', e.message), 'error');
  } finally {
    training = false;
    updateButtons();
  }
}

// The adapter in PEFT's layout (adapter_config.json + adapter_model.safetensors).
async function exportAdapter() {
  try {
    const { config_json: configJson, safetensors } = await call('exportAdapter');
    download('adapter_config.json', configJson, 'application/json');
    download('adapter_model.safetensors', safetensors, 'application/octet-stream');
  } catch (e) {
    fail('export', e.message);
    show($('train-status'), () => t('export.failed', e.message), 'error');
  }
}

// The last run saved in this browser: its curve and figures (the adapter itself is not kept).
async function restoreLastRun() {
  const last = await store.get('lastRun');
  if (!last || !Array.isArray(last.points) || !last.points.length || run) return;
  state.lastRun = last;
  setPoints(last.points);
  showStats(last.points.at(-1));
  showHeldout(last);
  const when = new Date(last.startedAt);
  const whenText = () => when.toLocaleString(lang() === 'en' ? 'en' : 'zh-TW', { dateStyle: 'short', timeStyle: 'short' });
  const a = last.points[0].loss.toFixed(3);
  const b = last.points.at(-1).loss.toFixed(3);
  show($('train-status'), () => (last.done
    ? t('train.last', whenText(), last.points.length, a, b)
    : t('train.last.unfinished', whenText(), last.points.length)), '');
}

// --- start-up -----------------------------------------------------------------------------------
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
  $('adapter-limits').textContent = limitsText(adapter);
  show($('adapter-kind'), () => (software ? t('gpu.software') : t('gpu.hardware', adapter.device_type)));
  $('software-note').hidden = !software;
  $('gpu-info').hidden = false;
  gpuShown(detail || name, software);
}

async function startGpu() {
  const gpuStatus = $('gpu-status');
  let probe = null;
  if ('gpu' in navigator) {
    try { probe = await navigator.gpu.requestAdapter(); } catch { probe = null; }
  }
  if (!probe) {
    // No WebGPU at all, or WebGPU with no usable adapter (e.g. blocklisted GPU).
    state.phase = 'no-webgpu';
    gpuStatus.hidden = true;
    $('no-webgpu').hidden = false;
    show($('train-status'), () => t('train.no_gpu'), 'error');
    return;
  }
  try {
    const info = await call('init');
    Object.assign(state, { adapter: info.adapter, browserAdapter: info.browserAdapter, capabilities: info.capabilities });
    state.timings.wasmLoadMs = info.wasmMs;
    state.timings.gpuInitMs = info.gpuInitMs;
    state.timings.readyAtMs = performance.now();
    showAdapter(info);
    show(gpuStatus, () => t('gpu.ready'), 'ok');
  } catch (e) {
    state.phase = 'error';
    fail('init', e.message);
    show(gpuStatus, () => t('gpu.failed', e.message), 'error');
    return;
  }
  if (state.capabilities.training) {
    $('train').addEventListener('click', train);
    $('pause').addEventListener('click', () => { $('pause').disabled = true; call('pause'); });
    $('resume').addEventListener('click', resume);
    $('stop').addEventListener('click', stop);
    initModelFolder(state, { open: openModel, busy: () => training || generating });
    for (const id of ['rank', 'targets']) $(id).addEventListener('change', showTrainable);
    $('export').addEventListener('click', exportAdapter);
    state.phase = 'ready';
    updateButtons();
    loadModel().catch((e) => show($('train-status'), () => t('model.failed', e.message), 'error'));
  } else {
    state.phase = 'ready-selfcheck-only';
    show($('train-status'), () => t('train.no_engine'), '');
  }
  // The self-check waits until the GPU is idle: a class that presses Train at once should not
  // wait for it (on a software GPU it costs a second or more of kernel compilation).
  setTimeout(() => whenIdle(selfCheck), 2000);
}

function whenIdle(task) {
  if (state.phase === 'training') setTimeout(() => whenIdle(task), 500);
  else task();
}

async function selfCheck() {
  try {
    const sc = await call('selfCheck', { n: 64 });
    state.selfCheck = sc;
    const el = $('self-check');
    show(el, () => `${sc.ok ? t('selfcheck.passed') : t('selfcheck.failed')} · ${sc.n}×${sc.n} matmul, max error ${sc.max_abs_error.toExponential(2)}, ${sc.ms.toFixed(0)} ms`);
    el.className = sc.ok ? 'ok' : 'error';
  } catch (e) {
    fail('self-check', e.message);
    $('self-check').textContent = `✗ ${e.message}`;
  }
}

// The shipped models: choosing one reloads the page on it (?model=). Settings travel in the URL,
// the data and the kept adapters in IndexedDB, so nothing the user had is lost.
function showModelChoice() {
  const select = $('model-choice');
  const shipped = modelSource.read === modelFile && SHIPPED_MODELS.includes(modelSource.name);
  if (!shipped && !select.querySelector('option[value=""]')) {
    const other = Object.assign(document.createElement('option'), { value: '', disabled: true, textContent: t('model.choice.other') });
    other.dataset.t = 'model.choice.other'; // translated again on a change of language
    select.append(other);
  }
  select.value = shipped ? modelSource.name : '';
}

function initModelChoice() {
  const select = $('model-choice');
  showModelChoice();
  select.addEventListener('change', async () => {
    if (training || generating) {
      showModelChoice();
      show($('model-status'), () => t('model.busy'), 'error');
      return;
    }
    const url = new URL(location.href);
    if (select.value === SHIPPED_MODELS[0]) url.searchParams.delete('model'); else url.searchParams.set('model', select.value);
    await store.idle();
    location.assign(url.href);
  });
}

// The skip link (the page's first stop for Tab) lands on Train, or on the first setting while
// Train cannot be pressed; the address gets no #fragment (the settings link is made from it).
function skipToTraining(ev) {
  ev.preventDefault();
  $('train-panel').scrollIntoView({ block: 'start' });
  ($('train').disabled ? $('steps') : $('train')).focus({ preventScroll: true });
}

async function start() {
  refresh();
  $('skip-to-train').addEventListener('click', skipToTraining);
  $('lang-toggle').addEventListener('click', () => {
    setLang(lang() === 'en' ? 'zh-Hant' : 'en');
    state.lang = lang();
  });
  makeChart($('chart'));
  initModelChoice();
  try { initLessons(); } catch (e) { fail('lessons', e.message); }
  on('step', onStep);
  on('gpu-error', (message) => {
    state.gpuErrors.push(message);
    console.error(`[yushan] WebGPU error in worker: ${message}`);
  });
  on('error', (message) => fail('worker', message));
  store.onWriteFailure((key, message) => {
    state.storeError = `${key}: ${message}`;
    $('store-warning').hidden = false;
  });
  // The worker runs the data tools too, so it starts with or without WebGPU.
  startWorker((message) => fail('worker', message));

  const tokenizerReady = Promise.all([modelFile('tokenizer.json', 'text'), optionalTokenizerConfig(modelSource)])
    .then(([tokenizerJson, tokenizerConfigJson]) => viewTokenizer(tokenizerJson, tokenizerConfigJson));
  tokenizerReady.then(engineReady, (e) => fail('tokenizer', e.message));
  const contextLength = modelFile('config.json', 'text').then((text) => JSON.parse(text).max_seq_len);
  const ui = Promise.all([
    initSettings(state),
    initQuickStart(),
    initDataPanel(state),
    initAdapters(state, {
      ensureModel: loadModel,
      adapterLoaded: () => {
        trained = true; // the compare panel answers with it
        paused = false;
        $('export').disabled = false;
        updateButtons();
      },
    }),
    initCompare(state, {
      ensureModel: loadModel,
      isTrained: () => trained,
      setBusy: (busy) => { generating = busy; updateButtons(); },
      isBusy: () => training || generating,
      fail,
    }),
  ]).then(() => {
    initTokenView(state, { tokenizerReady, contextLength });
    return restoreLastRun();
  }).catch((e) => fail('ui', e.message));
  await startGpu();
  await ui;
  state.uiReady = true;
}

start();
