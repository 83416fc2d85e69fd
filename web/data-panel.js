// The data panel: an editor of conversations with explicit roles, JSONL import (file picker,
// drag and drop) and export, the raw JSONL text, and the dataset saved in IndexedDB.
// Parsing and checking use the engine's Rust rules (validate_jsonl / check_conversations in
// crates/yushan-web/src/studio.rs), the same ones training applies, so an error here names the
// line and field the way training would, and a refused file changes nothing.

import { call, hasWorker } from './rpc.js';
import * as store from './store.js';
import { download } from './download.js';
import { onLangChange, show, t } from './i18n.js';
import { onSettingsChange, trainOptions } from './settings.js';

const $ = (id) => document.getElementById(id);
const ROLES = ['system', 'user', 'assistant'];
// The built-in examples: the 最 pairs of the shortcut lesson (lessons/shortcut/train.jsonl).
const EXAMPLES_URL = new URL('../lessons/shortcut/train.jsonl', import.meta.url);

// The dataset: what the editor shows, what is saved, what trains.
export const data = { conversations: [], selected: 0 };
// Why training would refuse a conversation (check_conversations), keyed by the conversation
// itself, so that moving or deleting conversations never shows a flag on the wrong one.
let problems = new WeakMap();
// Indexes of the conversations a run with the current settings holds out for evaluation.
let heldout = new Set();
let shownSelection = -1;   // the conversation the list last showed selected
let rawDirty = false;      // the JSONL textarea holds edits not applied yet
let undo = null;           // {conversations, selected} before the last replace or delete
const listeners = [];
let state = null;

export function onDataChange(fn) {
  listeners.push(fn);
}

export function selected() {
  return data.conversations[data.selected] || null;
}

const clean = (c) => ({ messages: c.messages.map(({ role, content }) => ({ role, content })) });

export function toJsonl(conversations = data.conversations) {
  return conversations.map((c) => JSON.stringify(clean(c))).join('\n') + (conversations.length ? '\n' : '');
}

// --- changes ------------------------------------------------------------------------------------

// Every change goes through here: save, refresh the views that depend on the data.
// `structure`: turns or conversations were added, removed or moved (the editor is redrawn).
function changed({ structure = true, fromRaw = false } = {}) {
  data.selected = Math.max(0, Math.min(data.selected, data.conversations.length - 1));
  store.setSoon('dataset', { conversations: data.conversations.map(clean), selected: data.selected });
  state.dataset = { conversations: data.conversations.length, selected: data.selected, savedAt: Date.now() };
  if (!fromRaw && !rawDirty) $('data').value = toJsonl();
  if (structure) renderEditor();
  renderList();
  scheduleCheck();
  for (const fn of listeners) fn();
}

function snapshot() {
  undo = { conversations: structuredClone(data.conversations.map(clean)), selected: data.selected };
}

function replaceAll(conversations, { selectedIndex = 0 } = {}) {
  snapshot();
  data.conversations = conversations.map(clean);
  data.selected = selectedIndex;
  rawDirty = false;
  $('data').value = toJsonl();
  show($('data-status'), '', '');
  changed();
}

function undoButton() {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'link';
  b.textContent = t('import.undo');
  b.addEventListener('click', () => {
    if (!undo) return;
    const back = undo;
    undo = null;
    data.conversations = back.conversations;
    data.selected = back.selected;
    rawDirty = false;
    $('data').value = toJsonl();
    changed();
    show($('import-status'), () => t('import.undone'), 'ok');
  });
  return b;
}

// A status line: text, then optional buttons.
function line(text, ...buttons) {
  const frag = document.createDocumentFragment();
  frag.append(text);
  for (const b of buttons) frag.append(' ', b);
  return frag;
}

// --- the conversation list ----------------------------------------------------------------------

function label(c) {
  const first = c.messages.find((m) => m.role === 'user' && m.content.trim()) || c.messages.find((m) => m.content.trim());
  if (!first) return t('conv.empty');
  const text = first.content.trim().replace(/\s+/g, ' ');
  return text.length > 42 ? `${text.slice(0, 41)}…` : text;
}

function renderList() {
  const list = $('conv-list');
  const items = data.conversations.map((c, i) => {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'conv-item';
    b.dataset.index = i;
    if (i === data.selected) { b.classList.add('selected'); b.setAttribute('aria-current', 'true'); }
    if (problems.has(c)) { b.classList.add('bad'); b.title = problems.get(c); }
    const held = heldout.has(i);
    if (held) { b.classList.add('heldout'); b.title = t('conv.heldout.title'); }
    const n = document.createElement('span');
    n.className = 'n';
    n.textContent = String(i + 1);
    const text = document.createElement('span');
    text.className = 'text';
    text.textContent = label(c);
    const turns = document.createElement('span');
    turns.className = 'turn-dots';
    turns.setAttribute('aria-hidden', 'true');
    for (const m of c.messages.slice(0, 8)) {
      const dot = document.createElement('i');
      dot.className = `dot role-${m.role}`;
      turns.append(dot);
    }
    b.append(n, text, turns);
    if (held) {
      const tag = document.createElement('span');
      tag.className = 'heldout-tag';
      tag.textContent = t('conv.heldout');
      b.append(tag);
    }
    li.append(b);
    return li;
  });
  if (!items.length) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = t('conv.none');
    items.push(li);
  }
  const scrolled = list.scrollTop;
  list.replaceChildren(...items);
  list.scrollTop = scrolled;
  $('data-count').textContent = t('data.count', data.conversations.length);
  // A newly selected conversation is brought into view inside the list only: scrollIntoView
  // would move the page too, and this runs after every data check (a setting typed, a turn
  // edited), pulling the page back to the list.
  const sel = list.querySelector('.selected');
  if (sel && data.selected !== shownSelection) {
    const box = list.getBoundingClientRect();
    const item = sel.getBoundingClientRect();
    if (item.top < box.top) list.scrollTop -= box.top - item.top;
    else if (item.bottom > box.bottom) list.scrollTop += item.bottom - box.bottom;
  }
  shownSelection = data.selected;
}

// --- the selected conversation's turns ----------------------------------------------------------

function autosize(el) {
  el.style.height = 'auto';
  el.style.height = `${el.scrollHeight + 2}px`;
}

function turnRow(m, i, count) {
  const row = document.createElement('div');
  row.className = `turn role-${m.role}`;
  row.dataset.turn = i;
  const select = document.createElement('select');
  select.className = 'role';
  select.setAttribute('aria-label', t('turn.role'));
  for (const r of ROLES) {
    const o = document.createElement('option');
    o.value = r;
    o.textContent = t(`role.${r}`);
    select.append(o);
  }
  select.value = m.role;
  const text = document.createElement('textarea');
  text.className = 'content';
  text.rows = 1;
  text.value = m.content;
  text.placeholder = t(`turn.placeholder.${m.role}`);
  text.spellcheck = false;
  const buttons = document.createElement('div');
  buttons.className = 'turn-buttons';
  const button = (cls, symbol, title, disabled = false) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = `icon ${cls}`;
    b.textContent = symbol;
    b.title = t(title);
    b.setAttribute('aria-label', t(title));
    b.disabled = disabled;
    return b;
  };
  buttons.append(
    button('turn-up', '↑', 'turn.up', i === 0),
    button('turn-down', '↓', 'turn.down', i === count - 1),
    button('turn-delete danger', '✕', 'turn.delete'),
  );
  row.append(select, text, buttons);
  return row;
}

function renderEditor() {
  const c = selected();
  const editor = $('conv-editor');
  editor.hidden = !c;
  if (!c) return;
  $('conv-title').textContent = t('conv.title', data.selected + 1, data.conversations.length);
  $('conv-up').disabled = data.selected === 0;
  $('conv-down').disabled = data.selected === data.conversations.length - 1;
  const rows = c.messages.map((m, i) => turnRow(m, i, c.messages.length));
  $('turns').replaceChildren(...rows);
  for (const r of rows) autosize(r.querySelector('textarea'));
  renderProblem();
}

function renderProblem() {
  const message = problems.get(selected());
  const el = $('conv-problem');
  el.hidden = !message;
  if (message) show(el, () => t('problem', message), 'error');
}

// The engine names the conversation by its number; the editor shows the one it is about.
const withoutNumber = (message) => message.replace(/^conversation \d+( \(line \d+\))?: /, '');

// Checks `list` (the conversations now) and records what is wrong with each.
async function checkList(list) {
  const found = await call('checkConversations', { conversations: list.map(clean) });
  return { found, map: new WeakMap(found.map((p) => [list[p.index], withoutNumber(p.message)])) };
}

function onTurnsInput(ev) {
  const row = ev.target.closest('.turn');
  const c = selected();
  if (!row || !c) return;
  const m = c.messages[Number(row.dataset.turn)];
  if (ev.target.classList.contains('content')) {
    m.content = ev.target.value;
    autosize(ev.target);
    changed({ structure: false });
  } else if (ev.target.classList.contains('role')) {
    m.role = ev.target.value;
    row.className = `turn role-${m.role}`;
    ev.target.nextElementSibling.placeholder = t(`turn.placeholder.${m.role}`);
    changed({ structure: false });
  }
}

function onTurnsClick(ev) {
  const b = ev.target.closest('button');
  const row = ev.target.closest('.turn');
  const c = selected();
  if (!b || !row || !c) return;
  const i = Number(row.dataset.turn);
  const ms = c.messages;
  let focus = null;
  if (b.classList.contains('turn-up') && i > 0) { [ms[i - 1], ms[i]] = [ms[i], ms[i - 1]]; focus = i - 1; }
  else if (b.classList.contains('turn-down') && i < ms.length - 1) { [ms[i + 1], ms[i]] = [ms[i], ms[i + 1]]; focus = i + 1; }
  else if (b.classList.contains('turn-delete')) { ms.splice(i, 1); }
  else return;
  changed();
  if (focus !== null) $('turns').querySelector(`[data-turn="${focus}"] .${b.classList[1]}`)?.focus();
}

function addTurn() {
  const c = selected();
  if (!c) { addConversation(); return; }
  const last = c.messages.at(-1)?.role;
  const role = last === 'user' ? 'assistant' : 'user';
  c.messages.push({ role, content: '' });
  changed();
  $('turns').querySelector(`[data-turn="${c.messages.length - 1}"] textarea`)?.focus();
}

function addConversation() {
  data.conversations.splice(data.selected + 1, 0, { messages: [{ role: 'user', content: '' }, { role: 'assistant', content: '' }] });
  data.selected = data.conversations.length === 1 ? 0 : data.selected + 1;
  changed();
  $('turns').querySelector('textarea')?.focus();
}

function moveConversation(delta) {
  const i = data.selected;
  const j = i + delta;
  if (j < 0 || j >= data.conversations.length) return;
  const cs = data.conversations;
  [cs[i], cs[j]] = [cs[j], cs[i]];
  data.selected = j;
  changed();
}

function copyConversation() {
  const c = selected();
  if (!c) return;
  data.conversations.splice(data.selected + 1, 0, structuredClone(clean(c)));
  data.selected += 1;
  changed();
}

function deleteConversation() {
  if (!selected()) return;
  snapshot();
  const n = data.selected + 1;
  data.conversations.splice(data.selected, 1);
  changed();
  show($('import-status'), () => line(t('conv.deleted', n), undoButton()), '');
}

// --- checks -------------------------------------------------------------------------------------

let checkTimer = null;
let checkSeq = 0;
function scheduleCheck() {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(check, 150);
}

async function check() {
  if (!hasWorker()) return;
  const seq = ++checkSeq;
  try {
    const { found, map } = await checkList(data.conversations.slice());
    const held = await call('heldoutRows', { options: trainOptions(), count: data.conversations.length });
    if (seq !== checkSeq) return;
    problems = map;
    heldout = new Set(held);
    state.problems = found;
    state.heldoutRows = held;
    renderList();
    renderProblem();
  } catch (e) {
    console.warn(`[yushan] check: ${e.message}`);
  }
}

// For training: the dataset as JSONL, or an error that says what to fix.
export async function jsonlForTraining() {
  if (rawDirty) {
    const { ok, why } = await applyRaw();
    if (!ok) throw new Error(why);
  }
  const { found, map } = await checkList(data.conversations.slice());
  problems = map;
  state.problems = found;
  renderList();
  if (found.length) {
    data.selected = found[0].index;
    changed();
    throw new Error(t('problems.train', found[0].index + 1, withoutNumber(found[0].message)));
  }
  return toJsonl();
}

// --- JSONL text, import, export -----------------------------------------------------------------

// Parses JSONL with the training rules. Returns {conversations, errors}.
async function parse(text) {
  if (!hasWorker()) throw new Error(t('data.engine'));
  const report = await call('validateJsonl', { text });
  return report;
}

function errorList(errors) {
  const ul = document.createElement('ul');
  ul.className = 'errors';
  for (const e of errors.slice(0, 8)) {
    const li = document.createElement('li');
    li.textContent = e.text;
    ul.append(li);
  }
  if (errors.length > 8) {
    const li = document.createElement('li');
    li.textContent = `… +${errors.length - 8}`;
    ul.append(li);
  }
  return ul;
}

async function applyRaw() {
  const status = $('data-status');
  let report;
  try {
    report = await parse($('data').value);
  } catch (e) {
    show(status, e.message, 'error');
    return { ok: false, why: e.message };
  }
  state.lastImport = { source: 'text', errors: report.errors, conversations: report.conversations.length };
  if (report.errors.length) {
    show(status, () => {
      const frag = document.createDocumentFragment();
      frag.append(t('data.refused', report.errors.length), errorList(report.errors));
      return frag;
    }, 'error');
    return { ok: false, why: report.errors.map((e) => e.text).join('\n') };
  }
  const before = data.selected;
  replaceAll(report.conversations, { selectedIndex: Math.min(before, report.conversations.length - 1) });
  show(status, () => line(t('data.applied', report.conversations.length), undoButton()), 'ok');
  return { ok: true };
}

export async function importText(text, name) {
  const status = $('import-status');
  let report;
  try {
    report = await parse(text);
  } catch (e) {
    show(status, () => t('import.failed', name, e.message), 'error');
    return false;
  }
  state.lastImport = { source: name, errors: report.errors, conversations: report.conversations.length };
  if (report.errors.length) {
    const good = report.conversations;
    const buttons = [];
    if (good.length) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'link';
      b.textContent = t('import.good', good.length);
      b.addEventListener('click', () => {
        const before = data.conversations.length;
        replaceAll(good);
        show(status, () => line(t('import.done', good.length, name, before), undoButton()), 'ok');
      });
      buttons.push(b);
    }
    show(status, () => {
      const frag = document.createDocumentFragment();
      frag.append(line(t('import.refused', name, report.errors.length), ...buttons), errorList(report.errors));
      return frag;
    }, 'error');
    return false;
  }
  if (!report.conversations.length) {
    show(status, () => t('import.empty', name), 'error');
    return false;
  }
  const before = data.conversations.length;
  replaceAll(report.conversations);
  show(status, () => line(t('import.done', report.conversations.length, name, before), undoButton()), 'ok');
  return true;
}

// Where the first byte that is not UTF-8 is in `bytes` (the decoder's rules: no overlong forms,
// no surrogates, nothing past U+10FFFF), or null when there is none. A sequence cut short or
// broken is reported at its first byte, the one that starts the bad character. offset: from 0 in
// the file; line and column (bytes into the line) from 1.
export function firstBadByte(bytes) {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let more = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b < 0x80) more = 0;
    else if (b >= 0xc2 && b <= 0xdf) more = 1;
    else if (b >= 0xe0 && b <= 0xef) { more = 2; if (b === 0xe0) lo = 0xa0; if (b === 0xed) hi = 0x9f; }
    else if (b >= 0xf0 && b <= 0xf4) { more = 3; if (b === 0xf0) lo = 0x90; if (b === 0xf4) hi = 0x8f; }
    else return where(bytes, i);
    for (let k = 1; k <= more; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < lo || c > hi) return where(bytes, i);
      lo = 0x80;
      hi = 0xbf;
    }
    i += more + 1;
  }
  return null;
}

function where(bytes, offset) {
  const lineStart = offset === 0 ? 0 : bytes.lastIndexOf(0x0a, offset - 1) + 1;
  let line = 1;
  for (let i = 0; i < lineStart; i++) if (bytes[i] === 0x0a) line += 1;
  const hex = bytes[offset].toString(16).toUpperCase().padStart(2, '0');
  return { offset, line, column: offset - lineStart + 1, byte: `0x${hex}` };
}

async function importFile(file) {
  const status = $('import-status');
  show(status, () => t('import.reading', file.name), '');
  let bytes;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (e) {
    show(status, () => t('import.failed', file.name, e.message), 'error');
    return;
  }
  // Decoded strictly: a file in another encoding (Big5, Latin-1) is refused with where it stops
  // being UTF-8, instead of imported with U+FFFD in place of what the user wrote.
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstBadByte(bytes) ?? { offset: 0, line: 1, column: 1, byte: '?' };
    state.lastImport = { source: file.name, notUtf8: bad, conversations: 0 };
    show(status, () => t('import.not_utf8', file.name, bad.line, bad.column, bad.offset, bad.byte), 'error');
    return;
  }
  await importText(text, file.name);
}

// The built-in examples, read with the page's own parser before the engine is up.
async function examples() {
  const text = await (await fetch(EXAMPLES_URL)).text();
  return text.split('\n').filter((l) => l.trim()).map((l) => {
    const v = JSON.parse(l);
    return v.messages ? { messages: v.messages } : { messages: [{ role: 'user', content: v.prompt }, { role: 'assistant', content: v.completion }] };
  });
}

async function resetToExamples() {
  if (data.conversations.length && !window.confirm(t('data.reset.confirm'))) return;
  replaceAll(await examples());
  show($('import-status'), () => line(t('data.reset.done'), undoButton()), 'ok');
}

function setUpDrop() {
  const panel = $('data-panel');
  let depth = 0;
  const hasFiles = (ev) => [...(ev.dataTransfer?.types || [])].includes('Files');
  // Anywhere on the page: a dropped file is imported rather than opened in place of the page.
  window.addEventListener('dragenter', (ev) => {
    if (!hasFiles(ev)) return;
    depth += 1;
    panel.classList.add('dragging');
  });
  window.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (!depth) panel.classList.remove('dragging');
  });
  window.addEventListener('dragover', (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = 'copy';
  });
  window.addEventListener('drop', (ev) => {
    if (!hasFiles(ev)) return;
    const handled = ev.defaultPrevented; // dropped on another drop zone (the model area)
    ev.preventDefault();
    depth = 0;
    panel.classList.remove('dragging');
    if (handled) return;
    const file = ev.dataTransfer.files[0];
    if (file) importFile(file);
  });
}

// --- start-up -----------------------------------------------------------------------------------

export async function initDataPanel(pageState) {
  state = pageState;
  $('conv-list').addEventListener('click', (ev) => {
    const b = ev.target.closest('.conv-item');
    if (!b) return;
    data.selected = Number(b.dataset.index);
    changed();
  });
  $('turns').addEventListener('input', onTurnsInput);
  $('turns').addEventListener('change', onTurnsInput);
  $('turns').addEventListener('click', onTurnsClick);
  $('turn-add').addEventListener('click', addTurn);
  $('conv-add').addEventListener('click', addConversation);
  $('conv-up').addEventListener('click', () => moveConversation(-1));
  $('conv-down').addEventListener('click', () => moveConversation(1));
  $('conv-copy').addEventListener('click', copyConversation);
  $('conv-delete').addEventListener('click', deleteConversation);
  $('import').addEventListener('click', () => $('import-file').click());
  $('import-file').addEventListener('change', async (ev) => {
    const file = ev.target.files[0];
    ev.target.value = '';
    if (file) await importFile(file);
  });
  $('export-data').addEventListener('click', () => download('yushan-data.jsonl', toJsonl(), 'application/jsonl'));
  $('data-reset').addEventListener('click', resetToExamples);
  $('data').addEventListener('input', () => {
    rawDirty = true;
    show($('data-status'), () => t('data.pending'), '');
  });
  $('data-apply').addEventListener('click', applyRaw);
  $('data-revert').addEventListener('click', () => {
    rawDirty = false;
    $('data').value = toJsonl();
    show($('data-status'), '', '');
  });
  setUpDrop();
  onLangChange(() => { renderEditor(); renderList(); });
  // The held-out share and the seed decide which rows are held out.
  onSettingsChange(scheduleCheck);

  const saved = await store.get('dataset');
  if (saved && Array.isArray(saved.conversations)) {
    data.conversations = saved.conversations;
    data.selected = Math.max(0, Math.min(Number(saved.selected) || 0, data.conversations.length - 1));
    state.dataset = { conversations: data.conversations.length, selected: data.selected, restored: true };
  } else {
    try {
      data.conversations = await examples();
    } catch (e) {
      console.warn(`[yushan] built-in examples: ${e.message}`);
    }
    state.dataset = { conversations: data.conversations.length, selected: 0, restored: false };
  }
  $('data').value = toJsonl();
  renderEditor();
  renderList();
  for (const fn of listeners) fn();
}

// Once the engine is up: check the conversations with the training rules.
export function engineReady() {
  scheduleCheck();
}
