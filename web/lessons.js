// The Lessons panel: each lesson is a small seeded experiment (crates/yushan-lessons) on the
// shipped pretrained model models/knowledge/. Each card asks its lesson's question and shows at
// once the result computed beforehand by the command line, with "Run it live here" beside it
// (lesson-results.js draws either). A live run goes in a worker of its own (web/worker.js again,
// a second instance), so it never touches the studio's model or run, and Stop simply ends that
// worker. Its loss points stream to a chart in the card (one series per arm); its report then
// replaces the card's result.
//
// A new lesson: one entry in LESSONS below, its texts in MESSAGES and lesson-results.js, its run
// in crates/yushan-web/src/lessons.rs and its result in lessons/results/
// (scripts/precompute-lessons.sh). The arms (their keys and steps) come from the engine
// (lesson_plan) and the report, not from here; the messages only name them.
//
// URL parameters: lesson=<id> (open the panel at that lesson), lesson-seed=<n>, and for quick
// runs lesson-spec=<JSON subset of the lesson's spec> and lesson-questions=<n>. A field the
// lesson's spec does not have (or JSON that does not parse) fails the run with a message.

import uPlot from './vendor/uPlot.esm.js';
import { duration, extend, onLangChange, show, t } from './i18n.js';
import * as stepTimes from './step-times.js';
import { engineClient } from './rpc.js';
import {
  armLabel, colorAt, configureResults, drawOutcomes, el, hasLive, loadShipped, outcomeBox, placeIn, planned, showLive, showing,
} from './lesson-results.js';

const $ = (id) => document.getElementById(id);

// The lessons, in the order the panel lists them. `id`: the name run_lesson knows; `data`: the
// folder of its `files` (the page links each); `asks(lines, limit)`: how many questions each arm
// is asked once it has trained (for the progress text and the time estimate), from the number of
// lines of each file and the link's lesson-questions (0 = all). How long a lesson takes is never
// written here: it is estimated from this machine's own measured step and answer times (see
// "how long" below).
const PAIRS = ['train.jsonl', 'heldout.jsonl'];
const TASKS = ['translate-train.jsonl', 'edit-train.jsonl', 'translate-heldout.jsonl', 'edit-heldout.jsonl', 'composite-heldout.jsonl'];
const cap = (n, limit) => (limit ? Math.min(n, limit) : n);
export const LESSONS = [
  {
    // The held-out questions, then the same facts asked in other phrasings.
    id: 'shortcut', model: 'models/knowledge/', data: 'lessons/shortcut/', files: [...PAIRS, 'paraphrases.jsonl'],
    asks: (n, limit) => cap(n['heldout.jsonl'], limit) + cap(n['paraphrases.jsonl'], limit),
  },
  {
    id: 'role-tags', model: 'models/knowledge/', data: 'lessons/shortcut/', files: PAIRS,
    asks: (n, limit) => cap(n['train.jsonl'] + n['heldout.jsonl'], limit),
  },
  {
    id: 'lora-vs-full', model: 'models/knowledge/', data: 'lessons/shortcut/', files: PAIRS,
    asks: (n, limit) => cap(n['heldout.jsonl'], limit),
  },
  {
    id: 'transfer', model: 'models/knowledge/', data: 'lessons/transfer/', files: ['train-en.jsonl', 'train-zh.jsonl', 'heldout.jsonl'],
    asks: (n, limit) => cap(n['heldout.jsonl'], limit),
  },
  // The two lessons over the translation and editing tasks read all five files (lesson-questions
  // limits each held-out set).
  {
    // Each arm answers every task's held-out items.
    id: 'specialists', model: 'models/knowledge/', data: 'lessons/tasks/', files: TASKS,
    asks: (n, limit) => cap(n['translate-heldout.jsonl'], limit) + cap(n['edit-heldout.jsonl'], limit) + cap(n['composite-heldout.jsonl'], limit),
  },
  {
    // After its last step each stage's model answers A's held-out edits and B's translations
    // (A's edits also at every checkpoint while B trains, under the training text).
    id: 'forgetting', model: 'models/knowledge/', data: 'lessons/tasks/', files: TASKS,
    asks: (n, limit) => cap(n['edit-heldout.jsonl'], limit) + cap(n['translate-heldout.jsonl'], limit),
  },
];
// An arm's colour, the same in the loss chart, the tables and the curves: by its place in the run's
// plan (lesson-results.js).
const armPlace = (key, i) => placeIn(state.plan?.map((p) => p.key), key, i);
const armColor = (key, i) => colorAt(armPlace(key, i));

// Each card asks its lesson's question; the finding shows only beside a result (lesson-results.js).
const MESSAGES = {
  'lessons.shortcut.title': ['最 → 玉山：學到捷徑，還是學會回答？', '最 → 玉山: a shortcut, or an answer?'],
  'lessons.shortcut.question': [
    '同樣幾組「最」的問答，訓練兩個模型：(a) 從隨機權重開始；(b) 預訓練模型加上 LoRA。再問它們沒訓練過的「最」問題，也換三種問法問同樣的事實：哪一個用預訓練時讀到的知識回答？哪一個只學到表面的捷徑，拿訓練時的答案（例如玉山）來回答？對照組是同一個預訓練模型、完全不微調，問同樣的問題。',
    'The same few 最 (“the most …”) question-answer pairs train two models: (a) one from random weights; (b) the pretrained model through a LoRA adapter. Both are asked 最-questions they were not trained on, and the same facts in three other phrasings. Which answers from what it read in pretraining, and which only learns the surface shortcut, answering with a training answer (such as 玉山)? The control is the same pretrained model, not fine-tuned, asked the same questions.',
  ],

  'lessons.role-tags.title': ['角色標籤：模型怎麼知道何時該停？', 'Role tags: how does the model know when to stop?'],
  'lessons.role-tags.question': [
    '同樣的問答用 LoRA 訓練兩次：一次加上角色標籤（使用者: / AI:）和結束記號，一次什麼標籤都不加；再問訓練過和沒訓練過的問題。模型答完會停下來嗎？還是繼續寫下去，甚至自己再問一個問題？對照組是完全不微調的預訓練模型。',
    'The same pairs train a LoRA adapter twice: once rendered with role tags (使用者: / AI:) and an end-of-turn token, once with no tags; both are asked the training questions and new ones. Does the model stop after its answer, or write on, even asking itself a new question? The control is the pretrained model, not fine-tuned.',
  ],
  'lessons.lora-vs-full.title': ['LoRA 還是全參數微調？', 'LoRA or full fine-tuning?'],
  'lessons.lora-vs-full.question': [
    '用「最 → 玉山」那八組問答訓練預訓練模型兩次：一次用同一個 LoRA 轉接器，一次訓練全部權重（學習率取新問題答得最好、又學得會這八組的那一個，小了 10 倍）。全參數微調要多付出多少參數、記憶體和時間？新問題答得比較好嗎？預訓練讀到的事實還留下多少？對照組是完全不微調的預訓練模型。換成 LoRA 常用的學習率 0.001 會怎樣：在網址加上 lesson-spec={"full_lr":0.001}，在這台機器上跑一次。',
    'The 最 → 玉山 lesson’s eight pairs train the pretrained model twice: through the same LoRA adapter, and by training every weight (at the learning rate that answered new questions best while still learning the eight pairs, 10× smaller). What does full fine-tuning cost in parameters, memory and time? Does it answer new questions better? How much of what it read in pretraining survives? The control is the pretrained model, not fine-tuned. What happens at 0.001, a usual rate for LoRA? Add lesson-spec={"full_lr":0.001} to the link and run it live.',
  ],
  'lessons.transfer.title': ['舉一反三：用英文教，用中文問', 'Taught in English, asked in Chinese'],
  'lessons.transfer.question': [
    '只用八組英文問答微調（“What is the highest mountain in Japan?” → “Mount Fuji.”），再用中文問其他事實；和只用中文問答微調、以及完全不微調的預訓練模型（對照組）比較。英文教的「怎麼回答」會不會帶到中文問題上：用中文回答、答對、答完就停？',
    'Fine-tune on eight question-answer pairs in English only (“What is the highest mountain in Japan?” → “Mount Fuji.”), then ask in Chinese about other facts; compared with the same facts taught in Chinese, and with the pretrained model not fine-tuned at all (the control). Does “how to answer”, taught in English, carry over to Chinese questions: answered in Chinese, right, and stopping after the answer?',
  ],

  'lessons.specialists.title': ['專才與通才：一個轉接器學一種任務，還是兩種一起學？', 'Specialists or a generalist: one task per adapter, or both?'],
  'lessons.specialists.question': [
    '在同一個預訓練模型上訓練三個 LoRA 轉接器：一個只學翻譯（“Translate into Chinese: the longest river in Japan” →「日本最長的河」），一個只學改量詞（“Fix the measure word: 日本最長的河是哪一座？”→「日本最長的河是哪一條？」），一個兩種混在一起學；每一個都要做每一種任務。專才被要求做另一種任務時會怎樣？通才會看指令做事嗎？還有一種兩個都沒學過的組合：把一個問句翻成中文（“Translate into Chinese: Which is the largest ocean in the world?” →「世界最大的海洋是哪一個？」），有誰做得到？對照組是完全不微調的預訓練模型。',
    'Three LoRA adapters on the same pretrained model: one trained on translation only (“Translate into Chinese: the longest river in Japan” → 日本最長的河), one on editing only (putting a wrong measure word right: “Fix the measure word: 日本最長的河是哪一座？” → 「日本最長的河是哪一條？」), one on both mixed; each is asked every task. What does a specialist do when asked the other task? Does the generalist follow the instruction? A composite none was taught is asked too, translating a question (“Translate into Chinese: Which is the largest ocean in the world?” → 「世界最大的海洋是哪一個？」): can any of them do it? The control is the pretrained model, not fine-tuned.',
  ],

  'lessons.forgetting.title': ['複習：學了新任務，會忘掉舊的嗎？', 'Replay: does a new task erase the old one?'],
  'lessons.forgetting.question': [
    '先微調任務 A（改正用錯的量詞，“Fix the measure word: …”），再微調任務 B（把英文詞組翻成中文）；B 用三種方式訓練，都從同一個學會 A 的模型開始：只學 B；複習（把一部分存下來的 A 問答混進 B 的訓練資料）；自我複習（A 的資料一組也不存，剛學完 A 時只給模型 A 的指令，讓它自己出題再自己回答，拿這些來複習）。B 訓練的時候，A 還留下多少（曲線）？複習或自我複習留得住 A 嗎？對照組是完全不微調的預訓練模型。',
    'Fine-tune on task A (putting a wrong measure word right, “Fix the measure word: …”), then on task B (translating English phrases into Chinese), three ways, each from the same model that learnt A: B alone; replay (a share of A’s stored pairs mixed into B’s data); self-replay (nothing of A is stored: right after A, given only A’s instruction, the model writes its own examples and rehearses those). How much of A survives while B trains (the curve)? Does replay, or self-replay, keep it? The control is the pretrained model, not fine-tuned.',
  ],
  'lessons.data': ['資料：', 'Data: '],
  'lessons.model': ['模型：', 'Model: '],
  'lessons.time.measured': [
    (total, steps, step, asks, answer) => `在這台機器上約 ${total}：訓練 ${steps} 步，每步 ${step}；回答約 ${asks} 題，每題 ${answer}（上一次在這個瀏覽器跑課程時實測）。`,
    (total, steps, step, asks, answer) => `About ${total} on this machine: ${steps} training steps at ${step} each, about ${asks} answers at ${answer} each (measured by the last lesson run in this browser).`,
  ],
  'lessons.time.studio': [
    (total, steps, step, asks) => `訓練 ${steps} 步約 ${total}（工作室用同一個模型實測每步 ${step}），另外還要回答約 ${asks} 題。`,
    (total, steps, step, asks) => `${steps} training steps take about ${total} (the studio measured ${step} a step on the same model), plus about ${asks} answers.`,
  ],
  'lessons.time.unmeasured': [
    (steps, asks) => `訓練 ${steps} 步、回答約 ${asks} 題。要多久依你的 GPU 而定：在上面的工作室用知識模型訓練幾步，或跑一課，這裡就會用實測的時間估計。`,
    (steps, asks) => `${steps} training steps and about ${asks} answers. How long depends on your GPU: train a few steps of the knowledge model in the studio above, or run a lesson, and this gives an estimate from the measured times.`,
  ],
  'lessons.time.planning': ['…', '…'],
  'lessons.left': [(s, left) => `已經過 ${s} · 全部約剩 ${left}`, (s, left) => `${s} elapsed · about ${left} left in all`],
  'lessons.starting': ['啟動課程用的 WebGPU…', 'Starting WebGPU for the lesson…'],
  'lessons.loading': ['載入模型與課程資料…', 'Loading the model and the lesson data…'],
  'lessons.compiling': ['第一步要編譯 GPU 程式，在軟體 GPU 上要等一陣子…', 'The first step compiles GPU kernels; on a software GPU that takes a while…'],
  'lessons.training': [
    (arm, step, total, loss, left) => `訓練 ${arm}：第 ${step} / ${total} 步，損失 ${loss}${left ? ` · 這組約剩 ${left}` : ''}`,
    (arm, step, total, loss, left) => `Training ${arm}: step ${step} of ${total}, loss ${loss}${left ? ` · about ${left} left for this arm` : ''}`,
  ],
  'lessons.asking': [(arm, n) => `${arm} 正在回答 ${n} 個問題…`, (arm, n) => `${arm} is answering ${n} questions…`],
  'lessons.done': [
    (s, adapter) => `完成，共 ${s}（${adapter}）。`,
    (s, adapter) => `Done in ${s} (${adapter}).`,
  ],
  'lessons.software': ['軟體 GPU', 'software GPU'],
  'lessons.stopped': ['已停止。', 'Stopped.'],
  'lessons.failed': [(m) => `課程失敗：${m}`, (m) => `The lesson failed: ${m}`],
  'lessons.no_gpu': ['這個瀏覽器沒有 WebGPU，無法執行課程。', 'This browser has no WebGPU: lessons cannot run here.'],
  'lessons.elapsed': [(s) => `已經過 ${s}`, (s) => `${s} elapsed`],
  'lessons.run_title': [
    (title, seed, steps) => `${title} · 種子 ${seed} · ${steps}`,
    (title, seed, steps) => `${title} · seed ${seed} · ${steps}`,
  ],
  'lessons.steps': [(arm, n) => `${arm} ${n} 步`, (arm, n) => `${arm} ${n} steps`],
  'lessons.no_steps': [(arm) => `${arm}（不訓練）`, (arm) => `${arm} (not trained)`],
  'lessons.bad_spec': [(m) => `網址的 lesson-spec 不是 JSON 物件：${m}`, (m) => `The URL's lesson-spec is not a JSON object: ${m}`],
  'lessons.questions': [(n, pairs) => `${pairs} 組訓練問答、${n} 個提問`, (n, pairs) => `${pairs} training pairs, ${n} questions asked`],
  'lessons.reduced': [
    (s) => `網址指定了縮減的設定（${s}）：只用來試流程，數字不代表課程的結論。`,
    (s) => `The URL asks for reduced settings (${s}): good for trying the flow; the numbers say nothing about the lesson.`,
  ],
  'lessons.chart.step': ['步', 'step'],
  'lessons.chart.loss': ['損失', 'loss'],
};
extend(MESSAGES);

// What the tests read: window.yushan.lessons.
const state = {
  open: false,
  running: null,   // lesson id
  phase: 'idle',   // idle | starting | loading | training | asking | done | stopped | error
  points: {},      // arm -> [{step, loss}]
  spec: null,      // the spec of the last run, as the engine completed it
  plan: null,      // its arms: [{key, steps}] (steps null: the arm does not train)
  result: null,    // run_lesson's answer
  error: null,
  gpuErrors: [],
  adapter: null,
  timings: [],     // [{lesson, reduced, ms, firstStepMs}]
};

// --- the lesson worker ---------------------------------------------------------------------------
// A second engine worker (web/rpc.js), started by the first call; Stop ends it.
const engine = engineClient({ lazy: true });
const call = engine.call;
let onEvent = () => {};
engine.on('lesson-step', (_, data) => onEvent(data));
engine.on('gpu-error', (message) => {
  state.gpuErrors.push(message);
  console.error(`[yushan] WebGPU error in the lesson worker: ${message}`);
});

function stopWorker() {
  const stopped = new Error('stopped');
  stopped.stopped = true;
  engine.stop(stopped);
}

// --- files ------------------------------------------------------------------------------------------
const cache = new Map();
function fetchFile(path, kind) {
  const key = `${path}:${kind}`;
  if (!cache.has(key)) {
    const p = fetch(new URL(`../${path}`, import.meta.url)).then((res) => {
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
      return kind === 'bytes' ? res.arrayBuffer() : res.text();
    });
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return cache.get(key);
}

// --- settings from the URL ------------------------------------------------------------------------
const params = new URLSearchParams(location.search);
// {spec} or {error}: a lesson-spec that does not parse fails the run instead of being ignored.
function urlSpec() {
  const raw = params.get('lesson-spec');
  if (!raw) return { spec: null };
  try {
    const spec = JSON.parse(raw);
    if (spec && typeof spec === 'object' && !Array.isArray(spec)) return { spec };
    return { spec: null, error: JSON.stringify(spec) };
  } catch (e) {
    return { spec: null, error: e.message };
  }
}
const given = urlSpec();
const reduced = { spec: given.spec, specError: given.error ?? null, questions: Math.max(0, Number(params.get('lesson-questions')) || 0) };
const isReduced = () => reduced.spec !== null || reduced.questions > 0;

function seed() {
  const n = Number($('lesson-seed').value);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

function writeUrl(lessonId) {
  const url = new URL(location.href);
  if (lessonId) url.searchParams.set('lesson', lessonId);
  url.searchParams.set('lesson-seed', String(seed()));
  if (url.href !== location.href) history.replaceState(history.state, '', url.href);
}

// --- the chart ---------------------------------------------------------------------------------------
let chart = null;
let arms = [];

function chartData() {
  const max = Math.max(0, ...arms.map((a) => state.points[a]?.length ?? 0));
  const xs = Array.from({ length: max }, (_, i) => i + 1);
  return [xs, ...arms.map((a) => xs.map((x) => state.points[a]?.[x - 1]?.loss ?? null))];
}

function buildChart() {
  chart?.destroy();
  chart = null;
  const box = $('lesson-chart');
  if (!arms.length || box.hidden) return;
  chart = new uPlot({
    width: Math.max(320, box.clientWidth || 640),
    height: 240,
    scales: { x: { time: false } },
    axes: [{ label: t('lessons.chart.step'), incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] }, { label: t('lessons.chart.loss') }],
    series: [
      { label: t('lessons.chart.step') },
      ...arms.map((a, i) => ({ label: armLabel(state.running ?? state.result?.summary.lesson, a), stroke: armColor(a, i), width: 2, spanGaps: true, points: { size: 5 } })),
    ],
  }, chartData(), box);
}

let redraw = 0;
function updateChart() {
  if (!chart) { buildChart(); return; }
  // Many steps a second on a real GPU: draw at most once a frame.
  if (!redraw) redraw = requestAnimationFrame(() => { redraw = 0; chart?.setData(chartData()); });
}

// --- how long ----------------------------------------------------------------------------------------
// A lesson's time on this machine: its training steps (every arm's, from the engine's plan) at
// the median step measured here, plus its answers (each arm answers the held-out questions) at
// the time an answer took here. Both come from the last lesson run in this browser (kept in
// IndexedDB by step-times.js); before any, the step time of the studio's run on the same model
// stands in for the steps. Steps of longer examples (the translation pairs) take longer: an
// estimate, not a promise.
const plans = {};   // lesson id -> {steps, answers} at the panel's seed and the link's settings
const modelName = (lesson) => lesson.model.replace(/\/$/, ''); // as the studio names it
stepTimes.onChange(() => renderList());

// {stepMs, answerMs} for `lesson`'s model: a lesson run's, else the studio's step (answerMs
// null), else null.
function ratesOf(lesson) {
  const m = stepTimes.of(modelName(lesson));
  if (m.lessonStepMs > 0 && m.answerMs > 0) return { stepMs: m.lessonStepMs, answerMs: m.answerMs };
  if (m.studioStepMs > 0) return { stepMs: m.studioStepMs, answerMs: null };
  return null;
}

function timeText(lesson) {
  if (!('gpu' in navigator)) return t('lessons.no_gpu');
  const plan = plans[lesson.id];
  if (!plan) return t('lessons.time.planning');
  const rates = ratesOf(lesson);
  if (!rates) return t('lessons.time.unmeasured', plan.steps, plan.answers);
  const training = plan.steps * rates.stepMs;
  if (rates.answerMs === null) return t('lessons.time.studio', duration(training), plan.steps, duration(rates.stepMs), plan.answers);
  return t('lessons.time.measured', duration(training + plan.answers * rates.answerMs), plan.steps, duration(rates.stepMs), plan.answers, duration(rates.answerMs));
}

// Each lesson's plan (the engine's, in the lesson worker) and its questions (from the data files'
// lines), once, when the panel is first opened.
let planning = null;
function planAll() {
  planning ||= (async () => {
    await stepTimes.load();
    for (const lesson of LESSONS) {
      // The link's lesson-spec is written for one lesson: the others' plans go without it.
      const plan = await call('lessonPlan', { name: lesson.id, spec: { ...(reduced.spec || {}), seed: seed() } })
        .catch(() => call('lessonPlan', { name: lesson.id, spec: { seed: seed() } }));
      plans[lesson.id] = { steps: stepsOf(plan.arms), answers: plan.arms.length * await asks(lesson), keys: plan.arms.map((a) => a.key) };
      renderList();
      planned(lesson.id);
    }
  })().catch((e) => { planning = null; console.warn(`[yushan] lesson plans: ${e.message}`); });
  return planning;
}

const stepsOf = (arms) => arms.reduce((sum, a) => sum + (a.steps ?? 0), 0);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// How many questions each arm of `lesson` answers, from its files' lines (fetchFile caches them:
// the panel's plans and a run read each file once).
async function asks(lesson) {
  const texts = await Promise.all(lesson.files.map((f) => fetchFile(`${lesson.data}${f}`, 'text')));
  const lines = Object.fromEntries(lesson.files.map((f, i) => [f, texts[i].split('\n').filter((l) => l.trim()).length]));
  return lesson.asks(lines, reduced.questions);
}

// --- the list ---------------------------------------------------------------------------------------
function renderList() {
  const list = $('lesson-list');
  list.replaceChildren(...LESSONS.map((l) => {
    const links = el('span', { className: 'files' }, t('lessons.data'),
      ...l.files.flatMap((f, i) => [i ? ' · ' : '', el('a', { href: `${l.data}${f}`, target: '_blank', textContent: `${l.data}${f}` })]),
      ' · ', t('lessons.model'), el('a', { href: `${l.model}config.json`, target: '_blank', textContent: l.model }));
    const run = el('button', { type: 'button', className: 'lesson-run', textContent: t('lessons.run') });
    run.dataset.lesson = l.id;
    run.addEventListener('click', () => runLesson(l));
    // The question, then the result (shipped or live) with the live run beside it.
    return el('li', { className: 'lesson', id: `lesson-${l.id}`, dataset: { lesson: l.id } },
      el('h3', { textContent: t(`lessons.${l.id}.title`) }),
      el('p', { className: 'lesson-question', textContent: t(`lessons.${l.id}.question`) }),
      el('p', { className: 'hint' }, links),
      el('div', { className: 'lesson-actions' }, run, el('span', { className: 'hint time', textContent: timeText(l) })),
      outcomeBox(l.id));
  }));
  placeRunBox();
  updateButtons();
}

// A live run's progress (its title, status and loss chart) shows in the card of its lesson, above
// the result, and stays there after it; it hides while that card shows the shipped result
// instead of the live one.
let runAt = null; // the lesson of the last live run
let runBox = null;
function placeRunBox() {
  runBox ||= $('lesson-run');
  const card = runAt && $(`lesson-${runAt}`);
  if (!card) return;
  card.querySelector('.lesson-outcome').before(runBox);
  runBox.hidden = state.running !== runAt && hasLive(runAt) && showing(runAt) === 'shipped';
}

function updateButtons() {
  const gpu = 'gpu' in navigator;
  for (const b of document.querySelectorAll('.lesson-run')) b.disabled = !gpu || state.running !== null;
  $('lesson-stop').disabled = state.running === null;
  $('lesson-seed').disabled = state.running !== null;
}

// --- a run ------------------------------------------------------------------------------------------
const status = (render, cls = '') => show($('lesson-status'), render, cls);
const seconds = (ms) => (ms < 90_000 ? `${(ms / 1000).toFixed(0)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);
let ticker = null;

async function runLesson(lesson) {
  if (state.running) return;
  writeUrl(lesson.id);
  Object.assign(state, { running: lesson.id, phase: 'starting', points: {}, result: null, error: null });
  runAt = lesson.id;
  placeRunBox();
  updateButtons();
  arms = [];
  $('lesson-chart').hidden = false;
  chart?.destroy();
  chart = null;
  $('lesson-chart').replaceChildren();
  buildChart();
  const t0 = performance.now();
  let firstStepMs = null;
  // What is left of the whole run, estimated at `at` (see estimateLeft below).
  let left = null;
  const elapsed = () => {
    const now = performance.now();
    show($('lesson-elapsed'), () => (left === null ? t('lessons.elapsed', seconds(now - t0))
      : t('lessons.left', seconds(now - t0), duration(Math.max(0, left.ms - (now - left.at))))), '');
  };
  elapsed();
  ticker = setInterval(elapsed, 1000);
  try {
    if (reduced.specError) throw new Error(t('lessons.bad_spec', reduced.specError));
    status(() => t('lessons.starting'));
    const info = await call('init');
    state.adapter = info.adapter;
    const plan = await call('lessonPlan', { name: lesson.id, spec: { ...(reduced.spec || {}), seed: seed() } });
    const spec = plan.spec;
    state.spec = spec;
    state.plan = plan.arms;
    // Only arms that train draw a loss curve.
    arms = plan.arms.filter((a) => a.steps !== null).map((a) => a.key);
    buildChart();
    show($('lesson-run-title'), () => t('lessons.run_title', t(`lessons.${lesson.id}.title`), spec.seed,
      plan.arms.map((a) => (a.steps === null ? t('lessons.no_steps', armLabel(lesson.id, a.key))
        : t('lessons.steps', armLabel(lesson.id, a.key), a.steps))).join(' · ')));
    status(() => t('lessons.loading'));
    const [configJson, weights, tokenizerJson, ...texts] = await Promise.all([
      fetchFile(`${lesson.model}config.json`, 'text'), fetchFile(`${lesson.model}model.safetensors`, 'bytes'),
      fetchFile(`${lesson.model}tokenizer.json`, 'text'),
      ...lesson.files.map((f) => fetchFile(`${lesson.data}${f}`, 'text')),
    ]);
    const data = Object.fromEntries(lesson.files.map((f, i) => [f, texts[i]]));
    state.questions = await asks(lesson);
    const copy = weights.slice(0); // the cached bytes stay here; the copy moves to the worker
    state.phase = 'training';
    // This run's own rates: its steps and, when the control answers first, the time an answer
    // takes.
    const loadedAt = performance.now();
    const runSteps = [];
    let answerMs = null;
    const known = ratesOf(lesson);
    // The rest of the run after `done` steps of arm number `index`, at the best rates known.
    const estimateLeft = (index, done) => {
      const stepMs = runSteps.length ? median(runSteps) : known?.stepMs;
      const perAnswer = answerMs ?? known?.answerMs;
      if (!stepMs || !perAnswer) return null;
      const steps = stepsOf(plan.arms.slice(index)) - done;
      const answers = (plan.arms.length - index) * state.questions;
      return { ms: steps * stepMs + answers * perAnswer, at: performance.now() };
    };
    left = estimateLeft(0, 0);
    // An arm that does not train (the pretrained model as it is) starts by answering.
    const first = plan.arms[0];
    status(() => (first.steps === null ? t('lessons.asking', armLabel(lesson.id, first.key), state.questions) : t('lessons.compiling')));
    const recent = [];
    onEvent = (data) => {
      if (data.event !== 'lesson-step') return;
      const { arm, step } = data;
      const now = performance.now();
      if (firstStepMs === null) {
        firstStepMs = now - t0;
        // Until this step began, the control arm was answering its questions.
        if (plan.arms[0].steps === null && state.questions) answerMs = Math.max(0, now - loadedAt - step.step_ms) / state.questions;
      } else {
        runSteps.push(step.step_ms); // the run's first step compiles most kernels: left out
      }
      left = estimateLeft(plan.arms.findIndex((a) => a.key === arm), step.step);
      if (!arms.includes(arm)) { arms.push(arm); chart?.destroy(); chart = null; }
      (state.points[arm] ||= []).push({ step: step.step, loss: step.loss, step_ms: step.step_ms, at_ms: performance.now() - t0, pipelines: data.gpu?.pipelines });
      recent.push(step.step_ms);
      if (recent.length > 10) recent.shift();
      updateChart();
      const name = armLabel(lesson.id, arm);
      if (step.step === step.total_steps) {
        state.phase = 'asking';
        status(() => t('lessons.asking', name, state.questions ?? ''));
      } else {
        const left = step.step > 2 ? seconds(median(recent) * (step.total_steps - step.step)) : '';
        status(() => t('lessons.training', name, step.step, step.total_steps, step.loss.toFixed(3), left));
      }
    };
    const result = await call('lesson', {
      name: lesson.id,
      files: { config_json: configJson, tokenizer_json: tokenizerJson, data },
      weights: copy,
      spec,
      questions: reduced.questions,
    }, [copy]);
    state.result = result;
    state.phase = 'done';
    const ms = performance.now() - t0;
    const measured = { stepMs: runSteps.length ? median(runSteps) : null, answerMs };
    state.timings.push({ lesson: lesson.id, reduced: isReduced(), ms, firstStepMs, ...measured, adapter: info.adapter?.name, software: info.adapter?.software });
    // Reduced runs measure the same steps and answers: their rates hold for the full lessons.
    if (measured.stepMs && measured.answerMs) {
      stepTimes.record(modelName(lesson), { lessonStepMs: measured.stepMs, answerMs: measured.answerMs });
    }
    console.log(`[yushan] lesson ${lesson.id}${isReduced() ? ' (reduced)' : ''}: ${(ms / 1000).toFixed(1)} s, first step at ${((firstStepMs ?? 0) / 1000).toFixed(1)} s`);
    showLive(lesson.id, { summary: result.summary, seed: spec.seed, reduced: isReduced(), keys: plan.arms.map((a) => a.key) });
    const b = info.browserAdapter || {};
    const adapter = `${info.adapter?.name || [b.vendor, b.architecture, b.description].filter(Boolean).join(' / ') || 'WebGPU'}${info.adapter?.software ? `, ${t('lessons.software')}` : ''}`;
    status(() => t('lessons.done', seconds(ms), adapter), 'ok');
  } catch (e) {
    if (e.stopped) {
      state.phase = 'stopped';
      status(() => t('lessons.stopped'));
    } else {
      state.phase = 'error';
      state.error = e.message;
      console.error(`[yushan] lesson ${lesson.id}: ${e.message}`);
      status(() => t('lessons.failed', e.message), 'error');
      // A failed run may leave the engine in any state: the next run starts a fresh worker.
      stopWorker();
    }
  } finally {
    clearInterval(ticker);
    if (state.phase === 'done') show($('lesson-elapsed'), '', ''); else elapsed();
    onEvent = () => {};
    state.running = null;
    placeRunBox();
    updateButtons();
  }
}

function stop() {
  if (!state.running) return;
  stopWorker();
}

// --- start-up -----------------------------------------------------------------------------------------
export function initLessons() {
  const panel = $('lessons-panel');
  if (!panel) return;
  (window.yushan ||= {}).lessons = { state, LESSONS };
  const s = Number(params.get('lesson-seed'));
  if (params.has('lesson-seed') && Number.isInteger(s) && s >= 0) $('lesson-seed').value = String(s);
  $('lesson-seed').addEventListener('change', () => writeUrl(null));
  $('lesson-stop').addEventListener('click', stop);
  const details = $('lessons-details');
  details.addEventListener('toggle', () => {
    state.open = details.open;
    if (details.open && chart === null && arms.length) buildChart();
    // The shipped results need no GPU: every card shows its own at once.
    if (details.open) loadShipped(LESSONS.map((l) => l.id));
    if (details.open && 'gpu' in navigator) planAll();
  });
  configureResults({ planKeys: (id) => plans[id]?.keys ?? null, onShow: placeRunBox });
  if (reduced.specError) {
    $('lessons-reduced').hidden = false;
    show($('lessons-reduced'), () => t('lessons.bad_spec', reduced.specError), 'error');
  } else if (isReduced()) {
    $('lessons-reduced').hidden = false;
    const text = [reduced.spec ? JSON.stringify(reduced.spec) : '', reduced.questions ? `questions=${reduced.questions}` : ''].filter(Boolean).join(', ');
    show($('lessons-reduced'), () => t('lessons.reduced', text), 'note');
  }
  if (!('gpu' in navigator)) show($('lesson-status'), () => t('lessons.no_gpu'), 'error');
  renderList();
  onLangChange(() => {
    renderList();
    if (arms.length) buildChart();
    drawOutcomes();
  });
  new ResizeObserver(() => chart?.setSize({ width: Math.max(320, $('lesson-chart').clientWidth), height: 240 })).observe($('lesson-chart'));
  const wanted = params.get('lesson');
  if (wanted && LESSONS.some((l) => l.id === wanted)) {
    details.open = true;
    state.open = true;
    // Once the cards above it hold their results (they would push it down after).
    loadShipped(LESSONS.map((l) => l.id)).then(() => requestAnimationFrame(() => $(`lesson-${wanted}`)?.scrollIntoView({ block: 'start' })));
  }
}
