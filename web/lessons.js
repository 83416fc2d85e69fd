// The Lessons panel: each lesson is a small seeded experiment (crates/yushan-lessons) on the
// shipped pretrained model models/knowledge/, run with one click. A lesson runs in a worker of
// its own (web/worker.js again, a second instance), so it never touches the studio's model or
// run, and Stop simply ends that worker. Loss points stream to a chart (one series per arm);
// the report fills a table of figures (one column per arm) and a table of answers, and for a
// lesson that measures a figure along training (forgetting: task A while B trains), a second
// chart of those curves.
//
// A new lesson: one entry in LESSONS below, its texts in MESSAGES, and its run in
// crates/yushan-web/src/lessons.rs. The arms (their keys and steps) come from the engine
// (lesson_plan) and the report, not from here; MESSAGES only names them.
//
// URL parameters: lesson=<id> (open the panel at that lesson), lesson-seed=<n>, and for quick
// runs lesson-spec=<JSON subset of the lesson's spec> and lesson-questions=<n>. A field the
// lesson's spec does not have (or JSON that does not parse) fails the run with a message.

import uPlot from './vendor/uPlot.esm.js';
import { extend, onLangChange, show, t } from './i18n.js';
import * as store from './store.js';
import { engineClient } from './rpc.js';

const $ = (id) => document.getElementById(id);
const el = (tag, { dataset = {}, ...props } = {}, ...children) => {
  const node = document.createElement(tag);
  Object.assign(node, props);
  Object.assign(node.dataset, dataset);
  node.append(...children);
  return node;
};

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
// An arm's colour, the same in the chart and the tables (.arm-N in style.css): by its place
// among all the lesson's arms, those that do not train (and draw no curve) included. The first is
// every lesson's control arm (the untuned model), in grey.
const COLORS = ['#5f5f5f', '#c2572b', '#1d6f5f', '#2a5d9f', '#6b4fa0'];
const armPlace = (key, i) => {
  const place = state.plan?.findIndex((p) => p.key === key) ?? -1;
  return (place >= 0 ? place : i) % COLORS.length;
};
const armColor = (key, i) => COLORS[armPlace(key, i)];

const MESSAGES = {
  'lessons.shortcut.title': ['最 → 玉山：學到捷徑，還是學會回答？', '最 → 玉山: a shortcut, or an answer?'],
  'lessons.shortcut.finding': [
    '同樣幾組「最」的問答，訓練兩個模型：(a) 從隨機權重開始，只學到表面的捷徑，遇到沒看過的「最」問題也回答訓練時的答案（例如玉山）；(b) 預訓練模型加上 LoRA，學會的是回答的方式，用預訓練時讀到的知識回答新問題，權重只動了一點點。對照組是同一個預訓練模型、完全不微調，用同樣的問題問它：它知道大部分答案，但答完常常還繼續寫下去。再換三種問法問同樣的事實，看模型是靠知識回答，還是只認得訓練時的句型。',
    'The same few 最 (“the most …”) question-answer pairs train two models: (a) one from random weights learns only the surface shortcut and answers new 最-questions with a training answer (玉山); (b) the pretrained model with a LoRA adapter learns how to answer, answers new questions from what it read in pretraining, and its weights barely move. The control is the same pretrained model, not fine-tuned, asked the same questions: it knows most answers but often writes on past them. The same facts are then asked in three other phrasings: does the model answer from knowledge, or only recognise the training wording?',
  ],

  'lessons.role-tags.title': ['角色標籤：模型怎麼知道何時該停？', 'Role tags: how does the model know when to stop?'],
  'lessons.role-tags.finding': [
    '同樣的問答用 LoRA 訓練兩次：一次加上角色標籤（使用者: / AI:）和結束記號，一次什麼標籤都不加。有標籤的模型答完就停；沒有標籤的模型不知道回答在哪裡結束，會繼續寫下去，常常自己再問一個問題（自問自答）。',
    'The same pairs train a LoRA adapter twice: once rendered with role tags (使用者: / AI:) and an end-of-turn token, once with no tags. With tags the model stops after its answer; without them it cannot tell where its answer ends and writes on, often asking itself a new question.',
  ],
  'lessons.lora-vs-full.title': ['LoRA 還是全參數微調？', 'LoRA or full fine-tuning?'],
  'lessons.lora-vs-full.finding': [
    '用「最 → 玉山」那八組問答訓練預訓練模型兩次：一次用同一個 LoRA 轉接器，一次訓練全部權重（學習率取新問題答得最好、又學得會這八組的那一個，小了 10 倍）。全參數微調要訓練約 40 倍的參數、約 3.6 倍的記憶體，每一步也比較慢；只有八組資料，它什麼也沒多得到：新問題答對得沒有比較多，照抄訓練答案反而多一點。如果用 LoRA 常用的學習率 0.001（在網址加上 lesson-spec={"full_lr":0.001}），權重動得多得多，預訓練讀到的事實也忘掉一半。',
    'The 最 → 玉山 lesson’s eight pairs train the pretrained model twice: through the same LoRA adapter, and by training every weight (at the learning rate that answered new questions best while still learning the eight pairs, 10× smaller). Full fine-tuning trains ~40× the parameters and holds ~3.6× the memory, and each step takes longer; on eight pairs it buys nothing: no more new questions right, a few more training answers repeated. At 0.001, a usual rate for LoRA (add lesson-spec={"full_lr":0.001} to the link), it moves the weights far further and forgets half of what it read in pretraining.',
  ],
  'lessons.transfer.title': ['舉一反三：用英文教，用中文問', 'Taught in English, asked in Chinese'],
  'lessons.transfer.finding': [
    '只用八組英文問答微調（“What is the highest mountain in Japan?” → “Mount Fuji.”），再用中文問其他事實；和只用中文問答微調、以及完全不微調的預訓練模型（對照組）比較。英文教的「怎麼回答」會不會帶到中文問題上：用中文回答、答對、答完就停？',
    'Fine-tune on eight question-answer pairs in English only (“What is the highest mountain in Japan?” → “Mount Fuji.”), then ask in Chinese about other facts; compared with the same facts taught in Chinese, and with the pretrained model not fine-tuned at all (the control). Does “how to answer”, taught in English, carry over to Chinese questions: answered in Chinese, right, and stopping after the answer?',
  ],

  'lessons.specialists.title': ['專才與通才：一個轉接器學一種任務，還是兩種一起學？', 'Specialists or a generalist: one task per adapter, or both?'],
  'lessons.specialists.finding': [
    '在同一個預訓練模型上訓練三個 LoRA 轉接器：一個只學翻譯（“Translate into Chinese: the longest river in Japan” →「日本最長的河」），一個只學改量詞（“Fix the measure word: 日本最長的河是哪一座？”→「日本最長的河是哪一條？」），一個兩種混在一起學；對照組是完全不微調的預訓練模型。專才不管被要求做什麼，都做自己那一種；通才會看指令做事。還有一種兩個都沒學過的組合：把一個問句翻成中文（“Translate into Chinese: Which is the largest ocean in the world?” →「世界最大的海洋是哪一個？」）。',
    'Three LoRA adapters on the same pretrained model: one trained on translation only (“Translate into Chinese: the longest river in Japan” → 日本最長的河), one on editing only (putting a wrong measure word right: “Fix the measure word: 日本最長的河是哪一座？” → 「日本最長的河是哪一條？」), one on both mixed; the control is the pretrained model, not fine-tuned. Each specialist does its own kind of task whatever it is asked; the generalist follows the instruction. A composite none was taught is asked too: translating a question (“Translate into Chinese: Which is the largest ocean in the world?” → 「世界最大的海洋是哪一個？」).',
  ],

  'lessons.forgetting.title': ['複習：學了新任務，會忘掉舊的嗎？', 'Replay: does a new task erase the old one?'],
  'lessons.forgetting.finding': [
    '先微調任務 A（改正用錯的量詞，“Fix the measure word: …”），再微調任務 B（把英文詞組翻成中文）；B 用三種方式訓練，都從同一個學會 A 的模型開始：只學 B；複習（把一部分存下來的 A 問答混進 B 的訓練資料）；自我複習（A 的資料一組也不存，剛學完 A 時只給模型 A 的指令，讓它自己出題再自己回答，拿這些來複習）。曲線是 B 訓練時 A 還答對多少；對照組是完全不微調的預訓練模型。',
    'Fine-tune on task A (putting a wrong measure word right, “Fix the measure word: …”), then on task B (translating English phrases into Chinese), three ways, each from the same model that learnt A: B alone; replay (a share of A’s stored pairs mixed into B’s data); self-replay (nothing of A is stored: right after A, given only A’s instruction, the model writes its own examples and rehearses those). The curve shows how much of A survives while B trains; the control is the pretrained model, not fine-tuned.',
  ],

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
  'lessons.data': ['資料：', 'Data: '],
  'lessons.model': ['模型：', 'Model: '],
  'lessons.run': ['執行', 'Run'],
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
  'lessons.sec': [(n) => `${n} 秒`, (n) => `${n} s`],
  'lessons.min': [(n) => `${n} 分鐘`, (n) => `${n} min`],
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

// A text of the lessons (`arm.<key>`, `note.<key>`): the lesson's own wording when it has one,
// else the shared one.
function lessonText(lessonId, suffix, ...args) {
  const own = `lessons.${lessonId}.${suffix}`;
  return t(own) !== own ? t(own, ...args) : t(`lessons.${suffix}`, ...args);
}
const armLabel = (lessonId, key) => lessonText(lessonId, `arm.${key}`);

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

// --- the tables ---------------------------------------------------------------------------------------
const pct = (v) => `${(v * 100).toFixed(1)}%`;
function formatMetric(m) {
  if (m.kind === 'share') return pct(m.value);
  if (m.kind === 'score') return m.value.toFixed(2);
  if (m.kind === 'count') return Math.round(m.value).toLocaleString('en-US');
  if (m.kind === 'ratio') return m.value.toFixed(4);
  if (m.kind === 'ms') return `${m.value.toFixed(1)} ms`;
  if (m.kind === 'bytes') return `${(m.value / 1e6).toFixed(2)} MB`;
  return m.value.toFixed(3);
}

function resultsTable(summary) {
  const head = el('tr', {}, el('th', { textContent: t('lessons.col.metric') }),
    ...summary.arms.map((a, i) => el('th', { className: `arm arm-${armPlace(a.key, i)}`, textContent: armLabel(summary.lesson, a.key) })));
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
  const table = el('table', { className: 'lesson-table results' }, el('thead', {}, head), el('tbody', {}, ...rows));
  return table;
}

function answersTable(summary) {
  const head = el('tr', {}, el('th', { textContent: t('lessons.col.question') }), el('th', { textContent: t('lessons.col.expected') }),
    ...summary.arms.map((a, i) => el('th', { className: `arm arm-${armPlace(a.key, i)}`, textContent: armLabel(summary.lesson, a.key) })));
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

// --- the curves: a figure measured along an arm's training (task A while B trains) ---------------
let curveChart = null;
function curveBox() {
  let box = $('lesson-curve');
  if (!box) {
    box = el('div', { id: 'lesson-curve', className: 'lesson-curve', hidden: true });
    $('lesson-notes').after(box);
    new ResizeObserver(() => curveChart?.setSize({ width: Math.max(320, box.clientWidth), height: 220 })).observe(box);
  }
  return box;
}

// One series per arm, in the arm's colour; x: the arm's training step, y: the figure in %.
function drawCurves(summary) {
  curveChart?.destroy();
  curveChart = null;
  const box = curveBox();
  const curves = summary.curves ?? [];
  box.hidden = curves.length === 0;
  if (!curves.length) { box.replaceChildren(); return; }
  const plot = el('div', { className: 'curve-plot' });
  box.replaceChildren(el('h4', { textContent: lessonText(summary.lesson, 'curve.title') }), plot);
  const xs = [...new Set(curves.flatMap((c) => c.points.map(([x]) => x)))].sort((a, b) => a - b);
  const ys = curves.map((c) => xs.map((x) => {
    const p = c.points.find(([px]) => px === x);
    return p ? p[1] * 100 : null;
  }));
  const x = lessonText(summary.lesson, 'curve.x');
  curveChart = new uPlot({
    width: Math.max(320, box.clientWidth || 640),
    height: 220,
    scales: { x: { time: false }, y: { range: [0, 100] } },
    // Ticks at the steps measured (B's checkpoints), not at fractions of a step.
    axes: [{ label: x, splits: () => xs }, { label: lessonText(summary.lesson, 'curve.y'), values: (u, vals) => vals.map((v) => `${v}%`) }],
    series: [
      { label: x },
      ...curves.map((c, i) => ({ label: armLabel(summary.lesson, c.key), stroke: armColor(c.key, i), width: 2, spanGaps: true,
        points: { size: 6 }, value: (u, v) => (v == null ? '–' : `${v.toFixed(1)}%`) })),
    ],
  }, [xs, ...ys], plot);
}

function drawResult() {
  const r = state.result;
  if (!r) return;
  const s = r.summary;
  $('lesson-results').replaceChildren(resultsTable(s));
  $('lesson-notes').replaceChildren(...s.notes.map((n) => el('p', { className: 'hint', dataset: { note: n.key, value: String(n.value) },
    textContent: lessonText(s.lesson, `note.${n.key}`, formatMetric(n)) })), ...examplesList(s));
  $('lesson-check').textContent = t(`lessons.check.${s.check}`);
  $('lesson-answers').replaceChildren(answersTable(s));
  $('lesson-results-box').hidden = false;
  // After the box is shown, so that the chart takes its width.
  drawCurves(s);
}

// --- how long ----------------------------------------------------------------------------------------
// A lesson's time on this machine: its training steps (every arm's, from the engine's plan) at
// the median step measured here, plus its answers (each arm answers the held-out questions) at
// the time an answer took here. Both come from the last lesson run in this browser (kept in
// IndexedDB); before any, the step time of the studio's run on the same model stands in for the
// steps. Steps of longer examples (the translation pairs) take longer: an estimate, not a promise.
const RATES_KEY = 'lessonRates';
let rates = null;   // {stepMs, answerMs (null from the studio), source: 'lesson' | 'studio'}
const plans = {};   // lesson id -> {steps, answers} at the panel's seed and the link's settings

const approx = (ms) => {
  if (ms < 1000) return `${Math.round(ms)} ms`; // a step on a real GPU
  return ms < 90_000 ? t('lessons.sec', Math.round(ms / 1000)) : t('lessons.min', Math.round(ms / 60_000));
};

// Called by the studio when a run on `model` ends: its median step, measured on this GPU.
export function studioStepMeasured(model, stepMs) {
  if (`${model}/` !== LESSONS[0].model || !(stepMs > 0) || rates?.source === 'lesson') return;
  rates = { stepMs, answerMs: null, source: 'studio' };
  renderList();
}

function timeText(lesson) {
  const plan = plans[lesson.id];
  if (!plan) return t('lessons.time.planning');
  if (!rates) return t('lessons.time.unmeasured', plan.steps, plan.answers);
  const training = plan.steps * rates.stepMs;
  if (rates.answerMs === null) return t('lessons.time.studio', approx(training), plan.steps, approx(rates.stepMs), plan.answers);
  return t('lessons.time.measured', approx(training + plan.answers * rates.answerMs), plan.steps, approx(rates.stepMs), plan.answers, approx(rates.answerMs));
}

// Each lesson's plan (the engine's, in the lesson worker) and its questions (from the data files'
// lines), once, when the panel is first opened.
let planning = null;
function planAll() {
  planning ||= (async () => {
    const saved = await store.get(RATES_KEY).catch(() => null);
    if (saved?.stepMs > 0 && rates?.source !== 'lesson') rates = saved;
    for (const lesson of LESSONS) {
      // The link's lesson-spec is written for one lesson: the others' plans go without it.
      const plan = await call('lessonPlan', { name: lesson.id, spec: { ...(reduced.spec || {}), seed: seed() } })
        .catch(() => call('lessonPlan', { name: lesson.id, spec: { seed: seed() } }));
      plans[lesson.id] = { steps: stepsOf(plan.arms), answers: plan.arms.length * await asks(lesson) };
      renderList();
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
    return el('li', { className: 'lesson', id: `lesson-${l.id}`, dataset: { lesson: l.id } },
      el('div', { className: 'lesson-head' }, el('h3', { textContent: t(`lessons.${l.id}.title`) }), run),
      el('p', { textContent: t(`lessons.${l.id}.finding`) }),
      el('p', { className: 'hint' }, links),
      el('p', { className: 'hint time', textContent: timeText(l) }));
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
  arms = [];
  $('lesson-run').hidden = false;
  $('lesson-results-box').hidden = true;
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
      : t('lessons.left', seconds(now - t0), approx(Math.max(0, left.ms - (now - left.at))))), '');
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
    const stepTimes = [];
    let answerMs = null;
    // The rest of the run after `done` steps of arm number `index`, at the best rates known.
    const estimateLeft = (index, done) => {
      const stepMs = stepTimes.length ? median(stepTimes) : rates?.stepMs;
      const perAnswer = answerMs ?? rates?.answerMs;
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
        stepTimes.push(step.step_ms); // the run's first step compiles most kernels: left out
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
    const measured = { stepMs: stepTimes.length ? median(stepTimes) : null, answerMs };
    state.timings.push({ lesson: lesson.id, reduced: isReduced(), ms, firstStepMs, ...measured, adapter: info.adapter?.name, software: info.adapter?.software });
    // Reduced runs measure the same steps and answers: their rates hold for the full lessons.
    if (measured.stepMs && measured.answerMs) {
      rates = { ...measured, source: 'lesson' };
      store.set(RATES_KEY, rates);
      renderList();
    }
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
    if (details.open && 'gpu' in navigator) planAll();
  });
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
