// A lesson's result as its card shows it: the finding, stated against the control arm (the
// pretrained model, not fine-tuned), a column of figures per arm, the notes, the curves and every
// answer. A card first shows the result computed beforehand on a CPU by the command line
// (lessons/results/NAME.json: `yushan lesson NAME --backend cpu --seed 0 --json` without its
// report, written by scripts/precompute-lessons.sh), fetched when the panel opens, because on a
// software GPU a full lesson takes hours and a class should see the result at once. A live run in
// this browser replaces it for that lesson; the other one can be brought back. The page knows no
// figure: a finding is a sentence around the summary's own numbers.

import uPlot from './vendor/uPlot.esm.js';
import { extend, t } from './i18n.js';

export const el = (tag, { dataset = {}, ...props } = {}, ...children) => {
  const node = document.createElement(tag);
  Object.assign(node, props);
  Object.assign(node.dataset, dataset);
  node.append(...children);
  return node;
};

// An arm's colour, the same in the charts and the tables (.arm-N in style.css): by its place among
// all the lesson's arms (`keys`: the engine's plan, arms that do not train included), else by its
// place in the summary. The first is every lesson's control arm (the untuned model), in grey.
const COLORS = ['#5f5f5f', '#c2572b', '#1d6f5f', '#2a5d9f', '#6b4fa0'];
export const placeIn = (keys, key, i) => {
  const place = keys?.indexOf(key) ?? -1;
  return (place >= 0 ? place : i) % COLORS.length;
};
export const colorAt = (place) => COLORS[place];

const MESSAGES = {
  'lessons.run': ['在這台機器上跑一次', 'Run it live here'],
  'lessons.shipped': [
    (seed) => `事先用命令列在 CPU 上算好（種子 ${seed}，這一課的完整設定）：`,
    (seed) => `Computed beforehand with the command line on a CPU (seed ${seed}, the lesson's full settings): `,
  ],
  'lessons.shipped.loading': ['載入事先算好的結果…', 'Loading the result computed beforehand…'],
  'lessons.shipped.missing': [
    (file, why) => `沒有事先算好的結果可以顯示（${file}：${why}）；可以在這台機器上跑一次。`,
    (file, why) => `No result computed beforehand to show (${file}: ${why}); run it live here.`,
  ],
  'lessons.shipped.other': ['不是這一課的結果', 'not a result of this lesson'],
  'lessons.live': [
    (seed, reduced) => `在這台機器上跑的結果（種子 ${seed}${reduced ? '，網址的縮減設定' : '，這一課的完整設定'}）。`,
    (seed, reduced) => `Run live here, in this browser (seed ${seed}, ${reduced ? 'the link’s reduced settings' : 'the lesson’s full settings'}).`,
  ],
  'lessons.show_shipped': ['改看事先算好的結果', 'Show the result computed beforehand'],
  'lessons.show_live': ['改看在這裡跑的結果', 'Show the live result'],
  'lessons.finding': ['結果：', 'Finding: '],
  'lessons.answers': [(n) => `每一組的回答（${n} 題）`, (n) => `Each arm’s answers (${n} questions)`],

  // The findings: `f(arm, key)` is that arm's figure as the table shows it, `f.note(key)` a note's.
  'lessons.shortcut.result': [
    (f) => `不微調的模型答對 ${f('untuned', 'accuracy')}，但答對並且答完就停的只有 ${f('untuned', 'right_and_stops')}。(b) 預訓練 + LoRA：答對並且答完就停 ${f('lora', 'right_and_stops')}，換個問法 ${f('lora', 'paraphrase_right_and_stops')}，照抄訓練答案 ${f('lora', 'shortcut_share')}。(a) 從隨機權重訓練：答對 ${f('scratch', 'accuracy')}，照抄訓練答案 ${f('scratch', 'shortcut_share')}。`,
    (f) => `Untuned, the model is right ${f('untuned', 'accuracy')} of the time, but right and stopping after its answer only ${f('untuned', 'right_and_stops')}. (b) Pretrained + LoRA: right and stops ${f('lora', 'right_and_stops')}, asked in other words ${f('lora', 'paraphrase_right_and_stops')}; repeats a training answer ${f('lora', 'shortcut_share')}. (a) From random weights: right ${f('scratch', 'accuracy')}, repeats a training answer ${f('scratch', 'shortcut_share')}.`,
  ],
  'lessons.role-tags.result': [
    (f) => `答完就停：不微調 ${f('untuned', 'stop_share')}，有角色標籤 ${f('with tags', 'stop_share')}，沒有角色標籤 ${f('without tags', 'stop_share')}（沒有標籤的答完還繼續寫 ${f('without tags', 'run_on_share')}）。答對：不微調 ${f('untuned', 'accuracy')}，有標籤 ${f('with tags', 'accuracy')}，沒有標籤 ${f('without tags', 'accuracy')}。`,
    (f) => `Stops after its answer: untuned ${f('untuned', 'stop_share')}, with role tags ${f('with tags', 'stop_share')}, without ${f('without tags', 'stop_share')} (without tags it writes on ${f('without tags', 'run_on_share')}). Right: untuned ${f('untuned', 'accuracy')}, with tags ${f('with tags', 'accuracy')}, without ${f('without tags', 'accuracy')}.`,
  ],
  'lessons.lora-vs-full.result': [
    (f) => `答對並且答完就停：不微調 ${f('untuned', 'right_and_stops')}，LoRA ${f('lora', 'right_and_stops')}，全參數 ${f('full', 'right_and_stops')}；照抄訓練答案：LoRA ${f('lora', 'shortcut_share')}，全參數 ${f('full', 'shortcut_share')}。全參數訓練 ${f('full', 'trainable_params')} 個參數、記憶體 ${f('full', 'memory')}（LoRA：${f('lora', 'trainable_params')} 個、${f('lora', 'memory')}）。還能把事實當一般文字接下去：不微調 ${f('untuned', 'completes')}，LoRA ${f('lora', 'completes')}，全參數 ${f('full', 'completes')}。`,
    (f) => `Right and stops: untuned ${f('untuned', 'right_and_stops')}, LoRA ${f('lora', 'right_and_stops')}, every weight ${f('full', 'right_and_stops')}; repeats a training answer: LoRA ${f('lora', 'shortcut_share')}, every weight ${f('full', 'shortcut_share')}. Full fine-tuning trains ${f('full', 'trainable_params')} parameters in ${f('full', 'memory')} (LoRA: ${f('lora', 'trainable_params')} in ${f('lora', 'memory')}). Still completes the facts as plain text: untuned ${f('untuned', 'completes')}, LoRA ${f('lora', 'completes')}, every weight ${f('full', 'completes')}.`,
  ],
  'lessons.transfer.result': [
    (f) => `用中文問沒教過的事實，答對並且答完就停：不微調 ${f('untuned', 'right_and_stops')}，用英文問答教 ${f('english', 'right_and_stops')}，用中文問答教 ${f('chinese', 'right_and_stops')}。英文教的用中文回答 ${f('english', 'chinese_share')}；中文教的照抄訓練答案 ${f('chinese', 'shortcut_share')}。`,
    (f) => `Asked in Chinese about facts it was not taught, right and stops: untuned ${f('untuned', 'right_and_stops')}, taught in English ${f('english', 'right_and_stops')}, taught in Chinese ${f('chinese', 'right_and_stops')}. Taught in English, it answers in Chinese ${f('english', 'chinese_share')}; taught in Chinese, it repeats a training answer ${f('chinese', 'shortcut_share')}.`,
  ],
  'lessons.specialists.result': [
    (f) => `翻譯完全正確：不微調 ${f('untuned', 'translate_exact')}，翻譯專家 ${f('translator', 'translate_exact')}，改錯專家 ${f('editor', 'translate_exact')}，通才 ${f('generalist', 'translate_exact')}。改量詞完全正確：不微調 ${f('untuned', 'edit_exact')}，翻譯專家 ${f('translator', 'edit_exact')}，改錯專家 ${f('editor', 'edit_exact')}，通才 ${f('generalist', 'edit_exact')}。沒學過的組合（翻譯問句）：通才完全正確 ${f('generalist', 'composite_exact')}，相似度 ${f('generalist', 'composite_similarity')}（不微調 ${f('untuned', 'composite_similarity')}）。`,
    (f) => `Translation exactly right: untuned ${f('untuned', 'translate_exact')}, translator ${f('translator', 'translate_exact')}, editor ${f('editor', 'translate_exact')}, generalist ${f('generalist', 'translate_exact')}. Editing exactly right: untuned ${f('untuned', 'edit_exact')}, translator ${f('translator', 'edit_exact')}, editor ${f('editor', 'edit_exact')}, generalist ${f('generalist', 'edit_exact')}. The composite none was taught (translating a question): the generalist is exactly right ${f('generalist', 'composite_exact')}, similarity ${f('generalist', 'composite_similarity')} (untuned ${f('untuned', 'composite_similarity')}).`,
  ],
  'lessons.forgetting.result': [
    (f) => `剛學完 A，A 完全正確 ${f.note('a_after_a_exact')}。學完 B 之後，A 完全正確：不微調 ${f('untuned', 'a_after_b_exact')}，只學 B ${f('sequential', 'a_after_b_exact')}，複習 ${f('replay', 'a_after_b_exact')}，自我複習 ${f('self-replay', 'a_after_b_exact')}；B 完全正確：不微調 ${f('untuned', 'b_exact')}，只學 B ${f('sequential', 'b_exact')}，複習 ${f('replay', 'b_exact')}，自我複習 ${f('self-replay', 'b_exact')}。`,
    (f) => `Right after A, task A is exactly right ${f.note('a_after_a_exact')}. After B, task A exactly right: untuned ${f('untuned', 'a_after_b_exact')}, B alone ${f('sequential', 'a_after_b_exact')}, replay ${f('replay', 'a_after_b_exact')}, self-replay ${f('self-replay', 'a_after_b_exact')}; task B exactly right: untuned ${f('untuned', 'b_exact')}, B alone ${f('sequential', 'b_exact')}, replay ${f('replay', 'b_exact')}, self-replay ${f('self-replay', 'b_exact')}.`,
  ],

  // Arms, figures, notes, curves and columns, by the keys of the summary.
  'lessons.arm.scratch': ['(a) 從隨機權重訓練', '(a) from random weights'],
  'lessons.arm.lora': ['(b) 預訓練 + LoRA', '(b) pretrained + LoRA'],
  'lessons.arm.with tags': ['有角色標籤', 'with role tags'],
  'lessons.arm.without tags': ['沒有角色標籤', 'without role tags'],
  'lessons.lora-vs-full.arm.lora': ['LoRA（r=8，q、k、v、o）', 'LoRA (r=8; q, k, v, o)'],
  'lessons.arm.full': ['全參數微調', 'full fine-tuning'],
  'lessons.arm.untuned': ['不微調', 'no fine-tuning'],
  'lessons.arm.english': ['LoRA：英文問答', 'LoRA on English pairs'],
  'lessons.arm.chinese': ['LoRA：中文問答', 'LoRA on Chinese pairs'],
  'lessons.arm.translator': ['翻譯專家（只學翻譯）', 'translator (translation only)'],
  'lessons.arm.editor': ['改錯專家（只學改量詞）', 'editor (editing only)'],
  'lessons.arm.generalist': ['通才（兩種都學）', 'generalist (both tasks)'],
  'lessons.arm.task-a': ['任務 A：改量詞', 'task A: editing'],
  'lessons.arm.sequential': ['只學 B', 'B alone (sequential)'],
  'lessons.arm.replay': ['B＋存下的 A（複習）', 'B + stored A pairs (replay)'],
  'lessons.arm.self-replay': ['B＋自己寫的 A（自我複習）', 'B + self-written A (self-replay)'],
  'lessons.metric.accuracy': ['答對率（第一句說出答案）', 'right (first sentence names the answer)'],
  'lessons.metric.right_and_stops': ['答對並且答完就停', 'right, and stops after it'],
  'lessons.metric.shortcut_share': ['照抄訓練答案', 'repeats a training answer'],
  'lessons.metric.stop_share': ['答完就停', 'stops after its answer'],
  'lessons.metric.run_on_share': ['答完還繼續寫', 'writes on past its answer'],
  'lessons.metric.asks_itself_share': ['自問自答', 'asks itself a question'],
  'lessons.metric.trainable_params': ['訓練的參數', 'trainable parameters'],
  'lessons.metric.median_step_ms': ['每步時間（中位數）', 'median step time'],
  'lessons.metric.memory': ['訓練記憶體：f32 權重＋可訓練權重的梯度與 AdamW 兩個動量（不含激活值）', 'training memory: f32 weights + gradients and AdamW’s two moments of the trainable ones (activations not counted)'],
  'lessons.metric.completes': ['還能把事實當一般文字接下去', 'still completes the facts as plain text'],
  'lessons.metric.paraphrase_accuracy': ['換個問法：答對', 'asked in other words: right'],
  'lessons.metric.paraphrase_right_and_stops': ['換個問法：答對並且答完就停', 'asked in other words: right, and stops'],
  'lessons.metric.chinese_share': ['用中文回答', 'answers in Chinese'],
  'lessons.metric.relative_change': ['權重變化 ‖ΔW‖/‖W₀‖', 'weight change ‖ΔW‖/‖W₀‖'],
  'lessons.metric.final_loss': ['最後一步的損失', 'final loss'],
  'lessons.metric.translate_exact': ['翻譯：完全正確', 'translation: exactly right'],
  'lessons.metric.translate_similarity': ['翻譯：相似度', 'translation: similarity'],
  'lessons.metric.edit_exact': ['改量詞：完全正確', 'editing: exactly right'],
  'lessons.metric.edit_similarity': ['改量詞：相似度', 'editing: similarity'],
  'lessons.metric.composite_exact': ['翻譯問句（沒學過的組合）：完全正確', 'translating a question (never taught): exactly right'],
  'lessons.metric.composite_similarity': ['翻譯問句：相似度', 'translating a question: similarity'],
  'lessons.metric.train_pairs': ['訓練問答組數', 'training pairs'],
  'lessons.metric.a_after_b_exact': ['最後，任務 A：完全正確', 'task A at the end: exactly right'],
  'lessons.metric.a_after_b_similarity': ['最後，任務 A：相似度', 'task A at the end: similarity'],
  'lessons.metric.b_exact': ['任務 B（翻譯）：完全正確', 'task B (translation): exactly right'],
  'lessons.metric.b_similarity': ['任務 B：相似度', 'task B: similarity'],
  'lessons.metric.replayed': ['混進 B 的 A 範例', 'A examples mixed into B'],
  'lessons.note.pretrained_completes': [
    (v) => `微調之前，預訓練模型已經能把 ${v} 的這些事實當一般文字接下去（「世界最深的海溝是」→ 馬里亞納海溝）：知識本來就在模型裡，微調只需要教它用知識來回答。`,
    (v) => `Before any fine-tuning, the pretrained model already completes ${v} of these facts as plain text (“世界最深的海溝是” → 馬里亞納海溝): the knowledge is there; fine-tuning only has to teach it to answer with it.`,
  ],
  'lessons.lora-vs-full.note.pretrained_completes': [
    (v) => `微調之前，預訓練模型能把 ${v} 的這些事實當一般文字接下去（「世界最深的海溝是」→ 馬里亞納海溝）；「還能把事實當一般文字接下去」那一列是每一組微調後還留下多少。`,
    (v) => `Before fine-tuning, the pretrained model completes ${v} of these facts as plain text (“世界最深的海溝是” → 馬里亞納海溝); the row “still completes the facts as plain text” is how much of that each arm keeps.`,
  ],
  'lessons.forgetting.note.a_after_a_exact': [
    (v) => `剛學完任務 A，A 的留存題目有 ${v} 完全改對：每一組的曲線都從這裡開始（B 的第 0 步）。`,
    (v) => `Right after task A, ${v} of A’s held-out edits are exactly right: every arm’s curve starts there (B’s step 0).`,
  ],
  'lessons.forgetting.note.b_after_a_exact': [
    (v) => `還沒訓練 B 時，B 的留存詞組翻得完全正確的有 ${v}。`,
    (v) => `Before any training on B, ${v} of B’s held-out phrases are translated exactly right.`,
  ],
  'lessons.forgetting.note.self_written': [
    (v) => `自我複習不存 A 的任何資料：剛學完 A 時，只給模型 A 的指令“Fix the measure word: ”，它自己寫了 ${v} 組範例（先出題，再回答），B 訓練時就拿這些來複習。其中幾組（題目 → 它的回答）：`,
    (v) => `Self-replay stores nothing of A: right after A, given only A’s instruction “Fix the measure word: ”, the model wrote ${v} examples itself (a question, then its answer), and rehearses those while B trains. A few of them (question → its answer):`,
  ],
  'lessons.forgetting.curve.title': ['訓練 B 的時候，任務 A 的留存題目完全改對的比例', 'Task A while B trains: held-out edits exactly right'],
  'lessons.forgetting.curve.x': ['B 的訓練步數', 'step of B'],
  'lessons.forgetting.curve.y': ['任務 A 完全正確', 'task A exactly right'],
  'lessons.curve.title': ['', ''],
  'lessons.curve.x': ['步', 'step'],
  'lessons.curve.y': ['', ''],
  'lessons.check.exact': [
    '✓＝和預期答案一字不差；✗＝不是。相似度＝1 −（字元編輯距離 ÷ 較長那一個的長度）的平均：答得很接近也有部分分數，做錯了任務的答案則接近 0。',
    '✓ = exactly the expected text; ✗ = anything else. Similarity = 1 − (character edit distance ÷ the longer one’s length), averaged: partial credit for a near miss, close to 0 for an answer to another task.',
  ],
  'lessons.check.correct': ['✓＝第一句就說出預期的答案；✗＝沒有。', '✓ = its first sentence names the expected answer; ✗ = it does not.'],
  'lessons.check.correct_either': ['✓＝第一句就說出預期的答案（中文或英文名稱都算）；✗＝沒有。', '✓ = its first sentence names the expected answer (its Chinese or English name); ✗ = it does not.'],
  'lessons.check.stopped': ['✓＝答完就停；✗＝沒停下來，繼續寫。', '✓ = stops right after its answer; ✗ = writes on.'],
  'lessons.col.metric': ['', ''],
  'lessons.col.question': ['問題', 'Question'],
  'lessons.col.expected': ['預期答案', 'Expected'],
};
extend(MESSAGES);

// A text of the lessons (`arm.<key>`, `note.<key>`): the lesson's own wording when it has one,
// else the shared one.
export function lessonText(lessonId, suffix, ...args) {
  const own = `lessons.${lessonId}.${suffix}`;
  return t(own) !== own ? t(own, ...args) : t(`lessons.${suffix}`, ...args);
}
export const armLabel = (lessonId, key) => lessonText(lessonId, `arm.${key}`);

// --- the tables ---------------------------------------------------------------------------------------
const pct = (v) => `${(v * 100).toFixed(1)}%`;
export function formatMetric(m) {
  if (m.kind === 'share') return pct(m.value);
  if (m.kind === 'score') return m.value.toFixed(2);
  if (m.kind === 'count') return Math.round(m.value).toLocaleString('en-US');
  if (m.kind === 'ratio') return m.value.toFixed(4);
  if (m.kind === 'ms') return `${m.value.toFixed(1)} ms`;
  if (m.kind === 'bytes') return `${(m.value / 1e6).toFixed(2)} MB`;
  return m.value.toFixed(3);
}

const armHeads = (summary, place) => summary.arms.map((a, i) =>
  el('th', { className: `arm arm-${place(a.key, i)}`, textContent: armLabel(summary.lesson, a.key) }));

function resultsTable(summary, place) {
  const head = el('tr', {}, el('th', { textContent: t('lessons.col.metric') }), ...armHeads(summary, place));
  // Every figure any arm has, in order (an arm that does not train has no loss: '–').
  const keys = [...new Set(summary.arms.flatMap((a) => a.metrics.map((m) => m.key)))];
  const rows = keys.map((key) => el('tr', { dataset: { metric: key } },
    el('th', { scope: 'row', textContent: t(`lessons.metric.${key}`) }),
    ...summary.arms.map((a) => {
      const m = a.metrics.find((x) => x.key === key);
      const td = el('td', { textContent: m ? formatMetric(m) : '–' });
      if (m) Object.assign(td.dataset, { value: String(m.value), kind: m.kind, arm: a.key });
      return td;
    })));
  return el('table', { className: 'lesson-table results' }, el('thead', {}, head), el('tbody', {}, ...rows));
}

function answersTable(summary, place) {
  const head = el('tr', {}, el('th', { textContent: t('lessons.col.question') }), el('th', { textContent: t('lessons.col.expected') }),
    ...armHeads(summary, place));
  const rows = summary.rows.map((r) => el('tr', {},
    el('td', { textContent: r.question }),
    el('td', { className: 'expected', textContent: r.expected }),
    ...r.answers.map((a) => el('td', { className: a.ok ? 'ok' : 'bad', dataset: { ok: String(a.ok) } },
      el('span', { className: 'mark', textContent: a.ok ? '✓' : '✗' }), ' ', el('span', { className: 'text', textContent: a.text.trim() ? a.text.replaceAll('\n', '⏎') : t('compare.empty') })))));
  return el('table', { className: 'lesson-table answers' }, el('thead', {}, head), el('tbody', {}, ...rows));
}

// Pairs a lesson lists under its notes (the forgetting lesson: what the model wrote itself).
function examplesList(summary) {
  if (!summary.examples?.length) return [];
  return [el('ul', { className: 'lesson-examples' }, ...summary.examples.map((e) => el('li', {},
    el('span', { textContent: e.question }), ' → ',
    el('span', { className: 'example-answer', textContent: e.answer.replaceAll('\n', '⏎') }))))];
}

// The finding: the lesson's sentence around its figures, against the control arm. An arm or a
// figure the summary lacks (a reduced live run) reads '–'.
function finding(summary) {
  const key = `lessons.${summary.lesson}.result`;
  const metric = (list, k) => list?.find((m) => m.key === k);
  const shown = (m) => (m ? formatMetric(m) : '–');
  const f = (arm, k) => shown(metric(summary.arms.find((a) => a.key === arm)?.metrics, k));
  f.note = (k) => shown(metric(summary.notes, k));
  const text = t(key, f);
  return text === key ? [] : [el('p', { className: 'lesson-finding' }, el('strong', { textContent: t('lessons.finding') }), text)];
}

// --- the curves: a figure measured along an arm's training (task A while B trains) ---------------
// One series per arm, in the arm's colour; x: the arm's training step, y: the figure in %.
function drawCurves(view, box, summary, place) {
  const curves = summary.curves ?? [];
  box.hidden = curves.length === 0;
  if (!curves.length) return;
  const plot = el('div', { className: 'curve-plot' });
  box.replaceChildren(el('h4', { textContent: lessonText(summary.lesson, 'curve.title') }), plot);
  const xs = [...new Set(curves.flatMap((c) => c.points.map(([x]) => x)))].sort((a, b) => a - b);
  const ys = curves.map((c) => xs.map((x) => {
    const p = c.points.find(([px]) => px === x);
    return p ? p[1] * 100 : null;
  }));
  const x = lessonText(summary.lesson, 'curve.x');
  view.curve = new uPlot({
    width: Math.max(320, box.clientWidth || 640),
    height: 220,
    scales: { x: { time: false }, y: { range: [0, 100] } },
    // Ticks at the steps measured (B's checkpoints), not at fractions of a step.
    axes: [{ label: x, splits: () => xs }, { label: lessonText(summary.lesson, 'curve.y'), values: (u, vals) => vals.map((v) => `${v}%`) }],
    series: [
      { label: x },
      ...curves.map((c, i) => ({ label: armLabel(summary.lesson, c.key), stroke: colorAt(place(c.key, i)), width: 2, spanGaps: true,
        points: { size: 6 }, value: (u, v) => (v == null ? '–' : `${v.toFixed(1)}%`) })),
    ],
  }, [xs, ...ys], plot);
}

// --- each lesson's result -------------------------------------------------------------------------
// lesson id -> {box, shipped: the file, error, live: {summary, seed, reduced, keys}, showing,
// curve: its uPlot, answersOpen}. The box stays the same element while the list is redrawn.
const views = new Map();
const hooks = { planKeys: () => null, onShow: () => {} };

// `planKeys(id)`: the lesson's arms as the engine plans them, once known (for the colours);
// `onShow(id)`: after a card switched between the shipped and the live result.
export function configureResults(given) {
  Object.assign(hooks, given);
}

function view(id) {
  if (!views.has(id)) {
    const box = el('div', { className: 'lesson-outcome', dataset: { lesson: id, source: 'loading' } });
    const v = { box, shipped: null, error: null, live: null, showing: 'shipped', curve: null, answersOpen: false, loading: null };
    new ResizeObserver(() => v.curve?.setSize({ width: Math.max(320, box.clientWidth), height: 220 })).observe(box);
    views.set(id, v);
  }
  return views.get(id);
}

export const outcomeBox = (id) => view(id).box;
export const hasLive = (id) => Boolean(views.get(id)?.live);
// What the card shows: 'live' (a run in this browser) or 'shipped' (computed beforehand).
export const showing = (id) => (hasLive(id) && views.get(id).showing === 'live' ? 'live' : 'shipped');

// The engine's plan of `id` is known: a shipped result whose arms take other places in it (the
// forgetting lesson's task A trains but has no column) is drawn again, in the plan's colours.
export function planned(id) {
  const arms = views.get(id)?.shipped?.summary.arms;
  const keys = hooks.planKeys(id);
  if (showing(id) === 'shipped' && arms?.some((a, i) => placeIn(keys, a.key, i) !== placeIn(null, a.key, i))) drawOutcome(id);
}

const shippedPath = (id) => `lessons/results/${id}.json`;

// Fetches each lesson's shipped result once (again after a failure) and draws it; resolves when
// all are drawn.
export function loadShipped(ids) {
  for (const id of ids) {
    const v = view(id);
    if (v.shipped || v.loading) continue;
    v.error = null;
    v.loading = fetch(new URL(`../${shippedPath(id)}`, import.meta.url))
      .then((res) => {
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return res.json();
      })
      .then((file) => {
        // Made for this lesson, with arms to show: anything else is not shown as its result.
        if (file?.summary?.lesson !== id || !Array.isArray(file.summary.arms) || typeof file.made_with !== 'string') {
          throw new Error(t('lessons.shipped.other'));
        }
        v.shipped = file;
      })
      .catch((e) => {
        v.error = e.message;
        console.warn(`[yushan] ${shippedPath(id)}: ${e.message}`);
      })
      .finally(() => {
        v.loading = null;
        drawOutcome(id);
      });
    drawOutcome(id);
  }
  return Promise.all(ids.map((id) => views.get(id).loading));
}

// A live run's result: shown in its lesson's card instead of the shipped one.
export function showLive(id, live) {
  Object.assign(view(id), { live, showing: 'live' });
  drawOutcome(id);
}

export function drawOutcomes() {
  for (const id of views.keys()) drawOutcome(id);
}

export function drawOutcome(id) {
  const v = view(id);
  v.curve?.destroy();
  v.curve = null;
  const source = showing(id);
  const shown = source === 'live' ? v.live : v.shipped;
  const toggle = (to, label) => {
    const b = el('button', { type: 'button', className: 'secondary lesson-toggle', textContent: t(label) });
    b.addEventListener('click', () => { v.showing = to; drawOutcome(id); hooks.onShow(id); });
    return b;
  };
  let head;
  if (source === 'live') {
    head = el('p', { className: 'lesson-source live' }, t('lessons.live', v.live.seed, v.live.reduced), ' ',
      ...(v.shipped ? [toggle('shipped', 'lessons.show_shipped')] : []));
  } else if (v.shipped) {
    head = el('p', { className: 'lesson-source shipped' }, t('lessons.shipped', v.shipped.summary.seed),
      el('code', { className: 'lesson-command', textContent: v.shipped.made_with }), ' ',
      ...(v.live ? [toggle('live', 'lessons.show_live')] : []));
  } else {
    // Quietly: the live run is still there.
    head = el('p', { className: 'hint lesson-source missing' },
      v.error ? t('lessons.shipped.missing', shippedPath(id), v.error) : t('lessons.shipped.loading'));
  }
  v.box.dataset.source = shown ? source : v.error ? 'missing' : 'loading';
  if (!shown) { v.box.replaceChildren(head); return; }
  const s = shown.summary;
  const keys = source === 'live' ? v.live.keys : hooks.planKeys(id);
  const place = (key, i) => placeIn(keys, key, i);
  const notes = el('div', { className: 'lesson-notes' }, ...s.notes.map((n) => el('p', { className: 'hint', dataset: { note: n.key, value: String(n.value) },
    textContent: lessonText(s.lesson, `note.${n.key}`, formatMetric(n)) })), ...examplesList(s));
  const curve = el('div', { className: 'lesson-curve', hidden: true });
  const answers = el('details', { className: 'lesson-answers-box', open: v.answersOpen },
    el('summary', { textContent: t('lessons.answers', s.rows.length) }),
    el('p', { className: 'hint lesson-check', textContent: t(`lessons.check.${s.check}`) }),
    el('div', { className: 'lesson-answers' }, answersTable(s, place)));
  answers.addEventListener('toggle', () => { v.answersOpen = answers.open; });
  v.box.replaceChildren(head, ...finding(s), el('div', { className: 'lesson-results' }, resultsTable(s, place)), notes, curve, answers);
  // Once in the page, so that the chart takes the box's width.
  drawCurves(v, curve, s, place);
}
