// The compare panel: one question, answered by the base model and by the fine-tuned one side by
// side, each streamed token by token. The engine generates one answer at a time, so the base
// model answers first, then the fine-tuned model (when this session has trained one).

import { call, on } from './rpc.js';
import * as store from './store.js';
import { show, t } from './i18n.js';

const $ = (id) => document.getElementById(id);
const FIELDS = ['prompt', 'temperature', 'top-k', 'top-p', 'max-tokens'];
let state = null;
let hooks = null;
let sink = null; // where streamed text goes

export function samplingOptions() {
  const num = (id) => Number($(id).value);
  return { max_tokens: Math.max(1, num('max-tokens')), temperature: num('temperature'), top_k: num('top-k'), top_p: num('top-p') };
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
  for (const f of FIELDS) if (typeof saved[f] === 'string' && saved[f] !== '') $(f).value = saved[f];
  const save = () => store.setSoon('compare', Object.fromEntries(FIELDS.map((f) => [f, $(f).value])));
  for (const f of FIELDS) $(f).addEventListener('change', save);
  $('chat-form').addEventListener('submit', compare);
}
