// Adapters kept in this browser: every finished run's LoRA adapter is saved (PEFT layout, in
// IndexedDB), and any saved or downloaded adapter can be loaded back onto the base model to
// answer in the compare panel. Nothing leaves the machine.

import { call } from './rpc.js';
import * as store from './store.js';
import { show, t } from './i18n.js';

const $ = (id) => document.getElementById(id);
let state = null;
let hooks = null;
let adapters = []; // [{id, name, createdAt, configJson, safetensors, steps, loss}]

function render() {
  const list = $('adapter-list');
  list.replaceChildren(...adapters.map((a) => new Option(a.name, a.id)));
  if (state.activeAdapter) list.value = state.activeAdapter;
  $('adapters-empty').hidden = adapters.length > 0;
  list.hidden = adapters.length === 0;
  $('adapter-delete').disabled = adapters.length === 0;
  state.adapters = adapters.map(({ id, name, steps, loss }) => ({ id, name, steps, loss }));
}

async function persist() {
  await store.set('adapters', adapters);
}

// Saves the adapter the engine holds now (a run that just finished) under `name`.
export async function saveCurrent(name, { steps, loss }) {
  const { config_json: configJson, safetensors } = await call('exportAdapter');
  const entry = { id: `a${Date.now()}`, name, createdAt: Date.now(), configJson, safetensors, steps, loss };
  adapters = [entry, ...adapters];
  state.activeAdapter = entry.id;
  render();
  await persist();
  return entry;
}

async function use(entry) {
  const status = $('adapter-status');
  try {
    await hooks.ensureModel();
    const info = await call('loadAdapter', { configJson: entry.configJson, weights: entry.safetensors.slice().buffer });
    state.activeAdapter = entry.id;
    hooks.adapterLoaded(info);
    show(status, () => t('adapters.using', entry.name, info.rank, info.targets.join(', ')), 'ok');
    render();
    return info;
  } catch (e) {
    show(status, () => t('adapters.failed', e.message), 'error');
    throw e;
  }
}

// Two files picked or dropped together: adapter_config.json and adapter_model.safetensors.
async function loadFiles(files) {
  const status = $('adapter-status');
  const config = [...files].find((f) => f.name.endsWith('.json'));
  const weights = [...files].find((f) => f.name.endsWith('.safetensors'));
  if (!config || !weights) {
    show(status, () => t('adapters.need_two'), 'error');
    return;
  }
  const entry = {
    id: `a${Date.now()}`,
    name: `${weights.name} (${new Date().toLocaleString()})`,
    createdAt: Date.now(),
    configJson: await config.text(),
    safetensors: new Uint8Array(await weights.arrayBuffer()),
  };
  await use(entry); // refuses a broken or mismatched adapter before anything is kept
  adapters = [entry, ...adapters];
  state.activeAdapter = entry.id;
  render();
  await persist();
}

export async function initAdapters(pageState, h) {
  state = pageState;
  hooks = h;
  const saved = await store.get('adapters');
  adapters = Array.isArray(saved) ? saved.filter((a) => a && a.configJson && a.safetensors) : [];
  render();
  $('adapter-use').addEventListener('click', () => {
    const entry = adapters.find((a) => a.id === $('adapter-list').value);
    if (entry) use(entry).catch(() => {});
  });
  $('adapter-delete').addEventListener('click', async () => {
    adapters = adapters.filter((a) => a.id !== $('adapter-list').value);
    render();
    await persist();
  });
  $('adapter-load').addEventListener('click', () => $('adapter-files').click());
  $('adapter-files').addEventListener('change', (ev) => {
    loadFiles(ev.target.files).catch(() => {});
    ev.target.value = '';
  });
}
