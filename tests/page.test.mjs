// The page in headless Chromium on SwiftShader (WebGPU in software), driven by playwright-core.
// Needs web/pkg/ (scripts/build-web.sh). Run: node --test tests/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'tests', 'out');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader',
  '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
// SwiftShader is slow: the first training step compiles every GPU pipeline.
const TRAIN_TIMEOUT_MS = Number(process.env.YUSHAN_TRAIN_TIMEOUT_MS || 15 * 60_000);
// Messages that mean WebGPU rejected something (validation errors, bad WGSL, lost device).
const GPU_ERROR = /WebGPU|GPUValidationError|validation error|WGSL|shader module|Invalid (ComputePipeline|ShaderModule|BindGroup|Buffer)|device (was )?lost/i;

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json',
  '.jsonl': 'application/jsonl; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml',
};

let server;
let baseUrl;

function startServer() {
  return new Promise((resolve) => {
    const srv = http.createServer(async (req, res) => {
      try {
        const url = new URL(req.url, 'http://x');
        let file = path.normalize(path.join(ROOT, decodeURIComponent(url.pathname)));
        if (!file.startsWith(ROOT)) { res.writeHead(403).end(); return; }
        if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
        const body = await fsp.readFile(file);
        res.writeHead(200, {
          'content-type': MIME[path.extname(file)] || 'application/octet-stream',
          'cache-control': 'no-store',
        });
        res.end(body);
      } catch {
        res.writeHead(404).end('not found');
      }
    });
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

async function launch() {
  const userDataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'yushan-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 900 },
    locale: 'zh-TW',
  });
  const page = context.pages()[0] || await context.newPage();
  const consoleLines = [];
  const record = (where) => (msg) => consoleLines.push({ where, type: msg.type(), text: msg.text() });
  page.on('console', record('page'));
  page.on('worker', (w) => w.on('console', record('worker')));
  page.on('pageerror', (err) => consoleLines.push({ where: 'page', type: 'pageerror', text: String(err) }));
  page.on('response', (res) => {
    if (res.status() >= 400) consoleLines.push({ where: 'net', type: 'http', text: `${res.status()} ${res.url()}` });
  });
  const close = async () => {
    await context.close();
    await fsp.rm(userDataDir, { recursive: true, force: true });
  };
  return { context, page, consoleLines, close };
}

// YUSHAN_TEST_MODEL=<dir relative to the repo root> trains another model than models/default.
const pageUrl = () => (process.env.YUSHAN_TEST_MODEL ? `${baseUrl}?model=${encodeURIComponent(process.env.YUSHAN_TEST_MODEL)}` : baseUrl);

const median = (xs) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

before(async () => {
  assert.ok(fs.existsSync(path.join(ROOT, 'web/pkg/yushan_web_bg.wasm')), 'web/pkg missing: run scripts/build-web.sh');
  server = await startServer();
  baseUrl = `http://127.0.0.1:${server.address().port}/`;
  await fsp.mkdir(OUT, { recursive: true });
});

after(() => server?.close());

test('page: WebGPU adapter, GPU self-check, training and generation', { timeout: TRAIN_TIMEOUT_MS + 5 * 60_000 }, async () => {
  const { page, consoleLines, close } = await launch();
  try {
    await page.goto(pageUrl());
    // The adapter (or an error) shows up.
    await page.waitForFunction(() => {
      const s = window.yushan?.state;
      return s && (s.adapter || s.errors.length || s.phase === 'no-webgpu');
    }, null, { timeout: 120_000 });
    let state = await page.evaluate(() => window.yushan.state);
    assert.deepEqual(state.errors, [], 'page errors during start-up');
    assert.ok(state.adapter, 'no adapter');
    const adapterText = (await page.textContent('#adapter-name')).trim();
    assert.ok(adapterText.length > 0, 'adapter name not shown');
    console.log(`adapter: ${adapterText}; backend ${state.adapter.backend}; software=${state.software}`);
    console.log(`browser adapter: ${JSON.stringify(state.browserAdapter)}`);
    assert.ok(await page.isVisible('#software-note') === !!state.software);
    // The worker's fix for wgpu not requesting `subgroups` (see web/worker.js).
    if (state.browserAdapter?.features.includes('subgroups')) {
      assert.ok(state.browserAdapter.requestedFeatures.includes('subgroups'), "'subgroups' was not requested");
    }

    // GPU self-check: matmul on the GPU against the CPU.
    await page.waitForFunction(() => window.yushan.state.selfCheck || window.yushan.state.errors.length, null, { timeout: 120_000 });
    state = await page.evaluate(() => window.yushan.state);
    assert.deepEqual(state.errors, []);
    console.log(`self-check: ${JSON.stringify(state.selfCheck)}`);
    assert.ok(state.selfCheck.ok, `GPU matmul differs from the CPU: ${state.selfCheck.max_abs_error}`);

    if (state.capabilities?.training) {
      await page.waitForFunction(() => !document.getElementById('train').disabled, null, { timeout: 60_000 });
      await page.fill('#steps', process.env.YUSHAN_TEST_STEPS || '12');
      await page.click('#train');
      await page.waitForFunction(
        () => ['trained', 'error'].includes(window.yushan.state.phase),
        null, { timeout: TRAIN_TIMEOUT_MS, polling: 500 },
      );
      state = await page.evaluate(() => window.yushan.state);
      assert.deepEqual(state.errors, [], 'errors while training');
      const losses = state.losses.map((p) => p.loss);
      console.log(`losses: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
      console.log(`first loss point: ${(state.firstLossAtMs / 1000).toFixed(1)} s after page start (budget 10 s on SwiftShader)`);
      console.log(`median step: ${median(state.stepMs).toFixed(0)} ms over ${state.stepMs.length} steps; model load ${state.timings.modelLoadMs?.toFixed(0)} ms`);
      const last = state.losses.at(-1);
      console.log(`last step event: ${JSON.stringify(last)}`);
      assert.ok(losses.length >= 2, 'fewer than 2 loss points');
      assert.ok(losses.every(Number.isFinite), 'non-finite loss');
      assert.ok(losses.at(-1) < losses[0], `loss did not fall: ${losses[0]} -> ${losses.at(-1)}`);
      const points = await page.evaluate(() => document.querySelectorAll('#chart canvas').length);
      assert.ok(points > 0, 'no chart canvas');

      // The adapter downloads in PEFT's layout.
      const downloads = [];
      page.on('download', (d) => downloads.push(d));
      await page.click('#export');
      for (let i = 0; i < 600 && downloads.length < 2; i++) await page.waitForTimeout(100);
      const names = downloads.map((d) => d.suggestedFilename()).sort();
      assert.deepEqual(names, ['adapter_config.json', 'adapter_model.safetensors']);
      const cfg = JSON.parse(await fsp.readFile(await downloads.find((d) => d.suggestedFilename().endsWith('.json')).path(), 'utf8'));
      console.log(`adapter_config.json: r=${cfg.r} lora_alpha=${cfg.lora_alpha} target_modules=${JSON.stringify(cfg.target_modules)}`);

      await page.fill('#prompt', '台灣最高的山是哪一座？');
      await page.click('#generate');
      await page.waitForFunction(() => window.yushan.state.answer !== null || window.yushan.state.errors.length, null, { timeout: 300_000 });
      state = await page.evaluate(() => window.yushan.state);
      assert.deepEqual(state.errors, [], 'errors while generating');
      console.log(`answer (${state.timings.generateMs?.toFixed(0)} ms): ${JSON.stringify(state.answer)}`);
      assert.ok(state.answer.length > 0, 'empty answer');
      assert.ok((await page.textContent('#answer')).trim().length > 0);
    } else {
      console.log('this build has no training engine: GPU self-check only');
    }

    await page.screenshot({ path: path.join(OUT, 'page.png'), fullPage: true });
    state = await page.evaluate(() => window.yushan.state);
    const gpuConsole = consoleLines.filter((l) => ['error', 'warning', 'pageerror'].includes(l.type) && GPU_ERROR.test(l.text));
    assert.deepEqual(state.gpuErrors, [], 'uncaptured WebGPU errors');
    assert.deepEqual(gpuConsole, [], 'WebGPU errors in the console');
    const httpErrors = consoleLines.filter((l) => l.where === 'net');
    assert.deepEqual(httpErrors, [], 'requests that failed');
    const panics = consoleLines.filter((l) => /panicked at|RuntimeError: unreachable/.test(l.text));
    assert.deepEqual(panics, [], 'wasm panics in the console');
  } finally {
    await fsp.writeFile(path.join(OUT, 'console.txt'), consoleLines.map((l) => `[${l.where}:${l.type}] ${l.text}`).join('\n'));
    await close();
  }
});

test('page: a plain message when WebGPU is missing', { timeout: 120_000 }, async () => {
  const { page, close } = await launch();
  try {
    await page.addInitScript(() => { delete Navigator.prototype.gpu; });
    await page.goto(baseUrl);
    await page.waitForFunction(() => window.yushan?.state.phase === 'no-webgpu', null, { timeout: 30_000 });
    assert.ok(await page.isVisible('#no-webgpu'));
    assert.match(await page.textContent('#no-webgpu'), /WebGPU/);
  } finally {
    await close();
  }
});

test('page: bad JSONL is refused with the line that is wrong', { timeout: 300_000 }, async (t) => {
  const { page, close } = await launch();
  try {
    await page.goto(pageUrl());
    await page.waitForFunction(() => window.yushan?.state.phase?.startsWith('ready') || window.yushan?.state.errors.length, null, { timeout: 120_000 });
    const phase = await page.evaluate(() => window.yushan.state.phase);
    if (phase !== 'ready') {
      t.skip(`no training engine in this build (phase ${phase})`);
      return;
    }
    await page.click('summary');
    await page.fill('#data', '{"messages":[{"role":"user","content":"你好"},{"role":"assistant","content":"你好！"}]}\n{"messages":[{"role":"user","content":"hi"},{"role":"robot","content":"x"}]}\n');
    await page.click('#train');
    await page.waitForFunction(() => window.yushan.state.phase === 'error', null, { timeout: 60_000 });
    const status = await page.textContent('#train-status');
    console.log(`bad data: ${status}`);
    assert.match(status, /line 2/);
    assert.match(status, /role/);
  } finally {
    await close();
  }
});
