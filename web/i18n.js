// Interface language: Traditional Chinese ('zh-Hant') or English ('en').
// Static text lives in index.html as <span lang="zh-Hant">…</span><span lang="en">…</span> pairs
// (style.css shows the pair member of <html lang>); text the scripts write, and attributes and
// <option>s that cannot hold spans, come from the dictionary below.

const KEY = 'yushan.lang';
const listeners = [];

export const LANGS = ['zh-Hant', 'en'];

export function lang() {
  return document.documentElement.lang === 'en' ? 'en' : 'zh-Hant';
}

// "1 step", "2 steps": English counts take the plural but for one.
const count = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

// Numbers in the message functions are formatted by the caller.
const M = {
  'title': ['玉山 Yushan · 在瀏覽器裡微調語言模型', 'Yushan · fine-tune a language model in your browser'],
  'gpu.ready': ['WebGPU 就緒', 'WebGPU ready'],
  'gpu.failed': [(m) => `WebGPU 啟動失敗：${m}`, (m) => `WebGPU failed to start: ${m}`],
  'gpu.software': ['軟體', 'software'],
  'gpu.hardware': [(t) => `硬體（${t}）`, (t) => `hardware (${t})`],
  'selfcheck.passed': ['✓ 通過', '✓ passed'],
  'selfcheck.failed': ['✗ 失敗', '✗ FAILED'],
  'template.plain': ['純文字標籤（使用者: / AI:）', 'Plain tags (使用者: / AI:)'],
  'template.chatml': ['ChatML（<|im_start|>…）', 'ChatML (<|im_start|>…)'],
  'template.none': ['沒有角色標籤（對照實驗）', 'No role tags (ablation)'],
  'template.model': ['模型自帶的對話範本', 'The model’s own chat template'],
  'thinking.default': ['範本預設（不設定）', 'The template’s default (unset)'],
  'thinking.false': ['關閉：空的思考區塊', 'Off: an empty think block'],
  'thinking.true': ['開啟', 'On'],
  'template.note.plain': [
    '每一輪前面加上「系統: / 使用者: / AI: 」，回答後面接 <|endoftext|>，讓模型知道何時停下。',
    'Each turn starts with “系統: / 使用者: / AI: ”; an answer ends with <|endoftext|>, so the model learns when to stop.',
  ],
  'template.note.chatml': [
    '許多聊天模型（如 Qwen）使用的格式：<|im_start|>角色 … <|im_end|>。',
    'The format many chat models (Qwen and others) are trained on: <|im_start|>role … <|im_end|>.',
  ],
  'template.note.model': [
    '模型的 tokenizer_config.json 裡的 chat_template，和它原本訓練時的格式一樣；只有回答與它的結束記號計入損失。',
    'The chat_template in the model’s tokenizer_config.json, the format it was trained on; only the answers and their end-of-turn markers carry loss.',
  ],
  'template.note.none': [
    '只有內容、沒有角色標籤與結束記號：模型分不出誰在說話，也學不會何時停。拿來和有標籤的比較看看。',
    'Contents only, no role tags and no end-of-turn token: the model cannot tell who is speaking, nor learn when to stop. Compare it with a tagged run.',
  ],
  'model.choice.knowledge': ['知識模型 models/knowledge（250 萬參數，讀過 415 條事實；課程也用它）', 'knowledge model models/knowledge (2.5 M parameters, read 415 facts; the lessons’ model)'],
  'model.choice.default': ['小玩具模型 models/default（8 萬參數，只讀過 8 組問答；軟體 GPU 上快）', 'tiny toy model models/default (82 K parameters, read only 8 pairs; quick on a software GPU)'],
  'start.model.knowledge': ['這個小模型（250 萬參數）讀過 415 條事實：山、河、湖、行星……它多半知道答案，卻不知道答完要停。用下面 8 組「最」的問答微調，它就學會回答。', 'This small model (2.5 M parameters) has read 415 facts: mountains, rivers, lakes, planets… It mostly knows the answers but not that it should stop after one. Fine-tune it on the eight 「最」 pairs below and it learns to answer.'],
  'start.model.default': ['小玩具模型（8 萬參數）只讀過 8 組問答，不懂這些問題：用來很快看一遍訓練的流程。', 'The tiny toy model (82 K parameters) has read only 8 pairs and knows none of these facts: it shows the flow quickly.'],
  'start.model.other': [(name, n) => `你開啟的模型：${name}（${n} 個參數）。`, (name, n) => `The model you opened: ${name} (${n} parameters).`],
  'start.time.measured': [(steps, total, step) => `${steps} 步，在這台機器上約 ${total}（每步約 ${step}）。`, (steps, total, step) => `${steps} steps: about ${total} on this machine (${step} a step).`],
  'start.time.software': [(steps) => `${steps} 步。這是軟體 GPU：知識模型一步可能要半分鐘；第一步之後就會知道要多久。`, (steps) => `${steps} steps. This is a software GPU: a step of the knowledge model can take half a minute; the time shows after the first step.`],
  'start.time.unknown': [(steps) => `${steps} 步；第一步之後就會知道要多久。`, (steps) => `${steps} steps; the time shows after the first step.`],
  'start.gpu': [(name, kind) => `GPU：${name}（${kind}），已就緒；詳細資料在下面的 GPU 面板。`, (name, kind) => `GPU: ${name} (${kind}), ready; details in the GPU panel below.`],
  'gpu.hardware.short': ['硬體', 'hardware'],
  'time.sec': [(n) => `${n} 秒`, (n) => `${n} s`],
  'time.min': [(n) => `${n} 分鐘`, (n) => `${n} min`],
  'model.choice.other': ['其他模型（網址的 ?model= 或開啟的資料夾）', 'another model (the link’s ?model= or an opened folder)'],
  'targets.all': ['全部', 'all'],
  'targets.attention': ['注意力', 'attention'],
  'targets.custom': ['自訂', 'custom'],
  'heldout.auto': ['自動', 'auto'],
  'conv.up': ['上移', 'Move up'],
  'conv.down': ['下移', 'Move down'],
  'conv.title': [(n, total) => `對話 ${n} / ${total}`, (n, total) => `Conversation ${n} of ${total}`],
  'conv.empty': ['（空白對話）', '(empty conversation)'],
  'conv.heldout': ['驗證', 'held out'],
  'conv.heldout.title': ['這段對話留作驗證：不拿來訓練，只用來算驗證損失', 'Held out: not trained on, only used for the held-out loss'],
  'conv.deleted': [(n) => `已刪除對話 ${n}。`, (n) => `Deleted conversation ${n}.`],
  'conv.none': ['還沒有對話。按「＋ 新對話」或匯入 JSONL。', 'No conversations yet. Add one or import a JSONL file.'],
  'data.count': [(n) => `${n} 段對話`, (n) => (n === 1 ? '1 conversation' : `${n} conversations`)],
  'role.system': ['系統 system', 'system'],
  'role.user': ['使用者 user', 'user'],
  'role.assistant': ['助理 assistant', 'assistant'],
  'turn.placeholder.system': ['給模型的指示，例如「用一句話回答」', 'Instructions for the model, e.g. “Answer in one sentence”'],
  'turn.placeholder.user': ['使用者的問題', 'What the user asks'],
  'turn.placeholder.assistant': ['模型該學會的回答', 'The answer the model should learn'],
  'turn.role': ['角色', 'Role'],
  'turn.up': ['上移這一輪', 'Move this turn up'],
  'turn.down': ['下移這一輪', 'Move this turn down'],
  'turn.delete': ['刪除這一輪', 'Delete this turn'],
  'problem': [(m) => `這段對話不能拿來訓練：${m}`, (m) => `This conversation cannot be trained on: ${m}`],
  'problems.train': [
    (n, m) => `第 ${n} 段對話有問題，先修正再訓練：${m}`,
    (n, m) => `Conversation ${n} needs fixing before training: ${m}`,
  ],
  'import.reading': [(f) => `正在讀取 ${f}…`, (f) => `Reading ${f}…`],
  'import.done': [
    (n, f, before) => `已從 ${f} 匯入 ${n} 段對話（取代原本的 ${before} 段）。`,
    (n, f, before) => `Imported ${count(n, 'conversation')} from ${f} (replacing the ${before} you had).`,
  ],
  'import.refused': [
    (f, bad) => `${f} 沒有匯入：有 ${bad} 行格式錯誤。你的資料沒有變動。`,
    (f, bad) => `${f} was not imported: ${bad} bad line${bad === 1 ? '' : 's'}. Your data is unchanged.`,
  ],
  'import.not_utf8': [
    (f, line, col, offset, byte) => `${f} 沒有匯入：它不是 UTF-8 文字。第 ${line} 行第 ${col} 個位元組（檔案的位元組位置 ${offset}）是 ${byte}，不是 UTF-8。請把檔案另存成 UTF-8 再匯入。你的資料沒有變動。`,
    (f, line, col, offset, byte) => `${f} was not imported: it is not UTF-8 text. Line ${line}, byte ${col} (byte offset ${offset} in the file) is ${byte}, which is not UTF-8. Save the file as UTF-8 and import it again. Your data is unchanged.`,
  ],
  'import.empty': [(f) => `${f} 裡沒有任何對話。你的資料沒有變動。`, (f) => `${f} holds no conversations. Your data is unchanged.`],
  'import.failed': [(f, m) => `無法讀取 ${f}：${m}。你的資料沒有變動。`, (f, m) => `Could not read ${f}: ${m}. Your data is unchanged.`],
  'import.good': [(n) => `只匯入正確的 ${n} 段`, (n) => (n === 1 ? 'Import the 1 good row only' : `Import the ${n} good rows only`)],
  'import.undo': ['復原', 'Undo'],
  'import.undone': ['已復原匯入前的資料。', 'Back to the data you had before the import.'],
  'data.applied': [(n) => `已套用：${n} 段對話。`, (n) => `Applied: ${count(n, 'conversation')}.`],
  'data.raw.label': ['JSONL 文字（一行一段對話）', 'JSONL text (one conversation per line)'],
  'data.refused': [
    (bad) => `文字有 ${bad} 行錯誤，沒有套用；對話編輯器裡的資料沒有變動。`,
    (bad) => `${bad} bad line${bad === 1 ? '' : 's'}: nothing applied; the conversations in the editor are unchanged.`,
  ],
  'data.pending': [
    '文字已修改：按「套用文字」更新對話（開始訓練時也會先套用）。',
    'The text has changes: “Apply the text” updates the conversations (training applies it first too).',
  ],
  'data.reset.confirm': ['用內建的範例取代目前所有對話？', 'Replace every conversation with the built-in examples?'],
  'data.reset.done': ['已還原範例資料。', 'The built-in examples are back.'],
  'data.engine': ['資料檢查引擎還在載入…', 'The data checker is still loading…'],
  'tokens.loading': ['載入分詞器…', 'Loading the tokenizer…'],
  'tokens.summary': [
    (n, loss, ctx) => `${n} 個 token，其中 ${loss} 個計入損失（模型要學著說出來）${ctx ? ` · 模型最多看 ${ctx} 個` : ''}`,
    (n, loss, ctx) => `${n} tokens, ${loss} of them carry loss (the model learns to produce them)${ctx ? ` · the model sees at most ${ctx}` : ''}`,
  ],
  'tokens.unknown': [(n) => ` · ${n} 個字模型不認得`, (n) => ` · ${n} unknown to the tokenizer`],
  'tokens.too_long': [
    (n, ctx) => `這段對話有 ${n} 個 token，超過模型的 ${ctx} 個上限，訓練時會被拒絕。`,
    (n, ctx) => `This conversation is ${n} tokens long, over the model's limit of ${ctx}: training will refuse it.`,
  ],
  'tokens.none': ['沒有選取對話。', 'No conversation selected.'],
  'tokens.failed': [(m) => `無法顯示 token：${m}`, (m) => `Cannot show the tokens: ${m}`],
  'token.title': [
    (id, kind, loss) => `id ${id} · ${kind}${loss ? ' · 計入損失' : ''}`,
    (id, kind, loss) => `id ${id} · ${kind}${loss ? ' · carries loss' : ''}`,
  ],
  'kind.role_tag': ['角色標籤', 'role tag'],
  'kind.system': ['系統內容', 'system content'],
  'kind.user': ['使用者內容', 'user content'],
  'kind.assistant': ['助理內容', 'assistant content'],
  'kind.end_of_turn': ['回合結束', 'end of turn'],
  'kind.separator': ['分隔', 'separator'],
  'train.loading': ['載入模型…', 'Loading the model…'],
  'train.preparing': ['準備資料…', 'Preparing the data…'],
  'train.running': [
    '訓練中（第一步要編譯 GPU 程式，比較久）…',
    'Training (the first step compiles GPU kernels and takes longest)…',
  ],
  'train.progress': [(step, total) => `訓練中：第 ${step} / ${total} 步…`, (step, total) => `Training: step ${step} of ${total}…`],
  'train.done': [
    (steps, a, b) => `完成 ${steps} 步，損失 ${a} → ${b}`,
    (steps, a, b) => `Done: ${count(steps, 'step')}, loss ${a} → ${b}`,
  ],
  'train.stopped': [
    (steps, total, a, b) => `已結束：訓練了 ${steps} / ${total} 步，損失 ${a} → ${b}。轉接器已保留。`,
    (steps, total, a, b) => `Stopped after ${steps} of ${total} steps, loss ${a} → ${b}. The adapter is kept.`,
  ],
  'train.trainable': [
    (n, total, pct) => `這次訓練會更新 ${n} 個參數，佔模型 ${total} 個參數的 ${pct}%（其餘凍結不動）。`,
    (n, total, pct) => `This run trains ${n} of the model's ${total} parameters (${pct}%); the rest stay frozen.`,
  ],
  'adapters.using': [
    (name, r, targets) => `比較面板現在用「${name}」（秩 ${r}，${targets}）。`,
    (name, r, targets) => `The compare panel now answers with “${name}” (rank ${r}, ${targets}).`,
  ],
  'adapters.failed': [(m) => `無法載入轉接器：${m}。原本的資料和轉接器都沒有變動。`, (m) => `Could not load the adapter: ${m}. Nothing you had was changed.`],
  'adapters.need_two': [
    '請同時選 adapter_config.json 和 adapter_model.safetensors 兩個檔案。',
    'Pick both files together: adapter_config.json and adapter_model.safetensors.',
  ],
  'adapters.run_name': [
    (when, steps, loss) => `${when} · ${steps} 步 · 損失 ${loss}`,
    (when, steps, loss) => `${when} · ${count(steps, 'step')} · loss ${loss}`,
  ],
  'train.paused': [
    (done, total) => `已暫停：${done} / ${total} 步。可以先比較答案或下載轉接器，再按「繼續」；按「結束」就停在這裡並保留轉接器。`,
    (done, total) => `Paused at step ${done} of ${total}. Compare answers or download the adapter, then Resume; Stop ends the run here and keeps its adapter.`,
  ],
  'train.failed': [(m) => `訓練失敗：${m}`, (m) => `Training failed: ${m}`],
  'train.bad_settings': [(m) => `沒有開始訓練。${m}`, (m) => `Training did not start. ${m}`],
  // The training settings by the names the form gives them, and what each takes (web/settings.js).
  'setting.steps': ['步數', 'Steps'],
  'setting.lr': ['學習率', 'Learning rate'],
  'setting.rank': ['LoRA 秩', 'LoRA rank'],
  'setting.alpha': ['LoRA α', 'LoRA α'],
  'setting.targets': ['目標層', 'Targets'],
  'setting.seed': ['亂數種子', 'Seed'],
  'setting.template': ['對話範本', 'Chat template'],
  'setting.thinking': ['思考（enable_thinking）', 'Thinking (enable_thinking)'],
  'setting.heldout': ['驗證集 %', 'Held out %'],
  'setting.batch': ['批次大小', 'Batch'],
  'setting.dropout': ['LoRA dropout', 'LoRA dropout'],
  // The compare panel's sampling settings (web/compare.js).
  'setting.temperature': ['溫度', 'Temperature'],
  'setting.top-k': ['top-k', 'top-k'],
  'setting.top-p': ['top-p', 'top-p'],
  'setting.max-tokens': ['最多 token', 'Max tokens'],
  'setting.range': [(name, v, range) => `${name}不能是 ${v}：要填${range}。`, (name, v, range) => `${name} cannot be ${v}: it must be ${range}.`],
  'setting.empty': [(name, v, range) => `${name}是空的：要填${range}。`, (name, v, range) => `${name} is empty: it must be ${range}.`],
  'setting.nan': [(name, v, range) => `${name}不是能用的數字：要填${range}。`, (name, v, range) => `${name} is not a number the page can use: it must be ${range}.`],
  'setting.link': [
    (param, name, range, kept) => `沒有採用連結裡的 ${param}：${name}要填${range}；沿用 ${kept}。`,
    (param, name, range, kept) => `The link’s ${param} was not used: ${name} must be ${range}; kept ${kept}.`,
  ],
  'range.whole': [(a, b) => ` ${a} 到 ${b} 的整數`, (a, b) => `a whole number from ${a} to ${b}`],
  'range.whole_from': [(a) => ` ${a} 以上的整數`, (a) => `a whole number, ${a} or more`],
  'range.number': [(a, b) => ` ${a} 到 ${b} 之間的數`, (a, b) => `a number from ${a} to ${b}`],
  'range.above': [(a, ex) => `大於 ${a} 的數${ex ? `（例如 ${ex}）` : ''}`, (a, ex) => `a number above ${a}${ex ? ` (such as ${ex})` : ''}`],
  'range.above_max': [(a, b) => `大於 ${a}、最多 ${b} 的數`, (a, b) => `a number above ${a} and at most ${b}`],
  'range.empty': [(a, b) => ` ${a} 到 ${b} 之間的數，或留空（自動）`, (a, b) => `a number from ${a} to ${b}, or nothing (automatic)`],
  'range.template': [(list) => ` ${list} 其中之一`, (list) => `one of ${list}`],
  'range.targets': [(list) => `以逗號分開的 ${list}`, (list) => `a comma-separated list of ${list}`],
  'range.thinking': [' true、false 或留空', 'true, false or nothing'],
  'train.last': [
    (when, steps, a, b) => `上次訓練（${when}）：${steps} 步，損失 ${a} → ${b}。它的轉接器存在下方清單，按「使用」就能再比較。`,
    (when, steps, a, b) => `Last run (${when}): ${count(steps, 'step')}, loss ${a} → ${b}. Its adapter is kept in the list below: press Use to compare with it again.`,
  ],
  'train.last.unfinished': [
    (when, steps) => `上次訓練（${when}）在第 ${steps} 步中斷。`,
    (when, steps) => `The last run (${when}) stopped at step ${steps}.`,
  ],
  'train.no_engine': [
    '這個版本還沒有訓練引擎，只做 GPU 自我檢查。',
    'This build has no training engine yet: GPU self-check only.',
  ],
  'train.no_gpu': ['沒有 WebGPU，無法訓練。', 'No WebGPU: training is not possible here.'],
  'model.failed': [(m) => `模型載入失敗：${m}`, (m) => `Could not load the model: ${m}`],
  'export.failed': [(m) => `匯出失敗：${m}`, (m) => `Export failed: ${m}`],
  'share.copied': ['已複製連結。', 'Link copied.'],
  'share.select': ['請手動複製上面的連結。', 'Copy the link above by hand.'],
  'chart.train': ['訓練', 'train'],
  'chart.heldout': ['驗證', 'held-out'],
  // A run without a held-out set (web/heldout.js); the automatic rule is the engine's.
  'heldout.none': ['沒有', 'none'],
  'heldout.none.auto': [
    (n) => `（自動：有 20 段以上的對話才留出 10%，這次只有 ${n} 段；要看驗證損失，請把「驗證集 %」設成大於 0）`,
    (n) => `(auto holds out 10% only from 20 conversations, and this run had ${n}; set Held out % above 0 to hold some out)`,
  ],
  'heldout.none.zero': ['（「驗證集 %」設為 0）', '(Held out % was 0)'],
  'heldout.none.one': [(n) => `（只有 ${n} 段對話，留不出驗證集）`, (n) => `(${count(n, 'conversation')} cannot be split)`],
  'chart.step': ['步', 'step'],
  'chart.loss': ['損失', 'loss'],
  'compare.question': ['問題', 'Question'],
  'compare.waiting': ['等待中…', 'Waiting…'],
  'compare.untrained': ['還沒有微調：先在上面訓練，這裡才會出現微調後的回答。', 'Not fine-tuned yet: train above to see the fine-tuned answer here.'],
  'compare.meta': [(n, s) => `${n} 個 token · ${s} 秒`, (n, s) => `${count(n, 'token')} · ${s} s`],
  'compare.bad_settings': [(m) => `沒有發問。${m}`, (m) => `Nothing was asked. ${m}`],
  'compare.empty': ['（空白）', '(empty)'],
  'choices.of_tuned': ['微調後的模型', 'the fine-tuned model'],
  'choices.of_base': ['原始模型', 'the base model'],
  'choices.working': ['兩個模型正在讀這個回答…', 'Both models are reading the answer…'],
  'choices.read': [(who, n) => `兩個模型讀了${who}的回答：${n} 個 token（含結束記號）。`, (who, n) => `Both models read the answer of ${who}: ${n} tokens (with its end, if it had one).`],
  'choices.failed': [(m) => `算不出機率：${m}`, (m) => `Could not compute the probabilities: ${m}`],
  'compare.failed': [(m) => `生成失敗：${m}`, (m) => `Generation failed: ${m}`],
};

// More messages, from a module that keeps its own (web/lessons.js).
export function extend(messages) {
  Object.assign(M, messages);
}

export function t(key, ...args) {
  const entry = M[key];
  if (!entry) return key;
  const v = entry[lang() === 'en' ? 1 : 0];
  return typeof v === 'function' ? v(...args) : v;
}

// A time as the page shows estimates: milliseconds for a step on a real GPU, seconds, minutes.
export function duration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return ms < 90_000 ? t('time.sec', Math.round(ms / 1000)) : t('time.min', Math.round(ms / 60_000));
}

// Elements whose text the scripts set: re-rendered when the language changes.
const bound = new Map();

// Show `render()` (a function of the language) in `el`, with an optional status class.
export function show(el, render, cls = null) {
  const fn = typeof render === 'function' ? render : () => render;
  bound.set(el, { fn, cls });
  draw(el);
}

function draw(el) {
  const { fn, cls } = bound.get(el);
  const value = fn();
  if (value instanceof Node) el.replaceChildren(value);
  else el.textContent = value ?? '';
  if (cls !== null) el.className = `status ${cls}`;
}

// Text, titles, placeholders and labels named by data-t, data-t-title, data-t-placeholder, data-t-aria-label.
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const [attr, data] of [['title', 'tTitle'], ['placeholder', 'tPlaceholder'], ['aria-label', 'tAriaLabel']]) {
    for (const el of root.querySelectorAll(`[data-t-${attr}]`)) el.setAttribute(attr, t(el.dataset[data]));
  }
}

export function onLangChange(fn) {
  listeners.push(fn);
}

export function setLang(value) {
  const l = value === 'en' ? 'en' : 'zh-Hant';
  document.documentElement.lang = l;
  try { localStorage.setItem(KEY, l); } catch { /* storage blocked */ }
  refresh();
}

export function refresh() {
  document.title = t('title');
  applyStatic();
  for (const el of bound.keys()) {
    if (el.isConnected) draw(el); else bound.delete(el);
  }
  for (const fn of listeners) fn(lang());
}
