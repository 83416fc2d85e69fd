// The token view: the selected conversation as the chosen template renders it, token by token.
// Role tags and scaffolding look different from content, and the tokens that carry the loss
// (the assistant's content and its end of turn) are marked. The rendering and the mask come
// from the engine (render_tokens in crates/yushan-web/src/studio.rs), i.e. from the same
// encode_conversation that training uses.
// A token's colour follows the loss mask, not its kind alone: the loss colours of the legend
// (assistant content, end of turn) are only for tokens with `loss` (style.css). A user's or the
// system's end of turn (ChatML's <|im_end|>) is of the end-of-turn kind but carries no loss: it is
// drawn as scaffolding, like the role tags.

import { call } from './rpc.js';
import { data, onDataChange, selected } from './data-panel.js';
import { onLangChange, show, t } from './i18n.js';
import { thinkingSetting } from './settings.js';

const $ = (id) => document.getElementById(id);
let state = null;
let ready = null;      // resolves once the worker has the tokenizer
let context = null;    // the model's max_seq_len, when known
let timer = null;
let seq = 0;
let last = null;       // the last view drawn, for a redraw on a language change

export function initTokenView(pageState, { tokenizerReady, contextLength }) {
  state = pageState;
  ready = tokenizerReady;
  contextLength.then((n) => { context = n; schedule(); }).catch(() => {});
  onDataChange(schedule);
  const note = () => show($('template-note'), () => t(`template.note.${$('template').value}`));
  $('template').addEventListener('change', () => { note(); schedule(); });
  $('thinking').addEventListener('change', schedule);
  note();
  onLangChange(() => { if (last) draw(last); });
  show($('token-summary'), () => t('tokens.loading'), '');
  schedule();
}

// Another model was opened: its context, and its tokenizer (already in the worker).
export function modelChanged(contextLength) {
  context = contextLength;
  schedule();
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(update, 120);
}

async function update() {
  const mine = ++seq;
  const c = selected();
  if (!c) {
    last = null;
    $('token-view').replaceChildren();
    show($('token-summary'), () => t('tokens.none'), '');
    state.tokenView = null;
    return;
  }
  try {
    await ready;
    const template = $('template').value;
    const enableThinking = thinkingSetting();
    const view = await call('renderTokens', { conversation: { messages: c.messages }, index: data.selected, template, enableThinking });
    if (mine !== seq) return;
    last = view;
    draw(view);
    state.tokenView = {
      index: data.selected,
      template,
      enableThinking,
      tokens: view.tokens.length,
      loss_tokens: view.loss_tokens,
      unknown_tokens: view.unknown_tokens,
      problem: view.problem,
    };
  } catch (e) {
    if (mine !== seq) return;
    show($('token-summary'), () => t('tokens.failed', e.message), 'error');
  }
}

// Whitespace and line breaks made visible.
function visible(text) {
  if (text === '') return '◦';
  return text.replace(/ /g, '␣').replace(/\t/g, '⇥').replace(/\n/g, '↵');
}

function draw(view) {
  const frag = document.createDocumentFragment();
  for (const tok of view.tokens) {
    const span = document.createElement('span');
    span.className = `tok kind-${tok.kind}${tok.loss ? ' loss' : ''}${tok.unknown ? ' unknown' : ''}${tok.text === '' ? ' partial' : ''}`;
    span.textContent = visible(tok.text);
    span.title = t('token.title', tok.id, t(`kind.${tok.kind}`), tok.loss);
    span.dataset.id = tok.id;
    span.dataset.role = tok.role; // whose turn (the tests check that no user token looks trained)
    frag.append(span);
    if (tok.text.endsWith('\n')) frag.append(document.createElement('br'));
  }
  $('token-view').replaceChildren(frag);
  show($('token-summary'), () => {
    let text = t('tokens.summary', view.tokens.length, view.loss_tokens, context);
    if (view.unknown_tokens) text += t('tokens.unknown', view.unknown_tokens);
    if (tooLong(view)) text += ` — ${t('tokens.too_long', view.tokens.length, context + 1)}`;
    if (view.problem) text += ` — ${t('problem', view.problem)}`;
    return text;
  }, view.problem || tooLong(view) ? 'error' : '');
}

// Training takes rows of at most the model's context, plus the one token predicted last.
function tooLong(view) {
  return context !== null && view.tokens.length > context + 1;
}
