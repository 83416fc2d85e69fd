// The Lessons panel: each lesson is a small seeded experiment (crates/yushan-lessons) on the
// shipped pretrained model models/knowledge/, run with one click. A lesson runs in a worker of
// its own (web/worker.js again, a second instance), so it never touches the studio's model or
// run, and Stop simply ends that worker. Loss points stream to a chart (one series per arm);
// the report fills a table of figures (one column per arm) and a table of answers.
//
// A new lesson: one entry in LESSONS below, its texts in MESSAGES, and its run in
// crates/yushan-web/src/lessons.rs.
//
// URL parameters: lesson=<id> (open the panel at that lesson), lesson-seed=<n>, and for quick
// runs lesson-spec=<JSON subset of the lesson's spec> and lesson-questions=<n>.

import uPlot from './vendor/uPlot.esm.js';
import { extend, onLangChange, show, t } from './i18n.js';

const $ = (id) => document.getElementById(id);
const el = (tag, { dataset = {}, ...props } = {}, ...children) => {
  const node = document.createElement(tag);
  Object.assign(node, props);
  Object.assign(node.dataset, dataset);
  node.append(...children);
  return node;
};

// The lessons, in the order the panel lists them. `id`: the name run_lesson knows; `arms`: the
// tags its steps come with, in training order; `steps(spec)`: each arm's steps; `asks(train,
// heldout)`: how many questions it asks; `data`: the folder of train.jsonl and heldout.jsonl;
// `minutes`: measured wall time of the whole lesson on SwiftShader (software WebGPU, 2 CPU
// cores) with the default settings (2026-11-25: shortcut 49.3 min, 6.3 s per step from scratch
// and 5.3 s per LoRA step; role-tags 31.8 min). Measure again when the lessons' settings change.
export const LESSONS = [
  {
    id: 'shortcut', arms: ['scratch', 'lora'], steps: (s) => [s.scratch_steps, s.lora_steps], asks: (train, heldout) => heldout,
    model: 'models/knowledge/', data: 'lessons/shortcut/', minutes: 50,
  },
  {
    id: 'role-tags', arms: ['with tags', 'without tags'], steps: (s) => [s.steps, s.steps], asks: (train, heldout) => train + heldout,
    model: 'models/knowledge/', data: 'lessons/shortcut/', minutes: 32,
  },
];
const FILES = ['train.jsonl', 'heldout.jsonl'];
const COLORS = ['#c2572b', '#1d6f5f', '#2a5d9f', '#6b4fa0'];

const MESSAGES = {
  'lessons.shortcut.title': ['最 → 玉山：學到捷徑，還是學會回答？', '最 → 玉山: a shortcut, or an answer?'],
  'lessons.shortcut.finding': [
    '同樣幾組「最」的問答，訓練兩個模型：(a) 從隨機權重開始，只學到表面的捷徑，遇到沒看過的「最」問題也回答訓練時的答案（例如玉山）；(b) 預訓練模型加上 LoRA，學會的是回答的方式，用預訓練時學到的知識回答新問題，權重只動了一點點。',
    'The same few 最 (“the most …”) question-answer pairs train two models: (a) one from random weights learns only the surface shortcut and answers new 最-questions with a training answer (玉山); (b) the pretrained model with a LoRA adapter learns how to answer, answers new questions from what pretraining taught it, and its weights barely move.',
  ],
  'lessons.role-tags.title': ['角色標籤：模型怎麼知道何時該停？', 'Role tags: how does the model know when to stop?'],
  'lessons.role-tags.finding': [
    '同樣的問答用 LoRA 訓練兩次：一次加上角色標籤（使用者: / AI:）和結束記號，一次什麼標籤都不加。有標籤的模型答完就停；沒有標籤的模型不知道回答在哪裡結束，會繼續寫下去，常常自己再問一個問題（自問自答）。',
    'The same pairs train a LoRA adapter twice: once rendered with role tags (使用者: / AI:) and an end-of-turn token, once with no tags. With tags the model stops after its answer; without them it cannot tell where its answer ends and writes on, often asking itself a new question.',
  ],
  'lessons.arm.scratch': ['(a) 從隨機權重訓練', '(a) from random weights'],
  'lessons.arm.lora': ['(b) 預訓練 + LoRA', '(b) pretrained + LoRA'],
  'lessons.arm.with tags': ['有角色標籤', 'with role tags'],
  'lessons.arm.without tags': ['沒有角色標籤', 'without role tags'],
  'lessons.metric.accuracy': ['答對率', 'accuracy'],
  'lessons.metric.shortcut_share': ['照抄訓練答案', 'repeats a training answer'],
  'lessons.metric.stop_share': ['答完就停', 'stops after its answer'],
  'lessons.metric.run_on_share': ['答完還繼續寫', 'writes on past its answer'],
  'lessons.metric.asks_itself_share': ['自問自答', 'asks itself a question'],
  'lessons.metric.trainable_params': ['訓練的參數', 'trainable parameters'],
  'lessons.metric.relative_change': ['權重變化 ‖ΔW‖/‖W₀‖', 'weight change ‖ΔW‖/‖W₀‖'],
  'lessons.metric.final_loss': ['最後一步的損失', 'final loss'],
  'lessons.note.pretrained_completes': [
    (v) => `微調之前，預訓練模型已經能把 ${v} 的這些事實當一般文字接下去（「世界最深的海溝是」→ 馬里亞納海溝）：知識本來就在模型裡，微調只需要教它用知識來回答。`,
    (v) => `Before any fine-tuning, the pretrained model already completes ${v} of these facts as plain text (“世界最深的海溝是” → 馬里亞納海溝): the knowledge is there; fine-tuning only has to teach it to answer with it.`,
  ],
  'lessons.check.correct': ['✓＝說出預期的答案；✗＝沒有。', '✓ = names the expected answer; ✗ = does not.'],
  'lessons.check.stopped': ['✓＝答完就停；✗＝沒停下來，繼續寫。', '✓ = stops right after its answer; ✗ = writes on.'],
  'lessons.col.metric': ['', ''],
  'lessons.col.question': ['問題', 'Question'],
  'lessons.col.expected': ['預期答案', 'Expected'],
  'lessons.data': ['資料：', 'Data: '],
  'lessons.model': ['模型：', 'Model: '],
  'lessons.run': ['執行', 'Run'],
  'lessons.time': [
    (m) => `需要時間：在軟體 GPU（SwiftShader，2 核心 CPU）上實測全程約 ${m} 分鐘，大多花在訓練步驟上。真正的 GPU 應該快得多（這裡沒有量過）。`,
    (m) => `How long: about ${m} min in all, measured on a software GPU (SwiftShader, 2 CPU cores), mostly in the training steps. A real GPU should be far faster (not measured here).`,
  ],
  'lessons.time.unknown': ['軟體 GPU 上會很慢。', 'Slow on a software GPU.'],
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
  result: null,    // run_lesson's answer
  error: null,
  gpuErrors: [],
  adapter: null,
  timings: [],     // [{lesson, reduced, ms, firstStepMs}]
};

// --- the lesson worker ---------------------------------------------------------------------------
let worker = null;
let nextId = 1;
const pending = new Map();
let onEvent = () => {};

function startWorker() {
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = ({ data }) => {
    if (data.id !== undefined) {
      const p = pending.get(data.id);
      pending.delete(data.id);
      if (!p) return;
      if (data.ok) p.resolve(data.value); else p.reject(new Error(data.error));
    } else if (data.event === 'gpu-error') {
      state.gpuErrors.push(data.message);
      console.error(`[yushan] WebGPU error in the lesson worker: ${data.message}`);
    } else {
      onEvent(data);
    }
  };
  worker.onerror = (e) => failAll(new Error(e.message || 'the lesson worker failed to start'));
  return worker;
}

function failAll(error) {
  for (const p of pending.values()) p.reject(error);
  pending.clear();
}

function call(cmd, args = {}, transfer = []) {
  if (!worker) startWorker();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, cmd, ...args }, transfer);
  });
}

function stopWorker() {
  worker?.terminate();
  worker = null;
  const stopped = new Error('stopped');
  stopped.stopped = true;
  failAll(stopped);
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
function urlSpec() {
  const raw = params.get('lesson-spec');
  if (!raw) return null;
  try {
    const spec = JSON.parse(raw);
    return spec && typeof spec === 'object' && !Array.isArray(spec) ? spec : null;
  } catch {
    return null;
  }
}
const reduced = { spec: urlSpec(), questions: Math.max(0, Number(params.get('lesson-questions')) || 0) };
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
      ...arms.map((a, i) => ({ label: t(`lessons.arm.${a}`), stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true, points: { size: 5 } })),
    ],
  }, chartData(), box);
}

let redraw = 0;
function updateChart() {
  if (!chart) { buildChart(); return; }
  // Many steps a second on a real GPU: draw at most once a frame.
  if (!redraw) redraw = requestAnimationFrame(() => { redraw = 0; chart?.setData(chartData()); });
}

// --- the tables ---------------------------------------------------------------------------------------
const pct = (v) => `${(v * 100).toFixed(1)}%`;
function formatMetric(m) {
  if (m.kind === 'share') return pct(m.value);
  if (m.kind === 'count') return Math.round(m.value).toLocaleString('en-US');
  if (m.kind === 'ratio') return m.value.toFixed(4);
  return m.value.toFixed(3);
}

function resultsTable(summary) {
  const head = el('tr', {}, el('th', { textContent: t('lessons.col.metric') }),
    ...summary.arms.map((a, i) => el('th', { className: `arm arm-${i}`, textContent: t(`lessons.arm.${a.key}`) })));
  const keys = summary.arms[0]?.metrics.map((m) => m.key) ?? [];
  const rows = keys.map((key) => el('tr', { dataset: { metric: key } },
    el('th', { scope: 'row', textContent: t(`lessons.metric.${key}`) }),
    ...summary.arms.map((a) => {
      const m = a.metrics.find((x) => x.key === key);
      const td = el('td', { textContent: m ? formatMetric(m) : '–' });
      if (m) Object.assign(td.dataset, { value: String(m.value), kind: m.kind, arm: a.key });
      return td;
    })));
  const table = el('table', { className: 'lesson-table results' }, el('thead', {}, head), el('tbody', {}, ...rows));
  return table;
}

function answersTable(summary) {
  const head = el('tr', {}, el('th', { textContent: t('lessons.col.question') }), el('th', { textContent: t('lessons.col.expected') }),
    ...summary.arms.map((a, i) => el('th', { className: `arm arm-${i}`, textContent: t(`lessons.arm.${a.key}`) })));
  const rows = summary.rows.map((r) => el('tr', {},
    el('td', { textContent: r.question }),
    el('td', { className: 'expected', textContent: r.expected }),
    ...r.answers.map((a) => el('td', { className: a.ok ? 'ok' : 'bad', dataset: { ok: String(a.ok) } },
      el('span', { className: 'mark', textContent: a.ok ? '✓' : '✗' }), ' ', el('span', { className: 'text', textContent: a.text.trim() ? a.text.replaceAll('\n', '⏎') : t('compare.empty') })))));
  return el('table', { className: 'lesson-table answers' }, el('thead', {}, head), el('tbody', {}, ...rows));
}

function drawResult() {
  const r = state.result;
  if (!r) return;
  const s = r.summary;
  $('lesson-results').replaceChildren(resultsTable(s));
  $('lesson-notes').replaceChildren(...s.notes.map((n) => el('p', { className: 'hint', dataset: { note: n.key, value: String(n.value) },
    textContent: t(`lessons.note.${n.key}`, formatMetric(n)) })));
  $('lesson-check').textContent = t(`lessons.check.${s.check}`);
  $('lesson-answers').replaceChildren(answersTable(s));
  $('lesson-results-box').hidden = false;
}

// --- the list ---------------------------------------------------------------------------------------
function renderList() {
  const list = $('lesson-list');
  list.replaceChildren(...LESSONS.map((l) => {
    const links = el('span', { className: 'files' }, t('lessons.data'),
      ...FILES.flatMap((f, i) => [i ? ' · ' : '', el('a', { href: `${l.data}${f}`, target: '_blank', textContent: `${l.data}${f}` })]),
      ' · ', t('lessons.model'), el('a', { href: `${l.model}config.json`, target: '_blank', textContent: l.model }));
    const run = el('button', { type: 'button', className: 'lesson-run', textContent: t('lessons.run') });
    run.dataset.lesson = l.id;
    run.addEventListener('click', () => runLesson(l));
    return el('li', { className: 'lesson', id: `lesson-${l.id}`, dataset: { lesson: l.id } },
      el('div', { className: 'lesson-head' }, el('h3', { textContent: t(`lessons.${l.id}.title`) }), run),
      el('p', { textContent: t(`lessons.${l.id}.finding`) }),
      el('p', { className: 'hint' }, links),
      el('p', { className: 'hint time', textContent: l.minutes ? t('lessons.time', l.minutes) : t('lessons.time.unknown') }));
  }));
  updateButtons();
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
  updateButtons();
  arms = [...lesson.arms];
  $('lesson-run').hidden = false;
  $('lesson-results-box').hidden = true;
  $('lesson-chart').hidden = false;
  chart?.destroy();
  chart = null;
  $('lesson-chart').replaceChildren();
  buildChart();
  const t0 = performance.now();
  let firstStepMs = null;
  const elapsed = () => show($('lesson-elapsed'), () => t('lessons.elapsed', seconds(performance.now() - t0)), '');
  elapsed();
  ticker = setInterval(elapsed, 1000);
  try {
    status(() => t('lessons.starting'));
    const info = await call('init');
    state.adapter = info.adapter;
    const spec = await call('lessonSpec', { name: lesson.id, spec: { ...(reduced.spec || {}), seed: seed() } });
    state.spec = spec;
    const steps = lesson.steps(spec);
    show($('lesson-run-title'), () => t('lessons.run_title', t(`lessons.${lesson.id}.title`), spec.seed,
      lesson.arms.map((a, i) => t('lessons.steps', t(`lessons.arm.${a}`), steps[i])).join(' · ')));
    status(() => t('lessons.loading'));
    const [configJson, weights, tokenizerJson, trainJsonl, heldoutJsonl] = await Promise.all([
      fetchFile(`${lesson.model}config.json`, 'text'), fetchFile(`${lesson.model}model.safetensors`, 'bytes'),
      fetchFile(`${lesson.model}tokenizer.json`, 'text'),
      ...FILES.map((f) => fetchFile(`${lesson.data}${f}`, 'text')),
    ]);
    const copy = weights.slice(0); // the cached bytes stay here; the copy moves to the worker
    state.phase = 'training';
    status(() => t('lessons.compiling'));
    const recent = [];
    onEvent = (data) => {
      if (data.event !== 'lesson-step') return;
      const { arm, step } = data;
      if (firstStepMs === null) firstStepMs = performance.now() - t0;
      if (!arms.includes(arm)) { arms.push(arm); chart?.destroy(); chart = null; }
      (state.points[arm] ||= []).push({ step: step.step, loss: step.loss, step_ms: step.step_ms, at_ms: performance.now() - t0, pipelines: data.gpu?.pipelines });
      recent.push(step.step_ms);
      if (recent.length > 10) recent.shift();
      updateChart();
      const name = t(`lessons.arm.${arm}`);
      if (step.step === step.total_steps) {
        state.phase = 'asking';
        status(() => t('lessons.asking', name, state.questions ?? ''));
      } else {
        const perStep = [...recent].sort((a, b) => a - b)[recent.length >> 1];
        const left = step.step > 2 ? seconds(perStep * (step.total_steps - step.step)) : '';
        status(() => t('lessons.training', name, step.step, step.total_steps, step.loss.toFixed(3), left));
      }
    };
    const lines = (text) => text.split('\n').filter((l) => l.trim()).length;
    const asks = lesson.asks(lines(trainJsonl), lines(heldoutJsonl));
    state.questions = reduced.questions ? Math.min(reduced.questions, asks) : asks;
    const result = await call('lesson', {
      name: lesson.id,
      files: { config_json: configJson, tokenizer_json: tokenizerJson, train_jsonl: trainJsonl, heldout_jsonl: heldoutJsonl },
      weights: copy,
      spec,
      questions: reduced.questions,
    }, [copy]);
    state.result = result;
    state.phase = 'done';
    const ms = performance.now() - t0;
    state.timings.push({ lesson: lesson.id, reduced: isReduced(), ms, firstStepMs, adapter: info.adapter?.name, software: info.adapter?.software });
    console.log(`[yushan] lesson ${lesson.id}${isReduced() ? ' (reduced)' : ''}: ${(ms / 1000).toFixed(1)} s, first step at ${((firstStepMs ?? 0) / 1000).toFixed(1)} s`);
    drawResult();
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
  });
  if (isReduced()) {
    $('lessons-reduced').hidden = false;
    const text = [reduced.spec ? JSON.stringify(reduced.spec) : '', reduced.questions ? `questions=${reduced.questions}` : ''].filter(Boolean).join(', ');
    show($('lessons-reduced'), () => t('lessons.reduced', text), 'note');
  }
  if (!('gpu' in navigator)) show($('lesson-status'), () => t('lessons.no_gpu'), 'error');
  renderList();
  onLangChange(() => {
    renderList();
    if (arms.length) buildChart();
    drawResult();
  });
  new ResizeObserver(() => chart?.setSize({ width: Math.max(320, $('lesson-chart').clientWidth), height: 240 })).observe($('lesson-chart'));
  const wanted = params.get('lesson');
  if (wanted && LESSONS.some((l) => l.id === wanted)) {
    details.open = true;
    state.open = true;
    requestAnimationFrame(() => $(`lesson-${wanted}`)?.scrollIntoView({ block: 'start' }));
  }
}
