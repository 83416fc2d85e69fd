// Shared by the browser tests and scripts/bench-browser.mjs: a static server for the repo root and headless Chromium on
// SwiftShader (WebGPU in software), driven by playwright-core.
import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = path.join(ROOT, 'tests', 'out');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--enable-unsafe-webgpu',
  '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
// WebGPU in software (SwiftShader, as CI has it), or on the machine's GPU.
const ADAPTER_ARGS = { software: ['--use-webgpu-adapter=swiftshader'], gpu: ['--enable-features=Vulkan', '--use-angle=vulkan'] };

/** How Chromium is started: its path and flags. */
export function chromiumOptions({ gpu = false } = {}) {
  return { executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...ADAPTER_ARGS[gpu ? 'gpu' : 'software']] };
}
// Messages that mean WebGPU rejected something (validation errors, bad WGSL, lost device).
export const GPU_ERROR = /WebGPU|GPUValidationError|validation error|WGSL|shader module|Invalid (ComputePipeline|ShaderModule|BindGroup|Buffer)|device (was )?lost/i;

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json',
  '.jsonl': 'application/jsonl; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml',
};

// What the pages' Content-Security-Policy (index.html, bench.html) refused, or warned about, in
// any browser launch() started: every test file fails on one (see serveRepo).
const CSP_MESSAGE = /Content Security Policy|Content-Security-Policy/i;
export const cspViolations = [];

/** Serves the repo root for the calling test file's tests; `onUrl` receives the base URL. */
export function serveRepo(onUrl) {
  let server;
  before(async () => {
    assert.ok(fs.existsSync(path.join(ROOT, 'web/pkg/yushan_web_bg.wasm')), 'web/pkg missing: run scripts/build-web.sh');
    server = await startServer();
    onUrl(`http://127.0.0.1:${server.address().port}/`);
    await fsp.mkdir(OUT, { recursive: true });
  });
  after(() => {
    server?.close();
    assert.deepEqual(cspViolations, [], 'the Content-Security-Policy refused something the page needs');
  });
}

export function startServer() {
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

// A fresh browser profile (so IndexedDB and localStorage start empty) and its first page.
export async function launch({ locale = 'zh-TW' } = {}) {
  const userDataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'yushan-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    ...chromiumOptions(),
    viewport: { width: 1100, height: 900 },
    locale,
    acceptDownloads: true,
  });
  const page = context.pages()[0] || await context.newPage();
  const consoleLines = [];
  const record = (where) => (msg) => {
    consoleLines.push({ where, type: msg.type(), text: msg.text() });
    if (CSP_MESSAGE.test(msg.text())) cspViolations.push(`[${where}] ${msg.text()}`);
  };
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

// Requests that went to another origin: the page must load everything from its own.
export function foreignRequests(page, baseUrl) {
  const seen = [];
  const origin = new URL(baseUrl).origin;
  page.on('request', (req) => {
    const u = req.url();
    if (/^(data|blob):/.test(u)) return;
    if (new URL(u).origin !== origin) seen.push(u);
  });
  return seen;
}

export const median = (xs) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
