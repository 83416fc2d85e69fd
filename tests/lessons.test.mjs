// The Lessons panel in headless Chromium on SwiftShader: each lesson runs with one click, with
// reduced settings passed through the URL (lesson-spec, lesson-questions) so the file stays
// short. Loss points arrive for every arm, the figures table fills (shares in [0, 1]), the
// answers table has one row per question asked, the studio's own model is left alone, and
// nothing is fetched from another origin. Needs web/pkg/ (scripts/build-web.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { GPU_ERROR, OUT, foreignRequests, launch, serveRepo } from './harness.mjs';

let baseUrl;
serveRepo((url) => { baseUrl = url; });

// One step of each arm and short answers: the flow, not the finding (SwiftShader on 2 cores
// spends most of a run compiling kernels). One URL parameter serves both lessons: each takes
// the fields of its own spec.
const SPEC = { scratch_steps: 1, lora_steps: 1, steps: 1, max_answer_tokens: 4 };
const REDUCED = { shortcut: SPEC, 'role-tags': SPEC };
const QUESTIONS = 2;
const ARMS = { shortcut: ['scratch', 'lora'], 'role-tags': ['with tags', 'without tags'] };

const lessonUrl = (extra = '') => `${baseUrl}?lesson-spec=${encodeURIComponent(JSON.stringify(SPEC))}&lesson-questions=${QUESTIONS}${extra}`;

async function runLesson(page, id) {
  const t0 = Date.now();
  await page.click(`#lesson-${id} .lesson-run`);
  await page.waitForFunction(() => window.yushan.lessons.state.running === null
    && ['done', 'error', 'stopped'].includes(window.yushan.lessons.state.phase), null, { timeout: 240_000 });
  const s = await page.evaluate(() => window.yushan.lessons.state);
  assert.equal(s.error, null, `lesson ${id} failed: ${s.error}`);
  assert.equal(s.phase, 'done');
  const last = s.timings.at(-1);
  const arms = Object.entries(s.points).map(([arm, ps]) => `${arm} steps at ${ps.map((p) => (p.at_ms / 1000).toFixed(1)).join(', ')} s`);
  console.log(`lesson ${id} (reduced): ${((Date.now() - t0) / 1000).toFixed(1)} s in the test, ${(last.ms / 1000).toFixed(1)} s in the page; ${arms.join('; ')}`);
  return s;
}

async function checkTables(page, id, s) {
  const spec = REDUCED[id];
  // Loss points for every arm, all of them, in order.
  assert.deepEqual(Object.keys(s.points), ARMS[id]);
  const steps = id === 'shortcut' ? [spec.scratch_steps, spec.lora_steps] : [spec.steps, spec.steps];
  ARMS[id].forEach((arm, i) => {
    assert.deepEqual(s.points[arm].map((p) => p.step), Array.from({ length: steps[i] }, (_, k) => k + 1), arm);
    assert.ok(s.points[arm].every((p) => Number.isFinite(p.loss) && p.loss > 0), arm);
  });
  assert.equal(await page.locator('#lesson-chart .uplot').count(), 1, 'the loss chart is drawn');
  const legend = await page.locator('#lesson-chart .u-legend').textContent();
  assert.ok(legend.includes(id === 'shortcut' ? '從隨機權重訓練' : 'with role tags'), legend);

  // The figures: one column per arm; shares in [0, 1]; a loss for each arm.
  const cells = await page.$$eval('#lesson-results td[data-value]', (tds) => tds.map((td) => ({ ...td.dataset, text: td.textContent })));
  for (const arm of ARMS[id]) {
    const mine = cells.filter((c) => c.arm === arm);
    const shares = mine.filter((c) => c.kind === 'share');
    assert.ok(shares.length >= 2, `${arm}: shares`);
    for (const c of shares) {
      const v = Number(c.value);
      assert.ok(v >= 0 && v <= 1, `${arm}: share ${c.value}`);
      assert.match(c.text, /^\d+(\.\d)?%$/);
    }
    const loss = mine.find((c) => c.kind === 'loss');
    assert.ok(Number(loss.value) > 0 && Number.isFinite(Number(loss.value)), `${arm}: final loss ${loss.value}`);
    assert.ok(Number(mine.find((c) => c.kind === 'count').value) > 0, `${arm}: trainable params`);
  }
  const headers = await page.$$eval('#lesson-results thead th.arm', (ths) => ths.length);
  assert.equal(headers, 2);

  // The answers: one row per question asked, each arm's answer marked ✓ or ✗.
  assert.equal(s.result.questions, QUESTIONS);
  const rows = await page.$$eval('#lesson-answers tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
  assert.equal(rows.length, QUESTIONS);
  for (const row of rows) {
    assert.equal(row.length, 4);
    assert.match(row[0], /？$/);
    assert.match(row[2], /^[✓✗] /);
    assert.match(row[3], /^[✓✗] /);
  }
  assert.equal(s.result.summary.seed, s.spec.seed);
}

test('lessons: both run with one click on reduced settings', { timeout: 600_000 }, async (t) => {
  const { page, consoleLines, close } = await launch();
  const foreign = foreignRequests(page, baseUrl);
  const t0 = Date.now();
  try {
    await page.goto(lessonUrl('&lesson-seed=3'));
    await page.waitForFunction(() => window.yushan?.lessons && window.yushan.state.model, null, { timeout: 120_000 });
    const studioModel = await page.evaluate(() => window.yushan.state.model?.name ?? null);

    await t.test('the panel lists the lessons with their findings, data links and seed', async () => {
      // lesson= was not in the URL: the panel starts closed; open it.
      assert.equal(await page.isVisible('#lesson-list'), false);
      await page.click('#lessons-details > summary');
      assert.equal(await page.isVisible('#lesson-list'), true);
      const items = await page.$$eval('#lesson-list .lesson', (lis) => lis.map((li) => ({
        id: li.dataset.lesson, text: li.textContent, links: [...li.querySelectorAll('a')].map((a) => a.getAttribute('href')),
      })));
      assert.deepEqual(items.map((i) => i.id), ['shortcut', 'role-tags']);
      assert.match(items[0].text, /玉山/);
      assert.match(items[1].text, /角色標籤/);
      assert.ok(items[0].links.includes('lessons/shortcut/train.jsonl') && items[0].links.includes('lessons/shortcut/heldout.jsonl'));
      for (const href of items[0].links) {
        const res = await page.request.get(new URL(href, baseUrl).href);
        assert.equal(res.status(), 200, href);
      }
      assert.equal(await page.inputValue('#lesson-seed'), '3', 'the seed comes from the URL');
      assert.ok(await page.isVisible('#lessons-reduced'));
    });

    await t.test('最 → 玉山: loss for both arms, figures and answers', async () => {
      const s = await runLesson(page, 'shortcut');
      assert.equal(s.spec.seed, 3);
      assert.equal(s.spec.scratch_steps, REDUCED.shortcut.scratch_steps);
      await checkTables(page, 'shortcut', s);
      const note = await page.$eval('#lesson-notes [data-note="pretrained_completes"]', (p) => Number(p.dataset.value));
      assert.ok(note >= 0 && note <= 1);
      assert.match(page.url(), /[?&]lesson=shortcut(&|$)/);
      assert.match(page.url(), /[?&]lesson-seed=3(&|$)/);
      await page.locator('#lessons-panel').screenshot({ path: path.join(OUT, 'lessons-shortcut.png') });
    });

    await t.test('role tags, in English, with another seed', async () => {
      await page.click('#lang-toggle');
      await page.fill('#lesson-seed', '0');
      await page.dispatchEvent('#lesson-seed', 'change');
      assert.match(page.url(), /[?&]lesson-seed=0(&|$)/);
      const s = await runLesson(page, 'role-tags');
      assert.equal(s.spec.seed, 0);
      assert.match(page.url(), /[?&]lesson=role-tags(&|$)/);
      await checkTables(page, 'role-tags', s);
      assert.match(await page.textContent('#lesson-check'), /stops right after its answer/);
      await page.locator('#lessons-panel').screenshot({ path: path.join(OUT, 'lessons-role-tags-en.png') });
    });

    await t.test('Stop ends a run; the page and the studio carry on', async () => {
      await page.click('#lesson-shortcut .lesson-run');
      await page.waitForFunction(() => window.yushan.lessons.state.phase === 'training', null, { timeout: 60_000 });
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
    assert.deepEqual(bad, []);
    assert.deepEqual(foreign, [], 'every request stays on the page\'s origin');
    console.log(`lessons test: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await fsp.writeFile(path.join(OUT, 'lessons-console.txt'), consoleLines.map((l) => `[${l.where}:${l.type}] ${l.text}`).join('\n'));
    await close();
  }
});
