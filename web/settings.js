// Training settings: the form, the page's URL (a link reproduces the run) and IndexedDB.
// At start-up the URL wins over the saved settings, which win over the form's defaults; every
// change is saved and written back into the URL (history.replaceState, other parameters kept).

import * as store from './store.js';
import { show, t } from './i18n.js';

const $ = (id) => document.getElementById(id);

// URL parameter -> form element id. The order is the order in the link.
export const FIELDS = ['steps', 'lr', 'rank', 'alpha', 'targets', 'seed', 'template', 'thinking', 'heldout', 'batch', 'dropout'];
const NUMBER = new Set(['steps', 'lr', 'rank', 'alpha', 'seed', 'heldout', 'batch', 'dropout']);
const TEMPLATES = ['plain', 'chatml', 'none', 'model'];
// `enable_thinking` for the model's own template: '' leaves it undefined (the template's default).
const THINKING = ['', 'true', 'false'];
const TARGETS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];
let state = null;
const listeners = [];
// Whether the loaded model has its own chat template (null until its tokenizer is read), and
// whether that template reads enable_thinking.
let modelTemplate = null;
let thinkingSwitch = false;

export function onSettingsChange(fn) {
  listeners.push(fn);
}

export function readSettings() {
  const out = {};
  for (const f of FIELDS) out[f] = $(f).value;
  return out;
}

// The engine's `configure` options (see TrainOptions in crates/yushan-web/src/session.rs).
export function trainOptions() {
  const s = readSettings();
  const heldout = s.heldout.trim() === '' ? null : Number(s.heldout) / 100;
  return {
    steps: Number(s.steps),
    lr: Number(s.lr),
    lora_r: Number(s.rank),
    lora_alpha: Number(s.alpha),
    targets: s.targets.split(','),
    seed: Number(s.seed),
    template: s.template,
    enable_thinking: thinkingSetting(),
    heldout_fraction: heldout,
    batch: Math.max(1, Number(s.batch)),
    lora_dropout: Number(s.dropout),
  };
}

// `enable_thinking` as the engine takes it: true, false, or null (undefined), which it is unless
// the model's own template is chosen and reads it.
export function thinkingSetting() {
  const v = $('thinking').value;
  return thinkingSwitch && $('template').value === 'model' && v !== '' ? v === 'true' : null;
}

// A value from the URL or the store, or null when it does not fit the field.
function sanitize(field, raw) {
  if (raw === null || raw === undefined) return null;
  const v = String(raw).trim();
  if (field === 'template') return TEMPLATES.includes(v) ? v : null;
  if (field === 'thinking') return THINKING.includes(v) ? v : null;
  if (field === 'targets') {
    const list = v.split(',').map((x) => x.trim()).filter(Boolean);
    return list.length && list.every((x) => TARGETS.includes(x)) ? list.join(',') : null;
  }
  if (field === 'heldout' && v === '') return '';
  if (NUMBER.has(field)) {
    const n = Number(v);
    return v !== '' && Number.isFinite(n) && n >= 0 ? v : null;
  }
  return null;
}

function setField(field, value) {
  const el = $(field);
  if (field === 'targets' && ![...el.options].some((o) => o.value === value)) {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = `${t('targets.custom')}: ${value.replaceAll(',', ', ')}`;
    el.append(o);
  }
  el.value = value;
}

// The page's URL with the settings in it (other parameters, such as ?model=, kept).
export function settingsUrl() {
  const url = new URL(location.href);
  const s = readSettings();
  for (const f of FIELDS) url.searchParams.delete(f);
  const own = FIELDS.filter((f) => s[f] !== '').map((f) => `${f}=${encodeURIComponent(s[f]).replaceAll('%2C', ',')}`);
  const rest = url.searchParams.toString();
  url.search = [rest, ...own].filter(Boolean).join('&');
  return url.href;
}

function changed() {
  const s = readSettings();
  state.settings = s;
  store.setSoon('settings', s);
  const href = settingsUrl();
  if (href !== location.href) history.replaceState(history.state, '', href);
  $('share-url').value = href;
  for (const fn of listeners) fn(s);
}

async function share() {
  const href = settingsUrl();
  $('share-url').value = href;
  try {
    await navigator.clipboard.writeText(href);
    show($('share-status'), () => t('share.copied'), 'ok');
  } catch {
    $('share-url').select();
    show($('share-status'), () => t('share.select'), '');
  }
}

// Offers "the model's own template" only for a model that has one; a page set to it (from the
// URL or the store) falls back to plain when the model has none.
export function setModelTemplateAvailable(available) {
  modelTemplate = available;
  const option = $('template').querySelector('option[value="model"]');
  option.hidden = !available;
  option.disabled = !available;
  if (!available && $('template').value === 'model') {
    $('template').value = 'plain';
    $('template').dispatchEvent(new Event('change')); // saves it, redraws the token view
  }
}

// Offers the enable_thinking switch only for a model whose own template reads it, and only while
// that template is chosen.
export function setThinkingAvailable(available) {
  thinkingSwitch = available;
  showThinking();
}

function showThinking() {
  $('thinking-field').hidden = !(thinkingSwitch && $('template').value === 'model');
}

export async function initSettings(pageState) {
  state = pageState;
  const saved = (await store.get('settings')) || {};
  const params = new URLSearchParams(location.search);
  for (const f of FIELDS) {
    const fromUrl = sanitize(f, params.get(f));
    const fromStore = sanitize(f, saved[f]);
    const value = fromUrl ?? fromStore;
    if (value !== null) setField(f, value);
  }
  state.settingsFromUrl = FIELDS.filter((f) => sanitize(f, params.get(f)) !== null);
  for (const f of FIELDS) {
    $(f).addEventListener('change', changed);
    $(f).addEventListener('input', changed);
  }
  $('share').addEventListener('click', share);
  $('template').addEventListener('change', showThinking);
  if (modelTemplate !== null) setModelTemplateAvailable(modelTemplate);
  showThinking();
  changed();
}
