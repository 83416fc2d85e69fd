// The compare panel: one question, answered by the base model and by the fine-tuned one side by
// side, each streamed token by token. The engine generates one answer at a time, so the base
// model answers first, then the fine-tuned model (when this session has trained one).
// The sampling settings are checked by name as the training settings are (web/number-check.js):
// a bad one is flagged, Ask refuses and says which, and it is never saved or sent.

import { call, on } from './rpc.js';
import * as store from './store.js';
import { show, t } from './i18n.js';
import { flags, inputProblems, numberProblem, numberRangeText, problemText, sentences } from './number-check.js';
import { answersChanged, initChoices } from './choices.js';

const $ = (id) => document.getElementById(id);
const FIELDS = ['prompt', 'temperature', 'top-k', 'top-p', 'max-tokens'];
// What the engine samples with (SamplingConfig::check in crates/yushan-train/src/generate.rs;
// max_tokens and top_k are unsigned integers), within the form's own min/max (index.html).
const RULES = {
  temperature: { min: 0, max: 2 },
  'top-k': { whole: true, min: 0, max: 1000 },
  'top-p': { above: true, min: 0, max: 1 },
  'max-tokens': { whole: true, min: 1, max: 256 },
};
let state = null;
let hooks = null;
let sink = null; // where streamed text goes
const flagged = flags(Object.keys(RULES));
let refused = false; // Ask was refused: the status says so until the next edit
// The fields last found good: what is saved and asked with.
let good = null;

export function samplingOptions() {
  const num = (id) => Number(good?.[id] ?? $(id).value);
  return { max_tokens: num('max-tokens'), temperature: num('temperature'), top_k: num('top-k'), top_p: num('top-p') };
}

const problemSentence = (p) => problemText(p, numberRangeText(RULES[p.field]));

// The status line under the form: the flagged problems, after "Nothing was asked." if refused.
function showProblems(problems) {
  const shown = flagged.shown(problems);
  show($('compare-status'), () => {
    const text = sentences(shown.map(problemSentence));
    return refused && text ? t('compare.bad_settings', text) : text;
  }, 'error');
}

// After an edit (`ev`) or at start-up: the good values are kept (and saved), the bad flagged.
function changed(ev) {
  const problems = inputProblems(RULES);
  const bad = new Set(problems.map((p) => p.field));
  refused = false;
  flagged.update(ev, problems);
  for (const f of FIELDS) if (!bad.has(f)) good[f] = $(f).value;
  state.compareProblems = problems;
  showProblems(problems);
  return problems;
}

async function answer(out, meta, useAdapter) {
  out.textContent = '…';
  out.classList.add('streaming');
  show(meta, '', '');
  sink = (text) => { out.textContent = text; };
  const t0 = performance.now();
  try {
    const res = await call('generate', { prompt: $('prompt').value, options: { ...samplingOptions(), use_adapter: useAdapter } });
    const ms = performance.now() - t0;
    out.textContent = res.text || t('compare.empty');
    show(meta, () => t('compare.meta', res.tokens, (ms / 1000).toFixed(1)), '');
    return { ...res, ms };
  } catch (e) {
    out.textContent = t('compare.failed', e.message);
    throw e;
  } finally {
    sink = null;
    out.classList.remove('streaming');
  }
}

async function compare(ev) {
  ev.preventDefault();
  // A bad setting asks nothing: the answers shown stay, and the first bad field is focused.
  const problems = changed();
  if (problems.length) {
    flagged.flag(problems);
    refused = true;
    showProblems(problems);
    $(problems[0].field).focus();
    return;
  }
  const btn = $('generate');
  btn.disabled = true;
  hooks.setBusy(true);
  state.answer = null;
  const base = $('answer-base');
  const tuned = $('answer');
  const trained = hooks.isTrained();
  tuned.textContent = trained ? t('compare.waiting') : '';
  show($('answer-meta'), trained ? '' : () => t('compare.untrained'), '');
  const t0 = performance.now();
  try {
    await hooks.ensureModel();
    const answers = { base: null, tuned: null };
    answers.base = await answer(base, $('answer-base-meta'), false);
    if (trained) answers.tuned = await answer(tuned, $('answer-meta'), true);
    state.answers = answers;
    const main = answers.tuned || answers.base;
    state.answerInfo = main;
    state.timings.generateMs = main.ms;
    state.timings.compareMs = performance.now() - t0;
    state.answer = main.text;
    answersChanged({ prompt: $('prompt').value, ...answers });
  } catch (e) {
    hooks.fail('generate', e.message);
  } finally {
    btn.disabled = false;
    hooks.setBusy(false);
  }
}

export async function initCompare(pageState, h) {
  state = pageState;
  hooks = h;
  on('text', (text) => sink?.(text));
  const saved = (await store.get('compare')) || {};
  // A bad saved value (an older page saved 2.5 tokens) is dropped: the form's default stands.
  const fits = (f, v) => typeof v === 'string' && v !== '' && (!RULES[f] || numberProblem(RULES[f], v) === null);
  for (const f of FIELDS) if (fits(f, saved[f])) $(f).value = saved[f];
  good = Object.fromEntries(FIELDS.map((f) => [f, $(f).value]));
  const save = (ev) => {
    changed(ev);
    store.setSoon('compare', { ...good });
  };
  for (const f of FIELDS) {
    $(f).addEventListener('change', save);
    if (RULES[f]) $(f).addEventListener('input', changed);
  }
  changed();
  $('chat-form').addEventListener('submit', compare);
  initChoices({ state, setBusy: hooks.setBusy, isBusy: hooks.isBusy });
}
