// Training settings: the form, the page's URL (a link reproduces the run) and IndexedDB.
// At start-up the URL wins over the saved settings, which win over the form's defaults; every
// change is saved and written back into the URL (history.replaceState, other parameters kept).
// A value outside its range (typed, or in a link) is refused by name with the range it must be
// in: it is never saved, linked or sent to the engine; the last good value stands in for it.

import * as store from './store.js';
import { show, t } from './i18n.js';
import { flags, inputProblems, numberProblem, numberRangeText, problemText, sentences } from './number-check.js';

const $ = (id) => document.getElementById(id);

// URL parameter -> form element id. The order is the order in the link.
export const FIELDS = ['steps', 'lr', 'rank', 'alpha', 'targets', 'seed', 'template', 'thinking', 'heldout', 'batch', 'dropout'];
// What each number setting takes: what the engine accepts (TrainOptions::spec in
// crates/yushan-web/src/session.rs and the checks it runs) within the form's own min/max
// (index.html). Checked here, before anything is sent, so that a value like 2.5 steps never
// reaches the engine's deserializer. The rules are those of web/number-check.js.
const RULES = {
  steps: { whole: true, min: 1, max: 1000 },
  lr: { above: true, min: 0, max: Infinity, example: 0.0005 },
  rank: { whole: true, min: 1, max: 64 },
  alpha: { min: 1, max: 128 },
  seed: { whole: true, min: 0, max: Number.MAX_SAFE_INTEGER },
  heldout: { min: 0, max: 50, empty: true },
  batch: { whole: true, min: 1, max: 64 },
  dropout: { min: 0, max: 0.5 },
};
const TEMPLATES = ['plain', 'chatml', 'none', 'model'];
// `enable_thinking` for the model's own template: '' leaves it undefined (the template's default).
const THINKING = ['', 'true', 'false'];
const TARGETS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];
let state = null;
const listeners = [];
// The settings last found good: what is saved, written into the link and trained with.
let good = null;
// The number fields whose problem is shown (flagged once committed or when Train is pressed).
const flagged = flags(Object.keys(RULES));
// Values of the link that were not used ([{field, value, kept}]), shown until the first change.
let fromLink = [];
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

// The engine's `configure` options (see TrainOptions in crates/yushan-web/src/session.rs), from
// the last good settings: a bad value being typed never reaches the engine.
export function trainOptions() {
  const s = good ?? readSettings();
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
    batch: Number(s.batch),
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
  if (RULES[field]) return numberProblem(RULES[field], v) === null ? v : null;
  return null;
}

// What `field` takes, in words of the page's language.
function rangeText(field) {
  if (field === 'template') return t('range.template', TEMPLATES.join(', '));
  if (field === 'targets') return t('range.targets', TARGETS.join(', '));
  if (field === 'thinking') return t('range.thinking');
  return numberRangeText(RULES[field]);
}

// The problems of the form's number settings now: [{field, value, why}].
const settingsProblems = () => inputProblems(RULES);

// One problem, in words: the setting's name as the form shows it, and what it takes.
const problemSentence = (p) => problemText(p, rangeText(p.field));

// The settings line under the form: the link's values that were not used, then the flagged
// problems; the flagged inputs are marked (aria-invalid, a red border).
function showProblems(problems) {
  const shown = flagged.shown(problems);
  const link = fromLink.slice();
  show($('settings-status'), () => sentences([
    ...link.map(({ field, value, kept }) => t('setting.link', `${field}=${value}`, t(`setting.${field}`), rangeText(field), kept === '' ? t('heldout.auto') : kept)),
    ...shown.map(problemSentence),
  ]), 'error');
}

// Before a run: null when every setting is good; else flags the bad ones, focuses the first, and
// returns what is wrong (a function of the language, for the training status).
export function refuseSettings() {
  const problems = settingsProblems();
  state.settingsProblems = problems;
  if (!problems.length) return null;
  flagged.flag(problems);
  showProblems(problems);
  $(problems[0].field).focus();
  return () => sentences(problems.map(problemSentence));
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

// The page's URL with the (last good) settings in it (other parameters, such as ?model=, kept).
export function settingsUrl() {
  const url = new URL(location.href);
  const s = good ?? readSettings();
  for (const f of FIELDS) url.searchParams.delete(f);
  const own = FIELDS.filter((f) => s[f] !== '').map((f) => `${f}=${encodeURIComponent(s[f]).replaceAll('%2C', ',')}`);
  const rest = url.searchParams.toString();
  url.search = [rest, ...own].filter(Boolean).join('&');
  return url.href;
}

// After any change of the form (`ev`: the input or change event; none at start-up).
function changed(ev) {
  const s = readSettings();
  const problems = settingsProblems();
  const bad = new Set(problems.map((p) => p.field));
  if (ev?.isTrusted) fromLink = []; // the user has moved on from the link (not the page's own change)
  flagged.update(ev, problems);
  // A bad value is neither saved nor written into the link: the last good one stays in both.
  for (const f of FIELDS) if (!bad.has(f)) good[f] = s[f];
  state.settings = { ...good };
  state.settingsProblems = problems;
  store.setSoon('settings', { ...good });
  const href = settingsUrl();
  if (href !== location.href) history.replaceState(history.state, '', href);
  $('share-url').value = href;
  showProblems(problems);
  for (const fn of listeners) fn(state.settings);
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
  const refused = [];
  for (const f of FIELDS) {
    const fromUrl = sanitize(f, params.get(f));
    // A bad saved value (an older page saved 2.5 steps) is dropped without a word: the form's
    // default takes its place, and is saved over it below.
    const fromStore = sanitize(f, saved[f]);
    const value = fromUrl ?? fromStore;
    if (value !== null) setField(f, value);
    if (params.has(f) && fromUrl === null) refused.push(f);
  }
  state.settingsFromUrl = FIELDS.filter((f) => sanitize(f, params.get(f)) !== null);
  // The link's bad values are said, with the value used instead; the link is rewritten below.
  fromLink = refused.map((f) => ({ field: f, value: params.get(f), kept: $(f).value }));
  state.settingsRefusedFromUrl = fromLink.map((r) => ({ ...r }));
  good = readSettings();
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
