// A Hugging Face model folder opened in the page (headless Chromium on SwiftShader): a random
// bf16 Llama in two shards, written by the test, loads through the folder button, trains a
// step and answers; a truncated shard, a missing tensor, a model too big for the GPU's buffers
// and a folder of pytorch_model.bin only are refused with what is wrong, and the model, the
// data and the adapters from before stay usable. Needs web/pkg/ (scripts/build-web.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { OUT, launch, serveRepo } from './harness.mjs';
import { safetensors, writeLlamaFolder } from './hf-checkpoint.mjs';

let baseUrl;
serveRepo((url) => { baseUrl = url; });

const SHARD2 = 'model-00002-of-00002.safetensors';

// A copy of folder `from` named `name`, with `change(dir)` applied.
async function variant(from, name, change) {
  const dir = path.join(path.dirname(from), name);
  await fsp.cp(from, dir, { recursive: true });
  await change(dir);
  return dir;
}

// Opens `dir` with the folder button and waits for the page to accept or refuse it.
async function openFolder(page, dir) {
  const before = await page.evaluate(() => window.yushan.state.modelOpens.length);
  await page.setInputFiles('#model-folder', dir);
  await page.waitForFunction((n) => window.yushan.state.modelOpens.length > n, before, { timeout: 60_000 });
  return page.evaluate(() => window.yushan.state.modelOpens.at(-1));
}

// Trains `steps` steps of the current model; returns the losses.
async function trainSteps(page, steps = 1) {
  await page.fill('#steps', String(steps));
  await page.click('#train');
  await page.waitForFunction(() => ['trained', 'error'].includes(window.yushan.state.phase) && !document.getElementById('train').disabled, null, { timeout: 120_000, polling: 200 });
  const state = await page.evaluate(() => window.yushan.state);
  assert.equal(state.phase, 'trained', `training failed: ${await page.textContent('#train-status')}`);
  return state.losses.map((p) => p.loss);
}

test('model folder: a sharded bf16 Llama trains and answers; broken folders are refused and the model stays', { timeout: 300_000 }, async (t) => {
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'yushan-hf-'));
  const good = path.join(tmp, 'tiny-llama');
  const { files, params } = await writeLlamaFolder(good);
  const { page, consoleLines, close } = await launch({ locale: 'en-US' });
  try {
    await page.goto(baseUrl);
    await page.waitForFunction(() => window.yushan?.state.uiReady && window.yushan.state.model, null, { timeout: 120_000 });
    const dataBefore = await page.evaluate(() => window.yushan.toJsonl());
    // SwiftShader has no shader-f16: frozen weights stay f32 there (native tests cover f16).
    assert.match(await page.textContent('#adapter-limits'), /maxBufferSize \d.* maxStorageBufferBindingSize \d.* · shader-f16 ✗$/);

    await t.test('the folder loads: figures first, then the model with its own chat template', async () => {
      const opened = await openFolder(page, good);
      assert.ok(opened.ok, opened.message);
      const plan = await page.evaluate(() => window.yushan.state.modelPlan);
      const shardBytes = files['model-00001-of-00002.safetensors'].length + files[SHARD2].length;
      assert.deepEqual(
        { name: plan.name, type: plan.model_type, dtype: plan.dtype, params: plan.params, f32: plan.f32_bytes, stored: plan.stored_bytes, files: plan.weight_files },
        { name: 'tiny-llama', type: 'llama', dtype: 'bfloat16', params, f32: params * 4, stored: shardBytes, files: ['model-00001-of-00002.safetensors', SHARD2] },
      );
      const status = await page.textContent('#model-status');
      console.log(`status: ${status}`);
      assert.match(status, /^Loaded: tiny-llama \(llama, bfloat16\): 26,784 parameters; weights .* as stored, 107\.1 kB on the GPU \(matrices in f32; 107\.1 kB all in f32\); .*maxStorageBufferBindingSize/);
      const info = await page.textContent('#model-info');
      console.log(`model: ${info}`);
      assert.equal(info, 'tiny-llama (llama): 26,784 parameters, width 32, 2 layers, vocabulary 122, frozen weights in f32 on the GPU · chat template: the model’s own (tokenizer_config.json)');
      assert.equal(await page.inputValue('#template'), 'model');
      const state = await page.evaluate(() => window.yushan.state);
      console.log(`engine memory while loading: ${JSON.stringify(state.model.engineMemory)}; load ${state.timings.modelLoadMs.toFixed(0)} ms`);
      assert.equal(state.model.params, params);
      await page.locator('#gpu-panel').screenshot({ path: path.join(OUT, 'model-folder.png') });
    });

    await t.test('one training step gives a finite loss, and the model answers', async () => {
      const losses = await trainSteps(page, 1);
      console.log(`loss: ${losses}`);
      assert.equal(losses.length, 1);
      assert.ok(Number.isFinite(losses[0]), `loss ${losses[0]}`);
      await page.fill('#max-tokens', '6');
      await page.click('#generate');
      await page.waitForFunction(() => window.yushan.state.answers?.tuned || window.yushan.state.errors.length, null, { timeout: 120_000 });
      const { base, tuned } = await page.evaluate(() => window.yushan.state.answers);
      console.log(`answers: base ${JSON.stringify(base.text)}, tuned ${JSON.stringify(tuned.text)}`);
      assert.ok(base.tokens > 0 && base.text.length > 0, 'the base model said nothing');
      assert.ok(tuned.tokens > 0 && tuned.used_adapter, 'the fine-tuned model said nothing');
    });

    const adapters = await page.evaluate(() => window.yushan.state.adapters.length);
    const refused = async (dir, pattern) => {
      const opened = await openFolder(page, dir);
      console.log(`${path.basename(dir)}: ${opened.message}`);
      assert.equal(opened.ok, false);
      assert.match(opened.message, pattern);
      assert.match(await page.getAttribute('#model-status', 'class'), /error/);
      assert.match(await page.textContent('#model-info'), /^tiny-llama \(llama\): 26,784 parameters/, 'the model in use changed');
    };

    await t.test('a truncated shard is named, and the model in use stays', async () => {
      const dir = await variant(good, 'truncated', (d) => fsp.truncate(path.join(d, SHARD2), files[SHARD2].length - 100));
      await refused(dir, new RegExp(`${SHARD2.replaceAll('.', '\\.')}: not a valid safetensors file.*truncated.*still in use`));
    });

    await t.test('a missing tensor is named', async () => {
      const dir = await variant(good, 'missing-tensor', async (d) => {
        // Shard 2 rewritten without one tensor the index still lists.
        const bytes = await fsp.readFile(path.join(d, SHARD2));
        const n = Number(bytes.readBigUInt64LE(0));
        const header = JSON.parse(bytes.subarray(8, 8 + n).toString());
        const data = bytes.subarray(8 + n);
        const kept = Object.entries(header).filter(([name]) => name !== 'model.layers.1.mlp.down_proj.weight')
          .map(([name, h]) => ({ name, shape: h.shape, bytes: data.subarray(...h.data_offsets) }));
        await fsp.writeFile(path.join(d, SHARD2), safetensors(kept));
      });
      await refused(dir, /model-00002-of-00002\.safetensors: missing tensor `model\.layers\.1\.mlp\.down_proj\.weight`/);
    });

    await t.test('a model too big for one GPU buffer is refused before its weights are read', async () => {
      const dir = await variant(good, 'huge-llama', async (d) => {
        const config = JSON.parse(await fsp.readFile(path.join(d, 'config.json'), 'utf8'));
        await fsp.writeFile(path.join(d, 'config.json'), JSON.stringify({ ...config, vocab_size: 1_000_000, hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8 }));
      });
      await page.locator('#gpu-panel').screenshot({ path: path.join(OUT, 'model-folder-refused.png') });
      await refused(dir, /^Could not open the model: huge-llama: tensor `lm_head\.weight` \[1000000, 4096\] needs 16384\.0 MB as f32, more than this device allows in one buffer \(\d+\.\d MB\)\. The model you had is still in use\.$/);
    });

    await t.test('a folder with pytorch_model.bin only is refused: safetensors only', async () => {
      const dir = await variant(good, 'bin-only', async (d) => {
        for (const f of await fsp.readdir(d)) if (f.endsWith('.safetensors') || f.endsWith('.index.json')) await fsp.rm(path.join(d, f));
      });
      await refused(dir, /pytorch_model\.bin but no \.safetensors weights: the page reads safetensors only/);
    });

    await t.test('after the refusals the model still trains, and the data and adapters are as they were', async () => {
      const losses = await trainSteps(page, 1);
      assert.ok(Number.isFinite(losses[0]), `loss ${losses[0]}`);
      assert.equal(await page.evaluate(() => window.yushan.toJsonl()), dataBefore, 'the data changed');
      assert.ok((await page.evaluate(() => window.yushan.state.adapters.length)) >= adapters, 'an adapter was lost');
    });

    await t.test('several files dropped on the model area load as one model (and are not imported as data)', async () => {
      const names = ['config.json', 'tokenizer.json', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors', SHARD2];
      const dropped = Object.fromEntries(names.map((n) => [n, files[n].toString('base64')]));
      const before = await page.evaluate(() => window.yushan.state.modelOpens.length);
      await page.evaluate((list) => {
        const dt = new DataTransfer();
        for (const [name, b64] of Object.entries(list)) dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name));
        const area = document.getElementById('model-area');
        for (const type of ['dragenter', 'dragover', 'drop']) area.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, dropped);
      await page.waitForFunction((n) => window.yushan.state.modelOpens.length > n, before, { timeout: 60_000 });
      const opened = await page.evaluate(() => window.yushan.state.modelOpens.at(-1));
      assert.ok(opened.ok, opened.message);
      // No tokenizer_config.json this time: no chat template of its own, the page's plain tags.
      assert.match(await page.textContent('#model-info'), /^model \(llama\): 26,784 parameters.*chat template: Plain tags/);
      assert.equal(await page.evaluate(() => window.yushan.toJsonl()), dataBefore, 'the drop was imported as data');
    });

    await t.test('a template that reads enable_thinking gets the switch, and "off" reaches the token view and training', async () => {
      // ChatML that writes an empty think block before each answer when thinking is off, as
      // Qwen3's does before the answer it is asked for.
      const think = "{% if enable_thinking is defined and enable_thinking is false %}<think></think>{% endif %}";
      const template = `{% for m in messages %}<|im_start|>{{ m.role }}\n{% if m.role == 'assistant' %}${think}{% endif %}{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n${think}{% endif %}`;
      const thinking = await variant(good, 'tiny-thinker', (dir) => fsp.writeFile(
        path.join(dir, 'tokenizer_config.json'), JSON.stringify({ bos_token: null, eos_token: '<|im_end|>', chat_template: template }),
      ));
      // The switch is offered only for such a template, and only while it is chosen.
      assert.equal(await page.isVisible('#thinking'), false, 'a plain-tags model shows the switch');
      const opened = await openFolder(page, thinking);
      assert.ok(opened.ok, opened.message);
      assert.equal(await page.inputValue('#template'), 'model');
      assert.equal(await page.isVisible('#thinking'), true, 'no enable_thinking switch');
      const tokens = async (value) => {
        await page.selectOption('#thinking', value);
        await page.waitForFunction((v) => {
          const view = window.yushan.state.tokenView;
          return view && view.template === 'model' && view.enableThinking === (v === '' ? null : v === 'true');
        }, value, { timeout: 30_000 });
        return page.evaluate(() => window.yushan.state.tokenView.tokens);
      };
      const [unset, off, on] = [await tokens(''), await tokens('false'), await tokens('true')];
      console.log(`tokens of the first conversation: unset ${unset}, off ${off}, on ${on}`);
      assert.equal(on, unset, 'enable_thinking=true changed this template\'s render');
      assert.ok(off > unset, `off (${off}) did not add the think block to ${unset} tokens`);
      await page.selectOption('#thinking', 'false');
      assert.match(page.url(), /[?&]thinking=false/, 'the link does not keep the setting');
      const losses = await trainSteps(page, 1);
      assert.ok(Number.isFinite(losses[0]), `loss ${losses[0]}`);
      await page.selectOption('#template', 'plain');
      assert.equal(await page.isVisible('#thinking'), false, 'the switch stays for the plain template');
    });

    const state = await page.evaluate(() => window.yushan.state);
    assert.deepEqual(state.errors, [], 'page errors');
    assert.deepEqual(state.gpuErrors, [], 'WebGPU errors');
    const panics = consoleLines.filter((l) => /panicked at|RuntimeError: unreachable/.test(l.text) || l.type === 'pageerror');
    assert.deepEqual(panics, [], 'wasm panics or uncaught errors');
  } finally {
    await fsp.writeFile(path.join(OUT, 'model-folder-console.txt'), consoleLines.map((l) => `[${l.where}:${l.type}] ${l.text}`).join('\n'));
    await close();
    await fsp.rm(tmp, { recursive: true, force: true });
  }
});
