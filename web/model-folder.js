// Opening a model from the user's disk: a Hugging Face model folder (the folder button, or a
// folder dropped on the model area) or its files picked or dropped together. What the model
// will need is shown before any weight is read (crates/yushan-web/src/folder.rs), a model that
// cannot fit is refused, and the weights go to the worker as File handles: the engine reads
// each file there a slice at a time, one file after the other. A model that does not load
// leaves the one in use, the data and the adapters as they were.

import { call, on } from './rpc.js';
import { extend, lang, show, t } from './i18n.js';
import { onSettingsChange } from './settings.js';

const $ = (id) => document.getElementById(id);
const INDEX = 'model.safetensors.index.json';
const WEIGHTS = 'model.safetensors';
const PYTORCH = /^pytorch_model.*\.bin$|\.pth?$/; // weights we do not read

extend({
  'model.info': [
    (name, kind, params, hidden, layers, vocab, template, dtype) => `${name}（${kind}）：${params} 個參數，寬 ${hidden}、${layers} 層，詞彙 ${vocab}，凍結的權重以 ${dtype} 存在 GPU 上 · 對話範本：${template}`,
    (name, kind, params, hidden, layers, vocab, template, dtype) => `${name} (${kind}): ${params} parameters, width ${hidden}, ${layers} layers, vocabulary ${vocab}, frozen weights in ${dtype} on the GPU · chat template: ${template}`,
  ],
  'model.template.own': [(file) => `模型自帶的（${file}）`, (file) => `the model’s own (${file})`],
  'model.template.page': [(name) => `${name}，網頁提供的；模型沒有自帶範本`, (name) => `${name}, the page’s; the model has none of its own`],
  'model.template.other': [(name) => `${name}，沒有用模型自帶的`, (name) => `${name}, chosen over the model’s own`],
  'model.plan': [
    (p) => `${p.name}（${p.kind}）：${p.params} 個參數；權重檔 ${p.stored}，在 GPU 上需 ${p.gpu}（矩陣以 ${p.dtype} 存放；全用 f32 要 ${p.f32}）；最大的張量 ${p.largest} ${p.shape} ${p.largestBytes}；這張 GPU 單一緩衝區上限 ${p.limit}（maxBufferSize ${p.maxBuffer}，maxStorageBufferBindingSize ${p.maxBinding}）。`,
    (p) => `${p.name} (${p.kind}): ${p.params} parameters; weights ${p.stored} as stored, ${p.gpu} on the GPU (matrices in ${p.dtype}; ${p.f32} all in f32); largest tensor ${p.largest} ${p.shape} ${p.largestBytes}; this GPU allows ${p.limit} in one buffer (maxBufferSize ${p.maxBuffer}, maxStorageBufferBindingSize ${p.maxBinding}).`,
  ],
  'model.reading': [(file, i, n) => `正在讀取 ${file}（${i} / ${n}）…`, (file, i, n) => `Reading ${file} (${i} of ${n})…`],
  'model.loaded': [(plan) => `已載入：${plan}`, (plan) => `Loaded: ${plan}`],
  'model.missing': [
    (list) => `缺少 ${list}：模型需要 config.json、tokenizer.json，以及 model.safetensors（或 model.safetensors.index.json 和它列出的分片）；tokenizer_config.json 可有可無（有的話就能用模型自帶的對話範本）。`,
    (list) => `Missing ${list}: a model needs config.json, tokenizer.json and model.safetensors (or model.safetensors.index.json and the shards it lists); tokenizer_config.json is optional (it holds the model’s own chat template).`,
  ],
  'model.bin_only': [
    (names) => `這個資料夾只有 ${names}，沒有 .safetensors 權重：網頁只讀 safetensors。請用 transformers 轉換一次（model.save_pretrained(資料夾, safe_serialization=True)），或下載附有 model.safetensors 的版本。`,
    (names) => `This folder has ${names} but no .safetensors weights: the page reads safetensors only. Convert it once with transformers (model.save_pretrained(folder, safe_serialization=True)), or get a version that ships model.safetensors.`,
  ],
  'model.busy': [
    '正在訓練或生成：等它結束（或按「結束」）再開啟模型。',
    'Training or generating: wait for it to finish (or press Stop) before opening a model.',
  ],
  'model.open_failed': [(m) => `無法開啟模型：${m}。原本的模型還在使用中。`, (m) => `Could not open the model: ${m}. The model you had is still in use.`],
});

let state = null;
let hooks = null;
let opening = false;

function formatBytes(n) {
  if (!n) return '–';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e3).toFixed(1)} kB`;
}

const count = (n) => n.toLocaleString('en-US');

// The GPU's buffer limits, for the GPU panel.
export function limitsText(adapter) {
  // shader-f16 decides how frozen weights are stored: f16 (half the memory) or f32.
  return `maxBufferSize ${formatBytes(adapter.max_buffer_size)} · maxStorageBufferBindingSize ${formatBytes(adapter.max_storage_buffer_binding_size)} · shader-f16 ${adapter.shader_f16 ? '✓' : '✗'}`;
}

// The status line: which model, and which chat template the page renders conversations with.
export function showModelInfo(model) {
  if (!model) return;
  const c = model.config;
  const template = () => {
    const chosen = $('template').value;
    if (chosen === 'model') return t('model.template.own', model.templateFile || 'tokenizer_config.json');
    const name = t(`template.${chosen}`);
    return model.chat_template ? t('model.template.other', name) : t('model.template.page', name);
  };
  show($('model-info'), () => t('model.info', model.name, model.modelType || c.architecture, count(model.params), c.hidden_size, c.num_layers, model.vocab_size, template(), model.matrix_dtype || 'f32'), '');
}

function planText(plan) {
  const limit = Math.min(plan.max_buffer_size, plan.max_storage_buffer_binding_size);
  return t('model.plan', {
    name: plan.name,
    kind: plan.dtype ? `${plan.model_type}, ${plan.dtype}` : plan.model_type,
    params: count(plan.params),
    stored: formatBytes(plan.stored_bytes),
    f32: formatBytes(plan.f32_bytes),
    gpu: formatBytes(plan.gpu_bytes),
    dtype: plan.matrix_dtype,
    largest: plan.largest_tensor,
    shape: `[${plan.largest_shape.join(', ')}]`,
    largestBytes: formatBytes(plan.largest_tensor_bytes),
    limit: formatBytes(limit),
    maxBuffer: formatBytes(plan.max_buffer_size),
    maxBinding: formatBytes(plan.max_storage_buffer_binding_size),
  });
}

// What a folder (or a set of picked files) holds for the engine. `entries`: [{path, file}], the
// path relative to the folder; only its top level counts (onnx/, README.md, *.bin … are left
// alone when there are safetensors weights). Returns {files, text, templateFile} or {missing} or {binOnly}.
function classify(entries) {
  const top = new Map();
  for (const { path, file } of entries) if (!path.includes('/')) top.set(path, file);
  const names = [...top.keys()];
  const safetensors = names.filter((n) => n.endsWith('.safetensors'));
  const missing = ['config.json', 'tokenizer.json'].filter((n) => !top.has(n));
  const files = {}; // the weights, by the name the engine asks for
  if (top.has(INDEX)) {
    files[INDEX] = top.get(INDEX);
    for (const n of safetensors) files[n] = top.get(n);
  } else if (top.has(WEIGHTS)) {
    files[WEIGHTS] = top.get(WEIGHTS);
  } else if (safetensors.length === 1) {
    files[WEIGHTS] = top.get(safetensors[0]); // one weights file, picked under another name
  } else if (!safetensors.length && names.some((n) => PYTORCH.test(n))) {
    return { binOnly: names.filter((n) => PYTORCH.test(n)) };
  } else {
    missing.push(safetensors.length ? INDEX : WEIGHTS);
  }
  if (missing.length) return { missing };
  const text = (name) => top.get(name)?.text() ?? Promise.resolve(null);
  return { files, text, templateFile: top.has('chat_template.jinja') ? 'chat_template.jinja' : 'tokenizer_config.json' };
}

// Every attempt to open a model, as {folder, ok, message} (the tests wait on it).
function refuse(folder, key, ...args) {
  show($('model-status'), () => t(key, ...args), 'error');
  state.modelOpens.push({ folder, ok: false, message: $('model-status').textContent });
}

async function openEntries(entries, folder) {
  const status = $('model-status');
  if (opening) return;
  if (hooks.busy()) {
    refuse(folder, 'model.busy');
    return;
  }
  const picked = classify(entries);
  if (picked.binOnly) {
    refuse(folder, 'model.bin_only', picked.binOnly.join(', '));
    return;
  }
  if (picked.missing) {
    refuse(folder, 'model.missing', picked.missing.join(lang() === 'en' ? ', ' : '、'));
    return;
  }
  opening = true;
  setButtons();
  let stopProgress = () => {};
  try {
    const [configJson, tokenizerJson, tokenizerConfigJson, chatTemplate, indexJson] = await Promise.all(
      ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja', INDEX].map(picked.text),
    );
    const files = Object.entries(picked.files).map(([name, file]) => ({ name, size: file.size }));
    const plan = await call('inspectModel', { configJson, folder, indexJson, files });
    state.modelPlan = plan;
    if (plan.refusal) throw new Error(plan.refusal);
    show(status, () => planText(plan), '');
    stopProgress = on('model-file', (_, { name }) => {
      const i = plan.weight_files.indexOf(name);
      if (i >= 0) show(status, () => `${planText(plan)} ${t('model.reading', name, i + 1, plan.weight_files.length)}`, '');
    });
    const texts = { configJson, tokenizerJson, tokenizerConfigJson, chatTemplate };
    const info = await hooks.open({
      name: plan.name,
      modelType: plan.model_type,
      templateFile: picked.templateFile,
      texts,
      load: () => call('loadCheckpoint', { files: picked.files, ...texts }),
    });
    show(status, () => t('model.loaded', planText(plan)), 'ok');
    // A model with a chat template of its own is trained and asked in that format.
    if (info.chat_template && $('template').value !== 'model') {
      $('template').value = 'model';
      $('template').dispatchEvent(new Event('change'));
    }
    state.modelOpens.push({ folder, ok: true, message: status.textContent });
  } catch (e) {
    refuse(folder, 'model.open_failed', e.message);
  } finally {
    stopProgress();
    opening = false;
    setButtons();
  }
}

function setButtons() {
  for (const id of ['model-open', 'model-open-folder']) $(id).disabled = opening;
}

// A folder picked with the folder button: paths are "folder/name".
function fromFolderInput(fileList) {
  const list = [...fileList];
  const folder = list[0]?.webkitRelativePath.split('/')[0] || '';
  return { folder, entries: list.map((file) => ({ path: file.webkitRelativePath.split('/').slice(1).join('/') || file.name, file })) };
}

const readAll = (reader) => new Promise((resolve, reject) => reader.readEntries(resolve, reject));
const entryFile = (entry) => new Promise((resolve, reject) => entry.file(resolve, reject));

// A drop: one folder (its top level), or files. Entries must be taken during the event.
async function fromDrop(items, files) {
  const dirs = items.filter((e) => e?.isDirectory);
  if (dirs.length === 1) {
    const reader = dirs[0].createReader();
    const all = [];
    for (let batch = await readAll(reader); batch.length; batch = await readAll(reader)) all.push(...batch);
    const entries = await Promise.all(all.filter((e) => e.isFile).map(async (e) => ({ path: e.name, file: await entryFile(e) })));
    return { folder: dirs[0].name, entries };
  }
  return { folder: '', entries: files.map((file) => ({ path: file.name, file })) };
}

function setUpDrop(area) {
  const hasFiles = (ev) => [...(ev.dataTransfer?.types || [])].includes('Files');
  area.addEventListener('dragover', (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = 'copy';
    area.classList.add('dragging');
  });
  area.addEventListener('dragleave', (ev) => {
    if (!area.contains(ev.relatedTarget)) area.classList.remove('dragging');
  });
  area.addEventListener('drop', (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault(); // the data panel leaves a drop handled here alone
    area.classList.remove('dragging');
    const items = [...ev.dataTransfer.items].map((i) => i.webkitGetAsEntry?.());
    const files = [...ev.dataTransfer.files];
    fromDrop(items, files)
      .then(({ folder, entries }) => openEntries(entries, folder))
      .catch((e) => refuse('', 'model.open_failed', e.message));
  });
}

// hooks: open(source) -> the engine's model summary (throws, keeping the old model, on
// failure); busy() -> true while training or generating.
export function initModelFolder(pageState, h) {
  state = pageState;
  state.modelOpens = [];
  hooks = h;
  $('model-open').addEventListener('click', () => $('model-files').click());
  $('model-open-folder').addEventListener('click', () => $('model-folder').click());
  $('model-files').addEventListener('change', (ev) => {
    openEntries([...ev.target.files].map((file) => ({ path: file.name, file })), '');
    ev.target.value = '';
  });
  $('model-folder').addEventListener('change', (ev) => {
    const { folder, entries } = fromFolderInput(ev.target.files);
    openEntries(entries, folder);
    ev.target.value = '';
  });
  setUpDrop($('model-area'));
  onSettingsChange(() => showModelInfo(state.model));
}
