// "What each model expected": under the compare panel's answers, one row per position of an
// answer, with the probability the base and the fine-tuned model gave the token there and each
// model's five most likely tokens. Both models read the same answer (teacher forcing), so a
// row shows what fine-tuning moved: the end of the turn gaining probability after 。, or, after
// a from-scratch run, 玉 taking over after every 最-question. Computed only when opened.

import { call } from './rpc.js';
import { show, t } from './i18n.js';

const $ = (id) => document.getElementById(id);
const TOP = 5;
let answers = null; // {prompt, base, tuned}: the answers last shown ({ids, text} each)
let shown = null; // the key of what the table shows, so reopening does not recompute
let hooks = null; // {state, setBusy, isBusy} from the compare panel

// After the compare panel has answered: forget the old table; fill it at once if open.
export function answersChanged(next) {
  answers = next;
  shown = null;
  $('choices-body').replaceChildren();
  const which = $('choices-answer');
  which.querySelector('option[value="tuned"]').disabled = !next?.tuned;
  if (!next?.tuned) which.value = 'base';
  $('choices').hidden = !next?.base;
  if ($('choices').open) fill();
}

// A token as the table shows it: line breaks and spaces visible.
function tokenText(text) {
  return text.replaceAll('\n', '↵').replaceAll(' ', '␣') || '∅';
}

function chip(choice, actualId) {
  const el = document.createElement('span');
  el.className = choice.id === actualId ? 'choice actual' : 'choice';
  const bar = document.createElement('span');
  bar.className = 'bar';
  bar.style.width = `${Math.round(choice.p * 100)}%`; // CSSOM, which the page's CSP allows
  const label = document.createElement('span');
  label.textContent = `${tokenText(choice.text)} ${percent(choice.p)}`;
  el.append(bar, label);
  return el;
}

const percent = (p) => (p >= 0.995 ? '100%' : p < 0.001 ? '<0.1%' : `${(p * 100).toFixed(p < 0.1 ? 1 : 0)}%`);

function cell(position, actualId) {
  const td = document.createElement('td');
  if (!position) return td;
  const p = document.createElement('strong');
  p.className = 'p';
  p.textContent = percent(position.token.p);
  const list = document.createElement('span');
  list.className = 'choices';
  list.append(...position.top.map((c) => chip(c, actualId)));
  td.append(p, list);
  return td;
}

async function fill() {
  if (!answers?.base) return;
  const which = $('choices-answer').value === 'tuned' && answers.tuned ? 'tuned' : 'base';
  const key = `${which}:${answers.prompt}`;
  if (shown === key || hooks.isBusy()) return;
  const ids = answers[which].ids;
  const status = $('choices-status');
  show(status, () => t('choices.working'), '');
  hooks.setBusy(true);
  try {
    const ask = (useAdapter) => call('nextTokens', { prompt: answers.prompt, ids, options: { use_adapter: useAdapter, top: TOP } });
    const base = await ask(false);
    const tuned = answers.tuned ? await ask(true) : null;
    const rows = base.map((position, i) => {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = tokenText(position.token.text);
      tr.append(th, cell(position, position.token.id), cell(tuned?.[i], position.token.id));
      return tr;
    });
    $('choices-body').replaceChildren(...rows);
    hooks.state.choices = { which, ids, base, tuned };
    $('choices-table').classList.toggle('base-only', !tuned);
    shown = key;
    show(status, () => t('choices.read', which === 'tuned' ? t('choices.of_tuned') : t('choices.of_base'), rows.length), '');
  } catch (e) {
    show(status, () => t('choices.failed', e.message), 'error');
  } finally {
    hooks.setBusy(false);
  }
}

export function initChoices(compareHooks) {
  hooks = compareHooks;
  $('choices').addEventListener('toggle', () => { if ($('choices').open) fill(); });
  $('choices-answer').addEventListener('change', fill);
}
