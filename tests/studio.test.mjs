// The fine-tuning studio as a teacher uses it, in headless Chromium: the conversation editor,
// the token view (what carries the loss, and drawn so), JSONL import and export, persistence
// across a reload, the interface language, training settings in the URL (a bad one refused by
// name), and the keyboard and screen-reader basics (a skip link, named fields, legible tokens).
// No training run here (the one short run of the suite is in page.test.mjs). Needs web/pkg/
// (scripts/build-web.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { OUT, ROOT, foreignRequests, launch, serveRepo } from './harness.mjs';

let baseUrl;

serveRepo((url) => { baseUrl = url; });

const waitReady = (page) => page.waitForFunction(
  () => window.yushan?.state.uiReady && window.yushan.state.tokenView,
  null, { timeout: 120_000 },
);

// The tokens of the token view: their (visible) text, kind and whether they carry the loss.
const tokens = (page) => page.$$eval('#token-view .tok', (els) => els.map((e) => ({
  text: e.textContent,
  kind: [...e.classList].find((c) => c.startsWith('kind-'))?.slice(5),
  loss: e.classList.contains('loss'),
})));
const join = (toks) => toks.map((t) => t.text).join('');

// WCAG contrast of each element's text against the background it is drawn on: its own, or the
// nearest opaque one behind it ([{text, cls, ratio}]). The page's colours are opaque.
const contrasts = (page, selector) => page.$$eval(selector, (els) => {
  const rgba = (css) => css.match(/[\d.]+/g).map(Number);
  const lum = (css) => rgba(css).slice(0, 3)
    .map((c) => { const v = c / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const bg = getComputedStyle(e).backgroundColor;
      if ((rgba(bg)[3] ?? 1) > 0) return bg;
    }
    return 'rgb(255, 255, 255)';
  };
  return els.map((e) => {
    const [a, b] = [lum(getComputedStyle(e).color), lum(background(e))].sort((x, y) => y - x);
    return { text: e.textContent, cls: e.className, ratio: (a + 0.05) / (b + 0.05) };
  });
});

const line = (messages) => JSON.stringify({ messages });

// Waits for the token view of conversation 2 with template `tpl`, drawn from the conversation as
// it is now, turn by turn: the view is redrawn a moment after each change, and a view drawn
// before the last edit also holds 3952.
const waitForView = (page, tpl) => page.waitForFunction((template) => {
  const view = window.yushan.state.tokenView;
  const roles = [...document.querySelectorAll('#token-view .tok')].map((e) => e.dataset.role).filter((r, i, all) => r !== all[i - 1]);
  const { data } = window.yushan;
  return view?.template === template && view.index === 1 && document.getElementById('token-view').textContent.includes('3952')
    && roles.join() === data.conversations[data.selected].messages.map((m) => m.role).join();
}, tpl, { timeout: 30_000 });

test('studio: editor, token view, import/export, reload, language, URL settings', { timeout: 600_000 }, async (t) => {
  const { page, consoleLines, close } = await launch();
  const foreign = foreignRequests(page, baseUrl);
  try {
    await page.goto(baseUrl);
    await waitReady(page);
    assert.match(await page.textContent('#privacy'), /不會上傳/);

    await t.test('accessibility: a skip link first, the JSONL text named, separators legible', async () => {
      // The first Tab reaches the skip link, shown only then; it lands in the training form.
      const skip = page.locator('#skip-to-train');
      assert.ok((await skip.boundingBox()).y < 0, 'the skip link shows before it has focus');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'skip-to-train', 'the skip link is not the first stop for Tab');
      const box = await skip.boundingBox();
      assert.ok(box.y >= 0 && box.height > 0, `the focused skip link is out of sight: ${JSON.stringify(box)}`);
      assert.equal((await skip.innerText()).trim(), '跳到訓練');
      await page.keyboard.press('Enter');
      const landed = await page.evaluate(() => document.activeElement.id);
      assert.ok(['train', 'steps'].includes(landed), `the skip link landed on #${landed}`);
      assert.ok(await page.locator('#train-panel').evaluate((el) => el.getBoundingClientRect().top < innerHeight), 'the training form is not in view');
      assert.doesNotMatch(await page.evaluate(() => location.href), /#/, 'the skip link wrote a #fragment into the address');
      await page.evaluate(() => window.scrollTo(0, 0));
      // The raw JSONL textarea has a name (its details are closed: hidden elements included).
      const raw = page.getByRole('textbox', { name: 'JSONL 文字（一行一段對話）', exact: true, includeHidden: true });
      assert.equal(await raw.count(), 1, 'no textbox named like the JSONL text');
      assert.equal(await raw.evaluate((el) => el.id), 'data');
      // Every token of the view reads at 4.5:1 or better against its background: the ↵
      // separators were 2.3:1. The legend's samples too.
      const seps = await contrasts(page, '#token-view .tok.kind-separator');
      assert.ok(seps.length > 0 && seps.every((s) => s.text === '↵'), JSON.stringify(seps));
      const low = [...await contrasts(page, '#token-view .tok:not(.partial)'), ...await contrasts(page, '#token-legend .tok')]
        .filter((s) => s.ratio < 4.5);
      assert.deepEqual(low, [], 'tokens below 4.5:1');
    });

    await t.test('edit a conversation: text, roles, add and reorder turns', async () => {
      await page.click('#conv-list .conv-item[data-index="1"]');
      assert.match(await page.textContent('#conv-title'), /對話 2/);
      await page.fill('#turns [data-turn="0"] textarea', '玉山有多高？');
      await page.fill('#turns [data-turn="1"] textarea', '3952 公尺。');
      await page.click('#turn-add'); // after the assistant comes a user turn
      assert.equal(await page.inputValue('#turns [data-turn="2"] select'), 'user');
      await page.selectOption('#turns [data-turn="2"] select', 'system');
      await page.fill('#turns [data-turn="2"] textarea', '簡答。');
      await page.click('#turns [data-turn="2"] .turn-up');
      await page.click('#turns [data-turn="1"] .turn-up');
      const c = await page.evaluate(() => window.yushan.data.conversations[1]);
      assert.deepEqual(c.messages, [
        { role: 'system', content: '簡答。' },
        { role: 'user', content: '玉山有多高？' },
        { role: 'assistant', content: '3952 公尺。' },
      ]);
      assert.match(await page.textContent('#conv-list .conv-item[data-index="1"]'), /玉山有多高/);
      // Reorder conversations: down, then up again.
      await page.click('#conv-down');
      assert.equal(await page.evaluate(() => window.yushan.data.conversations[2].messages[1].content), '玉山有多高？');
      await page.click('#conv-up');
      assert.equal(await page.evaluate(() => window.yushan.data.selected), 1);
      // Delete a turn, then put it back.
      await page.click('#turns [data-turn="0"] .turn-delete');
      assert.equal(await page.evaluate(() => window.yushan.data.conversations[1].messages.length), 2);
      await page.click('#turn-add');
      await page.selectOption('#turns [data-turn="2"] select', 'system');
      await page.fill('#turns [data-turn="2"] textarea', '簡答。');
      await page.click('#turns [data-turn="2"] .turn-up');
      await page.click('#turns [data-turn="1"] .turn-up');
      assert.deepEqual(await page.evaluate(() => window.yushan.data.conversations[1]), c);
    });

    await t.test('the token view marks assistant tokens as carrying loss, role tags as not', async () => {
      const check = async (template) => {
        await page.selectOption('#template', template);
        await waitForView(page, template);
        const toks = await tokens(page);
        const lossToks = toks.filter((x) => x.loss);
        const endOfTurn = toks.filter((x) => x.kind === 'end_of_turn' && x.loss);
        // Exactly the assistant's content and its end of turn carry the loss.
        assert.equal(join(lossToks), `3952␣公尺。${join(endOfTurn)}`, template);
        assert.ok(lossToks.every((x) => ['assistant', 'end_of_turn'].includes(x.kind)), template);
        assert.ok(toks.filter((x) => ['role_tag', 'user', 'system', 'separator'].includes(x.kind)).every((x) => !x.loss), template);
        assert.ok(join(toks.filter((x) => x.kind === 'user')).includes('玉山有多高？'));
        const state = await page.evaluate(() => window.yushan.state.tokenView);
        assert.equal(state.loss_tokens, lossToks.length);
        assert.equal(state.tokens, toks.length);
        return { toks, roleTags: toks.filter((x) => x.kind === 'role_tag'), endOfTurn };
      };
      const plain = await check('plain');
      assert.equal(join(plain.roleTags), '系統:␣使用者:␣AI:␣');
      assert.equal(plain.endOfTurn.length, 1);
      await page.locator('#tokens-panel').screenshot({ path: path.join(OUT, 'tokens-plain.png') });
      const chatml = await check('chatml');
      assert.match(join(chatml.roleTags), /^<\|im_start\|>system↵<\|im_start\|>user↵<\|im_start\|>assistant↵$/);
      assert.equal(join(chatml.endOfTurn), '<|im_end|>');
      assert.match(await page.evaluate(() => location.href), /[?&]template=chatml(&|$)/, 'the template is part of the link');
      await page.locator('#tokens-panel').screenshot({ path: path.join(OUT, 'tokens-chatml.png') });
      const none = await check('none');
      assert.equal(none.roleTags.length, 0);
      assert.equal(none.endOfTurn.length, 0);
      await check('plain');
    });

    await t.test('ChatML: the loss colours only on tokens that carry loss', async () => {
      await page.selectOption('#template', 'chatml');
      await waitForView(page, 'chatml');
      // A token's colour: its fill. The legend's colours for "carries loss" are those of the
      // assistant's content and of its end of turn.
      const looks = (selector) => page.$$eval(selector, (els) => els.map((e) => {
        const s = getComputedStyle(e);
        return {
          text: e.textContent, role: e.dataset.role, kind: [...e.classList].find((c) => c.startsWith('kind-'))?.slice(5),
          loss: e.classList.contains('loss'), look: s.backgroundColor,
        };
      }));
      const lossLooks = (await looks('#token-legend .tok.loss')).map((x) => x.look);
      assert.equal(lossLooks.length, 2);
      const toks = await looks('#token-view .tok');
      const user = toks.filter((x) => x.role === 'user');
      assert.ok(user.some((x) => x.text === '<|im_end|>'), 'the user turn has no <|im_end|>');
      // The user's <|im_end|> was drawn in the end-of-turn orange of the legend.
      const loud = user.filter((x) => lossLooks.includes(x.look));
      assert.deepEqual(loud, [], 'user tokens drawn in a loss colour');
      assert.ok(toks.filter((x) => x.role === 'system').every((x) => !lossLooks.includes(x.look)), 'system tokens drawn in a loss colour');
      const content = toks.filter((x) => x.role === 'assistant' && x.kind === 'assistant');
      assert.equal(join(content), '3952␣公尺。');
      assert.ok(content.every((x) => x.loss && x.look === lossLooks[0]), 'the assistant content is not in the loss colour');
      const end = toks.filter((x) => x.role === 'assistant' && x.kind === 'end_of_turn');
      assert.ok(end.length === 1 && end[0].look === lossLooks[1], 'the assistant end of turn is not in the loss colour');
      await page.locator('#tokens-panel').screenshot({ path: path.join(OUT, 'tokens-chatml-loss.png') });
      await page.selectOption('#template', 'plain');
      await page.waitForFunction(() => window.yushan.state.tokenView?.template === 'plain', null, { timeout: 30_000 });
    });

    await t.test('a conversation training would refuse is flagged and training says which', async () => {
      await page.click('#conv-add');
      assert.equal(await page.evaluate(() => window.yushan.data.selected), 2);
      await page.fill('#turns [data-turn="0"] textarea', '沒有答案的問題');
      await page.waitForSelector('#conv-list .conv-item.bad[data-index="2"]', { timeout: 30_000 });
      assert.ok(await page.isVisible('#conv-problem'));
      assert.match(await page.textContent('#conv-problem'), /turn 2 \(assistant\) is empty/);
      await page.waitForFunction(() => window.yushan.state.phase === 'ready' || window.yushan.state.phase.startsWith('ready-'), null, { timeout: 120_000 });
      const phase = await page.evaluate(() => window.yushan.state.phase);
      console.log(`phase before the refused training: ${phase}`);
      if (phase === 'ready') {
        await page.click('#conv-list .conv-item[data-index="0"]');
        await page.click('#train');
        await page.waitForFunction(() => window.yushan.state.phase === 'error', null, { timeout: 60_000 });
        assert.match(await page.textContent('#train-status'), /第 3 段對話.*turn 2 \(assistant\) is empty/);
        assert.equal(await page.evaluate(() => window.yushan.data.selected), 2, 'the conversation at fault is shown');
        assert.equal(await page.evaluate(() => window.yushan.state.losses.length), 0);
      }
      await page.click('#conv-delete');
      assert.equal(await page.evaluate(() => window.yushan.data.conversations.length), 8);
      assert.equal(await page.locator('#conv-list .conv-item.bad').count(), 0, 'a flag stayed after the delete');
      assert.ok(await page.isHidden('#conv-problem'));
      assert.match(await page.textContent('#import-status'), /已刪除對話 3/);
    });

    await t.test('a malformed JSONL import names the line and changes nothing', async () => {
      const before = await page.evaluate(() => window.yushan.toJsonl());
      const good = line([{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }]);
      const bad = line([{ role: 'user', content: 'hi' }, { role: 'robot', content: 'x' }]);
      await page.setInputFiles('#import-file', { name: 'bad.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(`${good}\n${bad}\n${good}\n`) });
      await page.waitForFunction(() => document.getElementById('import-status').classList.contains('error'), null, { timeout: 30_000 });
      const status = await page.textContent('#import-status');
      console.log(`bad import: ${status}`);
      assert.match(status, /bad\.jsonl/);
      assert.match(status, /line 2: messages\[1\]\.role: unknown role "robot"/);
      assert.match(status, /資料沒有變動/);
      assert.equal(await page.evaluate(() => window.yushan.toJsonl()), before, 'the data changed');
      await page.locator('#data-panel').screenshot({ path: path.join(OUT, 'import-error.png') });
      // The teacher may still take the good rows, and undo that.
      await page.click('#import-status button.link');
      assert.equal(await page.evaluate(() => window.yushan.data.conversations.length), 2);
      await page.click('#import-status button.link');
      assert.equal(await page.evaluate(() => window.yushan.toJsonl()), before, 'undo did not restore the data');

      // The JSONL text: a good edit applies (and can be undone).
      await page.click('#raw-jsonl summary');
      await page.fill('#data', `${good}\n`);
      assert.match(await page.textContent('#data-status'), /套用文字/);
      await page.click('#data-apply');
      await page.waitForFunction(() => window.yushan.data.conversations.length === 1, null, { timeout: 30_000 });
      await page.click('#data-status button.link');
      assert.equal(await page.evaluate(() => window.yushan.toJsonl()), before, 'undo did not restore the data');
      assert.equal(await page.inputValue('#data'), before, 'the text follows the data');
      await page.click('#raw-jsonl summary');

      // A good file dropped on the page replaces the data; Undo brings the old data back.
      const text = `${good}\n{"prompt":"1+1?","completion":"2"}\n`;
      await page.evaluate((body) => {
        const dt = new DataTransfer();
        dt.items.add(new File([body], 'more.jsonl', { type: 'application/jsonl' }));
        const panel = document.getElementById('data-panel');
        for (const type of ['dragenter', 'dragover', 'drop']) {
          panel.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
        }
      }, text);
      await page.waitForFunction(() => window.yushan.data.conversations.length === 2, null, { timeout: 30_000 });
      assert.match(await page.textContent('#import-status'), /more\.jsonl/);
      assert.deepEqual(await page.evaluate(() => window.yushan.data.conversations[1].messages), [
        { role: 'user', content: '1+1?' }, { role: 'assistant', content: '2' },
      ]);
      await page.click('#import-status button.link');
      assert.equal(await page.evaluate(() => window.yushan.toJsonl()), before, 'undo did not restore the data');
    });

    await t.test('a JSONL file that is not UTF-8 names the line and byte, and changes nothing', async () => {
      const before = await page.evaluate(() => window.yushan.toJsonl());
      const good = line([{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }]);
      // "café" saved as Latin-1: é is the byte 0xE9, which UTF-8 never has before a quote.
      const head = Buffer.from(`${good}\n${line([{ role: 'user', content: 'caf' }]).split('caf')[0]}caf`);
      const tail = Buffer.from('"},{"role":"assistant","content":"x"}]}\n');
      const offset = head.length;
      const column = offset - (Buffer.byteLength(good) + 1) + 1;
      await page.setInputFiles('#import-file', { name: 'latin1.jsonl', mimeType: 'application/jsonl', buffer: Buffer.concat([head, Buffer.from([0xe9]), tail]) });
      await page.waitForFunction(() => document.getElementById('import-status').classList.contains('error'), null, { timeout: 30_000 });
      const status = await page.textContent('#import-status');
      console.log(`not UTF-8: ${status}`);
      assert.match(status, /latin1\.jsonl 沒有匯入：它不是 UTF-8 文字。/);
      assert.ok(status.includes(`第 2 行第 ${column} 個位元組（檔案的位元組位置 ${offset}）是 0xE9`), status);
      assert.match(status, /資料沒有變動/);
      assert.deepEqual(await page.evaluate(() => window.yushan.state.lastImport.notUtf8), { offset, line: 2, column, byte: '0xE9' });
      assert.equal(await page.evaluate(() => window.yushan.toJsonl()), before, 'the data changed');
      // The scan agrees with the browser's strict decoder on the hard cases (overlong, surrogate,
      // past U+10FFFF, cut short, a stray continuation byte), and finds nothing in good UTF-8.
      const scans = await page.evaluate(async () => {
        const { firstBadByte } = await import('./web/data-panel.js');
        const cases = [[0x61, 0x0a, 0xc0, 0xaf], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x61, 0xe4, 0xb8], [0x80], [0xe7, 0x8e, 0x89, 0xf0, 0x9f, 0x98, 0x80]];
        return cases.map((c) => {
          const bytes = new Uint8Array(c);
          let decodes = true;
          try { new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch { decodes = false; }
          return { decodes, at: firstBadByte(bytes)?.offset ?? null };
        });
      });
      assert.deepEqual(scans.map((x) => x.at), [2, 0, 0, 0, 1, 0, null]);
      assert.ok(scans.every((x) => x.decodes === (x.at === null)), JSON.stringify(scans));
      // The same file saved as UTF-8 imports, é and all; Undo brings the data back.
      await page.setInputFiles('#import-file', { name: 'utf8.jsonl', mimeType: 'application/jsonl', buffer: Buffer.concat([head, Buffer.from('é'), tail]) });
      await page.waitForFunction(() => window.yushan.data.conversations.length === 2, null, { timeout: 30_000 });
      assert.equal(await page.evaluate(() => window.yushan.data.conversations[1].messages[0].content), 'café');
      await page.click('#import-status button.link');
      assert.equal(await page.evaluate(() => window.yushan.toJsonl()), before, 'undo did not restore the data');
    });

    await t.test('export downloads the data as JSONL', async () => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-data')]);
      assert.equal(download.suggestedFilename(), 'yushan-data.jsonl');
      const text = await fsp.readFile(await download.path(), 'utf8');
      assert.equal(text, await page.evaluate(() => window.yushan.toJsonl()));
      const rows = text.trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(rows.length, 8);
      assert.equal(rows[1].messages[0].role, 'system');
    });

    await page.screenshot({ path: path.join(OUT, 'studio-zh.png'), fullPage: true });

    await t.test('the edited data survives a reload', async () => {
      await page.click('#conv-list .conv-item[data-index="1"]');
      const before = await page.evaluate(() => window.yushan.toJsonl());
      await page.evaluate(() => window.yushan.storeIdle());
      await page.reload();
      await waitReady(page);
      assert.equal(await page.evaluate(() => window.yushan.state.dataset.restored), true);
      assert.equal(await page.evaluate(() => window.yushan.toJsonl()), before);
      assert.equal(await page.evaluate(() => window.yushan.data.selected), 1, 'the selected conversation is kept');
      assert.equal(await page.inputValue('#turns [data-turn="1"] textarea'), '玉山有多高？');
    });

    await t.test('the interface language switches, one language at a time, and is remembered', async () => {
      const heading = () => page.innerText('#train-panel h2');
      assert.equal(await page.getAttribute('html', 'lang'), 'zh-Hant');
      assert.equal((await heading()).trim(), '3. 訓練');
      await page.click('#lang-toggle');
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      assert.equal((await heading()).trim(), '3. Train');
      assert.match(await page.innerText('#privacy'), /stay on this machine/);
      assert.doesNotMatch(await page.innerText('#privacy'), /不會上傳/);
      assert.equal(await page.textContent('#turns [data-turn="2"] select option:checked'), 'assistant');
      assert.match(await page.textContent('#token-summary'), /tokens, \d+ of them carry loss/);
      assert.equal(await page.getAttribute('#heldout', 'placeholder'), 'auto');
      assert.equal(await page.getAttribute('#data', 'aria-label'), 'JSONL text (one conversation per line)');
      await page.screenshot({ path: path.join(OUT, 'studio-en.png'), fullPage: true });
      await page.reload();
      await waitReady(page);
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      assert.equal((await heading()).trim(), '3. Train');
      await page.click('#lang-toggle');
      assert.equal((await heading()).trim(), '3. 訓練');
    });

    await t.test('training settings come from the URL, and a link carries them', async () => {
      await page.goto(`${baseUrl}?steps=7&lr=0.01&rank=4&alpha=8&targets=q,v&seed=3&template=chatml&heldout=20`);
      await waitReady(page);
      const values = await page.evaluate(() => Object.fromEntries(
        ['steps', 'lr', 'rank', 'alpha', 'targets', 'seed', 'template', 'heldout'].map((id) => [id, document.getElementById(id).value]),
      ));
      assert.deepEqual(values, { steps: '7', lr: '0.01', rank: '4', alpha: '8', targets: 'q,v', seed: '3', template: 'chatml', heldout: '20' });
      await page.waitForFunction(() => window.yushan.state.tokenView?.template === 'chatml', null, { timeout: 30_000 });
      // The link in the page reproduces these settings; a bad value in a link is ignored.
      assert.match(await page.inputValue('#share-url'), /steps=7&lr=0\.01&rank=4&alpha=8&targets=q,v&seed=3&template=chatml&heldout=20/);
      // The list marks the conversations this run holds out: 20 % of them, chosen by the seed.
      const count = await page.locator('.conv-item').count();
      const expected = Math.min(count - 1, Math.max(1, Math.round(count * 0.2)));
      await page.waitForFunction((n) => document.querySelectorAll('.conv-item.heldout').length === n, expected, { timeout: 30_000 });
      assert.equal(await page.locator('.conv-item.heldout .heldout-tag').count(), expected);
      const heldBySeed3 = await page.evaluate(() => window.yushan.state.heldoutRows.join());
      await page.fill('#seed', '4');
      await page.dispatchEvent('#seed', 'change');
      await page.waitForFunction((before) => window.yushan.state.heldoutRows.join() !== before, heldBySeed3, { timeout: 30_000 });
      await page.fill('#seed', '3');
      await page.dispatchEvent('#seed', 'change');
      await page.waitForFunction((before) => window.yushan.state.heldoutRows.join() === before, heldBySeed3, { timeout: 30_000 });
      // Typing a setting leaves the page where it is (the data check after each change redraws
      // the conversation list: it used to pull the page back up to the list).
      await page.evaluate(() => window.scrollTo(0, document.getElementById('steps').getBoundingClientRect().top + window.scrollY - 300));
      const scrollY = await page.evaluate(() => window.scrollY);
      assert.ok(scrollY > 300, `the page did not scroll to the settings (${scrollY})`);
      await page.locator('#steps').pressSequentially('5');
      await page.waitForFunction(() => document.getElementById('steps').value === '75', null, { timeout: 10_000 });
      await page.waitForTimeout(1500);
      assert.equal(await page.evaluate(() => window.scrollY), scrollY, 'the page moved while typing a setting');
      await page.fill('#steps', '7');
      // The settings from the link are saved (as any change is) before the next visit.
      await page.evaluate(() => window.yushan.storeIdle());
      await page.goto(`${baseUrl}?template=xml&steps=-3`);
      await waitReady(page);
      assert.equal(await page.inputValue('#template'), 'chatml', 'kept from before');
      assert.equal(await page.inputValue('#steps'), '7');
      assert.match(await page.evaluate(() => location.href), /steps=7&.*template=chatml/);
      // ... and the page says which values of the link it did not use, and why.
      const note = await page.textContent('#settings-status');
      assert.match(note, /沒有採用連結裡的 steps=-3：步數要填 1 到 1000 的整數；沿用 7。/);
      assert.match(note, /沒有採用連結裡的 template=xml：對話範本要填 plain, chatml, none, model 其中之一；沿用 chatml。/);
    });

    await t.test('a bad training setting, from a link or typed, is refused by name and never kept', async () => {
      // models/default: the page is ready to train sooner (nothing trains here).
      await page.goto(`${baseUrl}?model=models/default&steps=2.5&lr=1e309&batch=0`);
      await waitReady(page);
      // The link's bad values are not used: each is named with what it must be, and the value kept.
      const note = await page.textContent('#settings-status');
      assert.match(note, /沒有採用連結裡的 steps=2\.5：步數要填 1 到 1000 的整數；沿用 7。/);
      assert.match(note, /沒有採用連結裡的 lr=1e309：學習率要填大於 0 的數（例如 0\.0005）；沿用 0\.01。/);
      assert.match(note, /沒有採用連結裡的 batch=0：批次大小要填 1 到 64 的整數；沿用 8。/);
      assert.deepEqual(await page.evaluate(() => ['steps', 'lr', 'batch'].map((id) => document.getElementById(id).value)), ['7', '0.01', '8']);
      const goodLink = /[?&]steps=7&lr=0\.01&rank=4&.*&batch=8&/;
      assert.match(await page.evaluate(() => location.href), goodLink, 'the link holds the values used');

      // Typed: 1e309 is past what a number holds (the input empties itself); 2.5 steps is no
      // whole number. Each is flagged once committed, and neither reaches the link.
      await page.fill('#lr', '1e309');
      await page.press('#lr', 'Tab');
      assert.equal(await page.getAttribute('#lr', 'aria-invalid'), 'true');
      assert.match(await page.textContent('#settings-status'), /學習率不是能用的數字：要填大於 0 的數/);
      await page.fill('#steps', '2.5');
      await page.press('#steps', 'Tab');
      assert.match(await page.textContent('#settings-status'), /步數不能是 2\.5：要填 1 到 1000 的整數。/);
      assert.match(await page.evaluate(() => location.href), goodLink, 'a bad value went into the link');

      // Train refuses, naming both, and starts nothing: the data and the last run are as they were.
      await page.waitForFunction(() => window.yushan.state.phase === 'ready' || window.yushan.state.phase.startsWith('ready-'), null, { timeout: 120_000 });
      if (await page.evaluate(() => window.yushan.state.phase) === 'ready') {
        const data = await page.evaluate(() => window.yushan.toJsonl());
        const lastRun = await page.evaluate(() => JSON.stringify(window.yushan.state.lastRun));
        await page.click('#train');
        const status = await page.textContent('#train-status');
        console.log(`refused run: ${status}`);
        assert.match(status, /^沒有開始訓練。步數不能是 2\.5：要填 1 到 1000 的整數。學習率不是能用的數字：要填大於 0 的數/);
        assert.ok(await page.evaluate(() => document.getElementById('train-status').classList.contains('error')));
        assert.equal(await page.evaluate(() => document.activeElement.id), 'steps', 'the first bad setting is focused');
        await page.waitForTimeout(300);
        const after = await page.evaluate(() => ({ phase: window.yushan.state.phase, losses: window.yushan.state.losses.length, lastRun: JSON.stringify(window.yushan.state.lastRun) }));
        assert.deepEqual(after, { phase: 'ready', losses: 0, lastRun }, 'a run started');
        assert.equal(await page.evaluate(() => window.yushan.toJsonl()), data, 'the data changed');
        // The message is in both languages.
        await page.click('#lang-toggle');
        assert.match(await page.textContent('#train-status'), /^Training did not start\. Steps cannot be 2\.5: it must be a whole number from 1 to 1000\. Learning rate is not a number the page can use: it must be a number above 0/);
        await page.click('#lang-toggle');
      }

      // Nothing bad was saved: the next visit has the good values.
      await page.evaluate(() => window.yushan.storeIdle());
      await page.goto(`${baseUrl}?model=models/default`);
      await waitReady(page);
      assert.deepEqual(await page.evaluate(() => ['steps', 'lr', 'batch'].map((id) => document.getElementById(id).value)), ['7', '0.01', '8']);
      assert.equal(await page.textContent('#settings-status'), '');
      // A flag goes as soon as the value is good, and the good value is linked and saved.
      await page.fill('#lr', '0');
      await page.press('#lr', 'Tab');
      assert.match(await page.textContent('#settings-status'), /學習率不能是 0：要填大於 0 的數/);
      await page.fill('#lr', '0.02');
      assert.equal(await page.getAttribute('#lr', 'aria-invalid'), null);
      assert.equal(await page.textContent('#settings-status'), '');
      assert.match(await page.evaluate(() => location.href), /[?&]steps=7&lr=0\.02&/);
    });

    const state = await page.evaluate(() => window.yushan.state);
    const unexpected = state.errors.filter((e) => !e.startsWith('train: 第 3 段對話'));
    assert.deepEqual(unexpected, [], 'page errors');
    const pageErrors = consoleLines.filter((l) => l.type === 'pageerror' || l.where === 'net');
    assert.deepEqual(pageErrors, [], 'uncaught errors or failed requests');
    assert.deepEqual(foreign, [], 'requests to other origins');
  } finally {
    await fsp.writeFile(path.join(OUT, 'studio-console.txt'), consoleLines.map((l) => `[${l.where}:${l.type}] ${l.text}`).join('\n'));
    await close();
  }
});

test('studio: on a phone the page does not scroll by itself, and a lesson link lands on its lesson', { timeout: 300_000 }, async () => {
  const { page, close } = await launch();
  try {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(baseUrl);
    await waitReady(page);
    // The data checks that follow start-up redraw the conversation list: the page stays at the top.
    for (let i = 0; i < 4; i++) {
      await page.waitForTimeout(500);
      assert.equal(await page.evaluate(() => window.scrollY), 0, 'the page scrolled by itself');
    }
    await page.goto(`${baseUrl}?lesson=shortcut`);
    await waitReady(page);
    await page.waitForTimeout(1500);
    const top = await page.evaluate(() => document.getElementById('lesson-shortcut').getBoundingClientRect().top);
    assert.ok(Math.abs(top) < 5, `the lesson is ${top} px from the top of the view`);
  } finally {
    await close();
  }
});
