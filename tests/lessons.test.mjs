// The Lessons panel in headless Chromium on SwiftShader: each lesson runs with one click, with
// reduced settings passed through the URL (lesson-spec, lesson-questions) so the file stays
// short. Loss points arrive for every arm that trains, the figures table fills (shares in
// [0, 1]), the answers table has one row per question asked, a misspelt setting in the link is
// refused with a message, the studio's own model is left alone, and nothing is fetched from
// another origin. The lessons over the translation and editing tasks get per-task figures, and
// the forgetting lesson a second chart: task A's held-out share over B's steps, one series per arm. Needs web/pkg/ (scripts/build-web.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { GPU_ERROR, OUT, ROOT, foreignRequests, launch, serveRepo } from './harness.mjs';

let baseUrl;
serveRepo((url) => { baseUrl = url; });

// One step of each arm and short answers: the flow, not the finding (SwiftShader on 2 cores
// spends most of a run compiling kernels). Each lesson's spec has only its own fields (any
// other is refused), so each lesson runs from a link of its own.
const REDUCED = {
  shortcut: { scratch_steps: 1, lora_steps: 1, max_answer_tokens: 4 },
  'role-tags': { steps: 1, max_answer_tokens: 4 },
  'lora-vs-full': { steps: 1, max_answer_tokens: 4 },
  transfer: { steps: 1, max_answer_tokens: 4 },
  // The lessons over the translation and editing tasks train an adapter on every projection, on
  // longer pairs (~15 s a step at batch 8 on SwiftShader): batches of 2, three-token answers. The
  // generalist trains twice the specialists' steps.
  specialists: { steps: 1, batch_size: 2, max_answer_tokens: 3 },
  // Two checkpoints of A while B trains; a small replay share, so that the model writes only two
  // examples of A for self-replay (each is a sampled prompt and a greedy answer).
  forgetting: { a_steps: 1, b_steps: 2, checkpoints: 2, batch_size: 2, replay_share: 0.03, max_answer_tokens: 3 },
};
const QUESTIONS = 2;
// Those lessons ask each task's held-out items (lesson-questions limits each set): one of each.
const TASK_QUESTIONS = 1;
// The arms in the order they run; `null` steps: the arm does not train.
// Every lesson's first arm is its control: the pretrained model, not fine-tuned.
const ARMS = {
  shortcut: ['untuned', 'scratch', 'lora'],
  'role-tags': ['untuned', 'with tags', 'without tags'],
  'lora-vs-full': ['untuned', 'lora', 'full'],
  transfer: ['untuned', 'english', 'chinese'],
  specialists: ['untuned', 'translator', 'editor', 'generalist'],
  forgetting: ['untuned', 'task-a', 'sequential', 'replay', 'self-replay'],
};
// The results computed beforehand that the page shows (scripts/precompute-lessons.sh).
const SHIPPED = Object.fromEntries(Object.keys(ARMS).map((id) => [id, JSON.parse(fs.readFileSync(path.join(ROOT, `lessons/results/${id}.json`), 'utf8'))]));
// A word of the first trained arm's name in the chart's legend (in the page's language then).
const LEGEND = {
  shortcut: '從隨機權重訓練', 'role-tags': 'with role tags', 'lora-vs-full': 'LoRA', transfer: 'LoRA on English pairs',
  specialists: 'translator (translation only)', forgetting: 'task A: editing',
};

// A part of lesson `id`'s card (`.lesson-results`, `.lesson-answers`, …) while it shows a live run's result.
const live = (id, part) => `#lesson-${id} .lesson-outcome[data-source="live"] ${part}`;

const lessonUrl = (id, extra = '', questions = QUESTIONS) => `${baseUrl}?lesson-spec=${encodeURIComponent(JSON.stringify(REDUCED[id]))}&lesson-questions=${questions}${extra}`;

async function open(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => window.yushan?.lessons && window.yushan.state.model, null, { timeout: 120_000 });
}

async function runLesson(page, id) {
  const t0 = Date.now();
  await page.click(`#lesson-${id} .lesson-run`);
  await page.waitForFunction(() => window.yushan.lessons.state.running === null
    && ['done', 'error', 'stopped'].includes(window.yushan.lessons.state.phase), null, { timeout: 600_000 });
  const s = await page.evaluate(() => window.yushan.lessons.state);
  assert.equal(s.error, null, `lesson ${id} failed: ${s.error}`);
  assert.equal(s.phase, 'done');
  const last = s.timings.at(-1);
  const arms = Object.entries(s.points).map(([arm, ps]) => `${arm} steps at ${ps.map((p) => (p.at_ms / 1000).toFixed(1)).join(', ')} s`);
  console.log(`lesson ${id} (reduced): ${((Date.now() - t0) / 1000).toFixed(1)} s in the test, ${(last.ms / 1000).toFixed(1)} s in the page; ${arms.join('; ')}`);
  return s;
}

// The arms come from the engine's plan; loss points for every arm that trains, all of them, in
// order, and the loss chart drawn. Returns the arms that train.
async function checkLossPoints(page, id, s) {
  assert.deepEqual(s.plan.map((a) => a.key), ARMS[id]);
  const trained = s.plan.filter((a) => a.steps !== null);
  assert.deepEqual(Object.keys(s.points), trained.map((a) => a.key));
  for (const { key, steps } of trained) {
    assert.deepEqual(s.points[key].map((p) => p.step), Array.from({ length: steps }, (_, k) => k + 1), key);
    assert.ok(s.points[key].every((p) => Number.isFinite(p.loss) && p.loss > 0), key);
  }
  assert.equal(await page.locator('#lesson-chart .uplot').count(), 1, 'the loss chart is drawn');
  return trained;
}

async function checkTables(page, id, s) {
  const trained = await checkLossPoints(page, id, s);
  const legend = await page.locator('#lesson-chart .u-legend').textContent();
  assert.ok(legend.includes(LEGEND[id]), legend);

  // The figures: one column per arm; shares in [0, 1]; a loss and a parameter count for each
  // arm that trains, none for one that does not.
  const cells = await page.$$eval(`${live(id, '.lesson-results')} td[data-value]`, (tds) => tds.map((td) => ({ ...td.dataset, text: td.textContent })));
  for (const { key, steps } of s.plan) {
    const mine = cells.filter((c) => c.arm === key);
    const shares = mine.filter((c) => c.kind === 'share');
    assert.ok(shares.length >= 2, `${key}: shares`);
    for (const c of shares) {
      const v = Number(c.value);
      assert.ok(v >= 0 && v <= 1, `${key}: share ${c.value}`);
      assert.match(c.text, /^\d+(\.\d)?%$/);
    }
    const loss = mine.find((c) => c.kind === 'loss');
    const count = Number(mine.find((c) => c.kind === 'count').value);
    if (steps === null) {
      assert.equal(loss, undefined, `${key} does not train: no loss`);
      assert.equal(count, 0, `${key} does not train: nothing trainable`);
    } else {
      assert.ok(Number(loss.value) > 0 && Number.isFinite(Number(loss.value)), `${key}: final loss ${loss.value}`);
      assert.ok(count > 0, `${key}: trainable params`);
    }
  }
  const headers = await page.$$eval(`${live(id, '.lesson-results')} thead th.arm`, (ths) => ths.length);
  assert.equal(headers, ARMS[id].length);

  // The answers: one row per question asked, each arm's answer marked ✓ or ✗ (the shortcut
  // lesson also asks its held-out facts in other phrasings: as many again).
  const asked = id === 'shortcut' ? 2 * QUESTIONS : QUESTIONS;
  assert.equal(s.result.questions, asked);
  const rows = await page.$$eval(`${live(id, '.lesson-answers')} tbody tr`, (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
  assert.equal(rows.length, asked);
  for (const row of rows) {
    assert.equal(row.length, 2 + ARMS[id].length);
    assert.match(row[0], /？$/);
    for (const answer of row.slice(2)) assert.match(answer, /^[✓✗] /);
  }
  assert.equal(s.result.summary.seed, s.spec.seed);
}

// The lessons over the translation and editing tasks: loss for every stage that trains, figures per
// task (exact shares in [0, 1] as %, similarities in [0, 1] with two decimals), the answers table.
async function checkTaskLesson(page, id, s, { arms, rows, firstWords }) {
  const trained = await checkLossPoints(page, id, s);
  assert.equal(await page.locator('#lesson-chart .u-legend .u-series').count(), 1 + trained.length, 'a loss series per stage that trains');
  assert.ok((await page.locator('#lesson-chart .u-legend').textContent()).includes(LEGEND[id]));

  // One column per arm, coloured as its loss curve is (by its place in the plan).
  const heads = await page.$$eval(`${live(id, '.lesson-results')} thead th.arm`, (ths) => ths.map((th) => th.className));
  assert.deepEqual(heads, arms.map((key) => `arm arm-${s.plan.findIndex((p) => p.key === key)}`));
  const cells = await page.$$eval(`${live(id, '.lesson-results')} td[data-value]`, (tds) => tds.map((td) => ({ ...td.dataset, text: td.textContent })));
  for (const key of arms) {
    const mine = cells.filter((c) => c.arm === key);
    const shares = mine.filter((c) => c.kind === 'share');
    const scores = mine.filter((c) => c.kind === 'score');
    assert.ok(shares.length >= 2 && scores.length === shares.length, `${key}: an exact share and a similarity per task`);
    for (const c of [...shares, ...scores]) assert.ok(Number(c.value) >= 0 && Number(c.value) <= 1, `${key}: ${c.kind} ${c.value}`);
    for (const c of shares) assert.match(c.text, /^\d+(\.\d)?%$/);
    for (const c of scores) assert.match(c.text, /^[01]\.\d\d$/);
    const loss = mine.find((c) => c.kind === 'loss');
    if (s.plan.find((p) => p.key === key).steps === null) assert.equal(loss, undefined, `${key} does not train: no loss`);
    else assert.ok(Number(loss.value) > 0 && Number.isFinite(Number(loss.value)), `${key}: final loss ${loss?.value}`);
  }

  // The answers: the rows asked, each arm's answer marked ✓ (exactly the expected text) or ✗.
  const table = await page.$$eval(`${live(id, '.lesson-answers')} tbody tr`, (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
  assert.equal(table.length, rows);
  for (const [i, row] of table.entries()) {
    assert.equal(row.length, 2 + arms.length);
    assert.ok(row[0].startsWith(firstWords[i]), `row ${i}: ${row[0]}`);
    for (const answer of row.slice(2)) assert.match(answer, /^[✓✗] /);
  }
  assert.equal(s.result.summary.seed, s.spec.seed);
}

// The figure `key` of each arm in the live result of lesson `id`, by arm.
const figures = async (page, id, key) => Object.fromEntries(await page.$$eval(`${live(id, '.lesson-results')} tr[data-metric="${key}"] td[data-value]`,
  (tds) => tds.map((td) => [td.dataset.arm, Number(td.dataset.value)])));

test('lessons: each runs with one click on reduced settings', { timeout: 2_400_000 }, async (t) => {
  const { page, consoleLines, close } = await launch();
  const foreign = foreignRequests(page, baseUrl);
  const t0 = Date.now();
  try {
    await open(page, lessonUrl('shortcut', '&lesson-seed=3'));
    const studioModel = await page.evaluate(() => window.yushan.state.model?.name ?? null);

    await t.test('the panel lists the lessons with their questions, data links and seed', async () => {
      // lesson= was not in the URL: the panel starts closed; open it.
      assert.equal(await page.isVisible('#lesson-list'), false);
      await page.click('#lessons-details > summary');
      assert.equal(await page.isVisible('#lesson-list'), true);
      const items = await page.$$eval('#lesson-list .lesson', (lis) => lis.map((li) => ({
        id: li.dataset.lesson, text: li.textContent, links: [...li.querySelectorAll('a')].map((a) => a.getAttribute('href')),
      })));
      assert.deepEqual(items.map((i) => i.id), ['shortcut', 'role-tags', 'lora-vs-full', 'transfer', 'specialists', 'forgetting']);
      assert.match(items[0].text, /玉山/);
      assert.match(items[1].text, /角色標籤/);
      assert.match(items[2].text, /全參數微調/);
      assert.match(items[3].text, /舉一反三/);
      assert.match(items[4].text, /通才/);
      assert.match(items[5].text, /複習/);
      for (const f of ['train.jsonl', 'heldout.jsonl', 'paraphrases.jsonl']) assert.ok(items[0].links.includes(`lessons/shortcut/${f}`), f);
      assert.ok(items[2].links.includes('lessons/shortcut/train.jsonl'));
      for (const f of ['train-en.jsonl', 'train-zh.jsonl', 'heldout.jsonl']) assert.ok(items[3].links.includes(`lessons/transfer/${f}`), f);
      const tasks = ['translate-train.jsonl', 'edit-train.jsonl', 'translate-heldout.jsonl', 'edit-heldout.jsonl', 'composite-heldout.jsonl'];
      for (const i of [4, 5]) for (const f of tasks) assert.ok(items[i].links.includes(`lessons/tasks/${f}`), `${items[i].id}: ${f}`);
      for (const href of items.flatMap((i) => i.links)) {
        const res = await page.request.get(new URL(href, baseUrl).href);
        assert.equal(res.status(), 200, href);
      }
      // How long: nothing is measured yet in this browser, so each names its steps and answers.
      await page.waitForFunction(() => [...document.querySelectorAll('#lesson-list .time')].every((p) => p.textContent !== '…'), null, { timeout: 120_000 });
      for (const text of await page.$$eval('#lesson-list .time', (ps) => ps.map((p) => p.textContent))) assert.match(text, /訓練 \d+ 步/);
      assert.equal(await page.inputValue('#lesson-seed'), '3', 'the seed comes from the URL');
      assert.ok(await page.isVisible('#lessons-reduced'));
    });

    await t.test('最 → 玉山: loss for both arms, figures and answers', async () => {
      const s = await runLesson(page, 'shortcut');
      assert.equal(s.spec.seed, 3);
      assert.equal(s.spec.scratch_steps, REDUCED.shortcut.scratch_steps);
      assert.deepEqual(s.plan, [{ key: 'untuned', steps: null }, { key: 'scratch', steps: 1 }, { key: 'lora', steps: 1 }]);
      // The control's figures: right, and right and stopped, like every arm's.
      const rightAndStops = await figures(page, 'shortcut', 'right_and_stops');
      assert.deepEqual(Object.keys(rightAndStops), ARMS.shortcut);
      await checkTables(page, 'shortcut', s);
      const note = await page.$eval(`${live('shortcut', '.lesson-notes')} [data-note="pretrained_completes"]`, (p) => Number(p.dataset.value));
      assert.ok(note >= 0 && note <= 1);
      assert.match(page.url(), /[?&]lesson=shortcut(&|$)/);
      assert.match(page.url(), /[?&]lesson-seed=3(&|$)/);
      await page.locator('#lessons-panel').screenshot({ path: path.join(OUT, 'lessons-shortcut.png') });

      // The live result took the place of the one computed beforehand, says so, and either can be
      // brought back; the run's progress shows with the live one only.
      const card = '#lesson-shortcut';
      const untunedFirst = async () => Number(await page.$eval(`${card} .lesson-results td[data-arm="untuned"]`, (td) => td.dataset.value));
      assert.match(await page.textContent(`${card} .lesson-source`), /在這台機器上跑的結果（種子 3，網址的縮減設定）/);
      assert.equal(await untunedFirst(), s.result.summary.arms[0].metrics[0].value);
      assert.equal(await page.isVisible(`${card} #lesson-run`), true);
      await page.click(`${card} .lesson-toggle`);
      assert.equal(await page.getAttribute(`${card} .lesson-outcome`, 'data-source'), 'shipped');
      assert.equal(await page.textContent(`${card} .lesson-command`), SHIPPED.shortcut.made_with);
      assert.equal(await untunedFirst(), SHIPPED.shortcut.summary.arms[0].metrics[0].value);
      assert.equal(await page.isVisible('#lesson-run'), false);
      await page.click(`${card} .lesson-toggle`);
      assert.equal(await page.getAttribute(`${card} .lesson-outcome`, 'data-source'), 'live');
      assert.equal(await untunedFirst(), s.result.summary.arms[0].metrics[0].value);
      assert.equal(await page.isVisible('#lesson-run'), true);
      // The run measured this machine's step and answer: every lesson's time is estimated from them.
      const { stepMs, answerMs } = s.timings.at(-1);
      assert.ok(stepMs > 0 && answerMs > 0, `measured ${stepMs} ms a step, ${answerMs} ms an answer`);
      const times = await page.$$eval('#lesson-list .time', (ps) => ps.map((p) => p.textContent));
      console.log(`measured: ${stepMs.toFixed(0)} ms a step, ${answerMs.toFixed(0)} ms an answer; ${times[0]}`);
      for (const text of times) assert.match(text, /在這台機器上約 \d+ (秒|分鐘)/);
    });

    await t.test('role tags, in English, with another seed', async () => {
      await open(page, lessonUrl('role-tags', '&lesson=role-tags&lesson-seed=3'));
      await page.click('#lang-toggle');
      await page.fill('#lesson-seed', '0');
      await page.dispatchEvent('#lesson-seed', 'change');
      assert.match(page.url(), /[?&]lesson-seed=0(&|$)/);
      const s = await runLesson(page, 'role-tags');
      assert.equal(s.spec.seed, 0);
      assert.match(page.url(), /[?&]lesson=role-tags(&|$)/);
      await checkTables(page, 'role-tags', s);
      assert.match(await page.textContent(live('role-tags', '.lesson-check')), /stops right after its answer/);
      await page.locator('#lessons-panel').screenshot({ path: path.join(OUT, 'lessons-role-tags-en.png') });
    });

    await t.test('LoRA vs full fine-tuning: cost and held-out figures for both arms', async () => {
      await open(page, lessonUrl('lora-vs-full', '&lesson=lora-vs-full&lesson-seed=1'));
      const s = await runLesson(page, 'lora-vs-full');
      assert.equal(s.spec.seed, 1);
      await checkTables(page, 'lora-vs-full', s);
      const trainable = await figures(page, 'lora-vs-full', 'trainable_params');
      assert.ok(trainable.full >= 20 * trainable.lora, `trainable: ${JSON.stringify(trainable)}`);
      const memory = await figures(page, 'lora-vs-full', 'memory');
      assert.ok(memory.full > 3 * memory.lora, `memory: ${JSON.stringify(memory)}`);
      assert.ok(Object.values(await figures(page, 'lora-vs-full', 'median_step_ms')).every((ms) => ms > 0));
      assert.match(await page.textContent(`${live('lora-vs-full', '.lesson-results')} [data-metric="memory"] td[data-arm="full"]`), /^\d+\.\d\d MB$/);
      const completes = await figures(page, 'lora-vs-full', 'completes');
      assert.deepEqual(Object.keys(completes), ['untuned', 'lora', 'full']);
      assert.equal(completes.untuned, Number(await page.$eval(`${live('lora-vs-full', '.lesson-notes')} [data-note="pretrained_completes"]`, (p) => p.dataset.value)));
      assert.ok(Number(await page.$eval(`${live('lora-vs-full', '.lesson-notes')} [data-note="pretrained_completes"]`, (p) => p.dataset.value)) >= 0);
      await page.locator('#lessons-panel').screenshot({ path: path.join(OUT, 'lessons-lora-vs-full.png') });
    });

    await t.test('舉一反三: three arms, the untuned one without training figures', async () => {
      await open(page, lessonUrl('transfer', '&lesson=transfer&lesson-seed=0'));
      const s = await runLesson(page, 'transfer');
      await checkTables(page, 'transfer', s);
      assert.deepEqual(s.plan, [{ key: 'untuned', steps: null }, { key: 'english', steps: 1 }, { key: 'chinese', steps: 1 }]);
      assert.match(await page.textContent('#lesson-run-title'), /no fine-tuning \(not trained\)/);
      assert.match(await page.textContent(live('transfer', '.lesson-check')), /Chinese or English name/);
      assert.equal(Object.keys(await figures(page, 'transfer', 'chinese_share')).length, 3);
      await page.locator('#lessons-panel').screenshot({ path: path.join(OUT, 'lessons-transfer.png') });
    });

    await t.test('specialists and a generalist: each task per arm, rows of each task', async () => {
      await open(page, lessonUrl('specialists', '&lesson=specialists&lesson-seed=0', TASK_QUESTIONS));
      const t1 = Date.now();
      const s = await runLesson(page, 'specialists');
      assert.deepEqual(s.plan, [{ key: 'untuned', steps: null }, { key: 'translator', steps: 1 }, { key: 'editor', steps: 1 }, { key: 'generalist', steps: 2 }]);
      // lesson-questions limits each task's held-out items: TASK_QUESTIONS of each of the three.
      const n = TASK_QUESTIONS;
      assert.equal(s.result.questions, 3 * n);
      assert.deepEqual(s.result.report.arms.map((a) => a.tasks.map((task) => [task.task, task.answers.length])),
        Array(4).fill([['translate', n], ['edit', n], ['composite', n]]));
      const words = [...Array(n).fill('Translate into Chinese: the'), ...Array(n).fill('Fix the measure word: '), ...Array(n).fill('Translate into Chinese: Which')];
      await checkTaskLesson(page, 'specialists', s, { arms: ARMS.specialists, rows: 3 * n, firstWords: words });
      for (const task of ['translate', 'edit', 'composite']) {
        assert.equal(Object.keys(await figures(page, 'specialists', `${task}_exact`)).length, 4, task);
        assert.equal(Object.keys(await figures(page, 'specialists', `${task}_similarity`)).length, 4, task);
      }
      assert.deepEqual(await figures(page, 'specialists', 'train_pairs'), { untuned: 0, translator: 70, editor: 70, generalist: 140 });
      assert.match(await page.textContent(live('specialists', '.lesson-check')), /exactly the expected text/);
      assert.equal(await page.locator(`${live('specialists', '.lesson-curve')} .uplot`).count(), 0, 'no curves in this lesson');
      await page.locator('#lessons-panel').screenshot({ path: path.join(OUT, 'lessons-specialists-en.png') });
      console.log(`specialists subtest: ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    });

    await t.test('複習: task A, then B three ways; the three arms, notes on A and a curve of A per arm', async () => {
      await open(page, lessonUrl('forgetting', '&lesson=forgetting&lesson-seed=0', TASK_QUESTIONS));
      const t1 = Date.now();
      const s = await runLesson(page, 'forgetting');
      // Task A trains first (in the plan and the loss chart), but is not a column of the figures.
      assert.deepEqual(s.plan, [{ key: 'untuned', steps: null }, { key: 'task-a', steps: 1 }, { key: 'sequential', steps: 2 }, { key: 'replay', steps: 2 }, { key: 'self-replay', steps: 2 }]);
      assert.equal(s.result.questions, 2 * TASK_QUESTIONS);
      // The control, then the three ways of training B.
      const arms = ['untuned', ...ARMS.forgetting.slice(2)];
      await checkTaskLesson(page, 'forgetting', s, { arms, rows: TASK_QUESTIONS, firstWords: Array(TASK_QUESTIONS).fill('Fix the measure word: ') });
      const replayed = await figures(page, 'forgetting', 'replayed');
      assert.equal(replayed.sequential, 0);
      assert.equal(replayed.replay, 2, 'round(0.03 / 0.97 × 70) of A\'s stored pairs');
      assert.ok(replayed['self-replay'] <= 2, `self-written: ${replayed['self-replay']}`);
      const notes = Object.fromEntries(await page.$$eval(`${live('forgetting', '.lesson-notes')} [data-note]`, (ps) => ps.map((p) => [p.dataset.note, Number(p.dataset.value)])));
      assert.deepEqual(Object.keys(notes), ['a_after_a_exact', 'b_after_a_exact', 'self_written']);
      assert.ok(notes.a_after_a_exact >= 0 && notes.a_after_a_exact <= 1 && notes.b_after_a_exact >= 0 && notes.b_after_a_exact <= 1);
      assert.equal(notes.self_written, replayed['self-replay']);
      assert.equal(await page.locator(`${live('forgetting', '.lesson-notes')} .lesson-examples li`).count(), notes.self_written, 'the examples it wrote are listed');

      // The curve of A while B trains: one series per arm, from B's step 0 (right after A) to its last.
      const curves = s.result.summary.curves;
      assert.deepEqual(curves.map((c) => c.key), arms.slice(1));
      for (const c of curves) {
        assert.deepEqual(c.points.map(([step]) => step), [0, 1, 2], c.key);
        assert.equal(c.points[0][1], notes.a_after_a_exact, `${c.key} starts where A left off`);
        assert.ok(c.points.every(([, v]) => v >= 0 && v <= 1), c.key);
      }
      assert.ok(await page.isVisible(live('forgetting', '.lesson-curve')));
      assert.equal(await page.locator(`${live('forgetting', '.lesson-curve')} .uplot`).count(), 1, 'the curve chart is drawn');
      const legend = await page.$$eval(`${live('forgetting', '.lesson-curve')} .u-legend .u-series`, (trs) => trs.map((tr) => tr.textContent));
      assert.equal(legend.length, arms.length, legend.join(' | '));
      assert.ok(legend[1].includes('B alone (sequential)') && legend[3].includes('self-replay'), legend.join(' | '));
      // Each arm's curve in the colour of its loss curve.
      const strokes = async (box) => page.$$eval(`${box} .u-legend .u-series .u-marker`, (ms) => ms.map((m) => getComputedStyle(m).borderColor));
      assert.deepEqual((await strokes(live('forgetting', '.lesson-curve'))).slice(1), (await strokes('#lesson-chart')).slice(2));
      await page.locator('#lessons-panel').screenshot({ path: path.join(OUT, 'lessons-forgetting-en.png') });
      // The other language redraws the tables, the notes and the curve.
      await page.click('#lang-toggle');
      assert.match(await page.textContent(live('forgetting', '.lesson-curve')), /任務 A/);
      assert.match(await page.textContent(live('forgetting', '.lesson-results')), /只學 B/);
      assert.equal(await page.locator(`${live('forgetting', '.lesson-curve')} .uplot`).count(), 1);
      await page.locator('#lessons-panel').screenshot({ path: path.join(OUT, 'lessons-forgetting-zh.png') });
      await page.click('#lang-toggle');
      console.log(`forgetting subtest: ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    });

    await t.test('a misspelt setting in the link is refused with a message, not ignored', async () => {
      await open(page, `${baseUrl}?lesson=transfer&lesson-spec=${encodeURIComponent('{"step":1}')}`);
      await page.click('#lesson-transfer .lesson-run');
      await page.waitForFunction(() => window.yushan.lessons.state.phase === 'error', null, { timeout: 60_000 });
      assert.match(await page.textContent('#lesson-status'), /unknown field `step`/);
      assert.deepEqual(await page.evaluate(() => window.yushan.lessons.state.points), {});
      for (const [id, spec, field] of [['specialists', '{"steps":1,"generalist_steps":2}', 'generalist_steps'], ['forgetting', '{"b_step":1}', 'b_step']]) {
        await open(page, `${baseUrl}?lesson=${id}&lesson-spec=${encodeURIComponent(spec)}`);
        await page.click(`#lesson-${id} .lesson-run`);
        await page.waitForFunction(() => window.yushan.lessons.state.phase === 'error', null, { timeout: 60_000 });
        assert.ok((await page.textContent('#lesson-status')).includes(`unknown field \`${field}\``), id);
        assert.deepEqual(await page.evaluate(() => window.yushan.lessons.state.points), {});
      }
      await open(page, `${baseUrl}?lesson=transfer&lesson-spec=${encodeURIComponent('{"steps":1')}`);
      assert.ok(await page.isVisible('#lessons-reduced'));
      assert.match(await page.textContent('#lessons-reduced'), /lesson-spec/);
    });

    await t.test('Stop ends a run; the page and the studio carry on', async () => {
      await open(page, lessonUrl('shortcut', '&lesson=shortcut'));
      await page.click('#lesson-shortcut .lesson-run');
      await page.waitForFunction(() => window.yushan.lessons.state.phase === 'training', null, { timeout: 180_000 });
      await page.click('#lesson-stop');
      await page.waitForFunction(() => window.yushan.lessons.state.running === null, null, { timeout: 10_000 });
      assert.equal(await page.evaluate(() => window.yushan.lessons.state.phase), 'stopped');
      assert.match(await page.textContent('#lesson-status'), /Stopped/);
      assert.equal(await page.isEnabled('#lesson-shortcut .lesson-run'), true);
      await page.waitForFunction(() => window.yushan.state.phase === 'ready', null, { timeout: 120_000 });
      assert.equal(await page.evaluate(() => window.yushan.state.model?.name ?? null), studioModel, 'the studio keeps its model');
    });

    const gpuErrors = await page.evaluate(() => window.yushan.lessons.state.gpuErrors);
    assert.deepEqual(gpuErrors, []);

    await t.test('a link with lesson= opens the panel at that lesson', async () => {
      await page.goto(`${baseUrl}?lesson=role-tags&lesson-seed=5`);
      await page.waitForFunction(() => window.yushan?.lessons?.state.open, null, { timeout: 30_000 });
      assert.equal(await page.isVisible('#lesson-role-tags .lesson-run'), true);
      assert.equal(await page.inputValue('#lesson-seed'), '5');
      assert.equal(await page.isVisible('#lessons-reduced'), false);
    });
    const bad = consoleLines.filter((l) => l.type === 'pageerror' || (l.type === 'error' && GPU_ERROR.test(l.text)));
    // The one lesson that failed on purpose (unknown field) logs its error; nothing else may.
    const failed = consoleLines.filter((l) => l.type === 'error' && l.text.startsWith('[yushan] lesson'));
    assert.ok(failed.every((l) => /unknown field `(step|generalist_steps|b_step)`/.test(l.text)), JSON.stringify(failed));
    assert.deepEqual(bad, []);
    assert.deepEqual(foreign, [], 'every request stays on the page\'s origin');
    console.log(`lessons test: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await fsp.writeFile(path.join(OUT, 'lessons-console.txt'), consoleLines.map((l) => `[${l.where}:${l.type}] ${l.text}`).join('\n'));
    await close();
  }
});

// No training: each card shows at once the result computed beforehand by the command line
// (lessons/results/NAME.json), with the file's own figures, labelled with the command that made
// it, the finding stated against the control arm, and the live run beside it. A file that does
// not load, or is not the lesson's, leaves the card with its question and the live run.
const byArmValue = (a, b) => `${a.arm} ${a.value} ${a.kind}`.localeCompare(`${b.arm} ${b.value} ${b.kind}`);
test('lessons: every card shows its result computed beforehand at once', { timeout: 300_000 }, async (t) => {
  const { page, consoleLines, close } = await launch();
  const ids = Object.keys(ARMS);
  const cardOf = (id) => `#lesson-${id}`;
  const shown = (id) => page.evaluate((sel) => {
    const box = document.querySelector(`${sel} .lesson-outcome`);
    const cells = [...box.querySelectorAll('.lesson-results td[data-value]')].map((td) => ({ ...td.dataset, text: td.textContent }));
    return {
      source: box.dataset.source, label: box.querySelector('.lesson-source')?.textContent, command: box.querySelector('.lesson-command')?.textContent,
      finding: box.querySelector('.lesson-finding')?.textContent ?? null, question: document.querySelector(`${sel} .lesson-question`).textContent,
      cells, heads: box.querySelectorAll('.lesson-results thead th.arm').length, rows: box.querySelectorAll('.lesson-answers tbody tr').length,
      notes: [...box.querySelectorAll('[data-note]')].map((p) => [p.dataset.note, Number(p.dataset.value)]),
      curve: box.querySelectorAll('.lesson-curve .uplot').length,
      run: document.querySelector(`${sel} .lesson-actions .lesson-run`)?.textContent, time: document.querySelector(`${sel} .lesson-actions .time`)?.textContent,
    };
  }, cardOf(id));
  try {
    await t.test('each of the six, with the file\'s figures, its command and a live run beside it', async () => {
      const t0 = Date.now();
      await page.goto(`${baseUrl}?lesson=shortcut`);
      await page.waitForFunction((n) => document.querySelectorAll('.lesson-outcome[data-source="shipped"]').length === n, ids.length, { timeout: 15_000 });
      const ms = Date.now() - t0;
      console.log(`the results computed beforehand: all ${ids.length} shown ${(ms / 1000).toFixed(1)} s after the page was asked for`);
      for (const lang of ['zh-Hant', 'en']) {
        if (lang === 'en') await page.click('#lang-toggle');
        for (const id of ids) {
          const file = SHIPPED[id];
          const v = await shown(id);
          assert.equal(v.source, 'shipped', id);
          assert.ok(v.label.startsWith(lang === 'en' ? 'Computed beforehand with the command line on a CPU (seed 0, the lesson\'s full settings)'
            : '事先用命令列在 CPU 上算好（種子 0，這一課的完整設定）'), `${id}: ${v.label}`);
          assert.equal(v.command, file.made_with);
          assert.match(v.question, /[？?]/, `${id}: the card asks its question`);
          assert.equal(v.run, lang === 'en' ? 'Run it live here' : '在這台機器上跑一次');
          assert.ok(v.time, `${id}: the time estimate beside the button`);
          // Every figure of every arm is the file's; a share shows as a percentage.
          const figures = file.summary.arms.flatMap((a) => a.metrics.map((m) => ({ arm: a.key, key: m.key, kind: m.kind, value: String(m.value) })));
          assert.deepEqual(v.cells.map(({ arm, kind, value }) => ({ arm, kind, value })).sort(byArmValue), figures.map(({ arm, kind, value }) => ({ arm, kind, value })).sort(byArmValue), id);
          const untuned = file.summary.arms.find((a) => a.key === 'untuned');
          const first = v.cells.find((c) => c.arm === 'untuned');
          assert.equal(Number(first.value), untuned.metrics[0].value, `${id}: the untuned arm's first figure`);
          if (first.kind === 'share') assert.equal(first.text, `${(untuned.metrics[0].value * 100).toFixed(1)}%`);
          assert.equal(v.heads, file.summary.arms.length);
          assert.equal(v.rows, file.summary.rows.length);
          assert.deepEqual(v.notes, file.summary.notes.map((n) => [n.key, n.value]));
          assert.equal(v.curve, file.summary.curves?.length ? 1 : 0, `${id}: the curve chart`);
          // The finding names the control and quotes the figures (each one found in the file: no '–').
          assert.ok(v.finding, `${id}: a finding beside the result`);
          assert.match(v.finding, lang === 'en' ? /untuned/i : /不微調/);
          assert.ok(!v.finding.includes('–'), `${id}: a figure of the finding is not in the file: ${v.finding}`);
          const quoted = untuned.metrics.map((m) => (m.kind === 'share' ? `${(m.value * 100).toFixed(1)}%` : null)).filter(Boolean);
          assert.ok(quoted.some((q) => v.finding.includes(q)), `${id}: the finding quotes the untuned arm (${quoted}): ${v.finding}`);
        }
        await page.locator('#lessons-panel').screenshot({ path: path.join(OUT, `lessons-shipped-${lang}.png`) });
      }
      await page.click('#lang-toggle');
    });

    await t.test('a file that does not load, or is another lesson\'s, leaves the question and the live run', async () => {
      await page.route('**/lessons/results/transfer.json', (route) => route.fulfill({ status: 404, body: 'not found' }));
      await page.route('**/lessons/results/role-tags.json', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify(SHIPPED.shortcut) }));
      await page.goto(`${baseUrl}?lesson=transfer`);
      await page.waitForFunction(() => document.querySelectorAll('.lesson-outcome:not([data-source="loading"])').length === 6, null, { timeout: 15_000 });
      const transfer = await shown('transfer');
      assert.equal(transfer.source, 'missing');
      assert.match(transfer.label, /lessons\/results\/transfer\.json：HTTP 404/);
      assert.equal(transfer.finding, null, 'no finding without a result');
      assert.equal(transfer.cells.length, 0);
      assert.equal(transfer.run, '在這台機器上跑一次');
      assert.ok(await page.isVisible(`${cardOf('transfer')} .lesson-question`));
      const roleTags = await shown('role-tags');
      assert.equal(roleTags.source, 'missing');
      assert.match(roleTags.label, /不是這一課的結果/);
      assert.equal((await shown('shortcut')).source, 'shipped');
      await page.unrouteAll();
    });
    assert.deepEqual(consoleLines.filter((l) => l.type === 'pageerror'), []);
  } finally {
    await close();
  }
});

