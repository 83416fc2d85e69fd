// Browser benchmark: one configuration per page load (so "first step" counts from page start),
// run in the same worker and engine as the studio page. Results: window.yushanBench.
import { engineClient } from './rpc.js';

const params = new URLSearchParams(location.search);
// The shapes of shared/BENCH.md (S, M, …) and the page's own runs: `page` (the model and data the
// page opens on) and `default` (the tiny models/default on the pairs it was made from).
const PAGE_RUNS = {
  page: { model: '../models/knowledge/', data: '../lessons/shortcut/train.jsonl' },
  default: { model: '../models/default/', data: 'data/chat.jsonl' },
};
const asked = params.get('shape') || 'S';
const shape = PAGE_RUNS[asked.toLowerCase()] ? asked.toLowerCase() : asked.toUpperCase();
const steps = Math.max(2, Number(params.get('steps') || 20));
// The fused WGSL kernels (the page's own) or burn's composed ops, to compare.
const kernels = params.get('kernels') === 'burn' ? 'burn' : 'wgsl';
const bench = { shape, steps, kernels, done: false, error: null, adapter: null, events: [], report: null };
window.yushanBench = bench;
const $ = (id) => document.getElementById(id);

const engine = engineClient({ lazy: true });
const call = engine.call;
engine.on('step', (step, data) => {
  bench.events.push({ ...step, gpu: data.gpu, at_ms: performance.now() });
  $('progress').textContent = `step ${step.step} / ${step.total_steps ?? steps}: loss ${step.loss.toFixed(4)}, ${step.step_ms.toFixed(0)} ms`;
});
engine.on('gpu-error', (message) => { bench.error = `WebGPU error: ${message}`; });

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

// One of the page's own runs: a shipped model, its pairs, the studio's default settings.
async function runPage(run) {
  const dir = new URL(run.model, import.meta.url);
  const [configJson, weights, tokenizerJson, jsonl] = await Promise.all([
    fetch(new URL('config.json', dir)).then((r) => r.text()),
    fetch(new URL('model.safetensors', dir)).then((r) => r.arrayBuffer()),
    fetch(new URL('tokenizer.json', dir)).then((r) => r.text()),
    fetch(new URL(run.data, import.meta.url)).then((r) => r.text()),
  ]);
  await call('setKernels', { kernels });
  const model = await call('loadModel', { configJson, weights, tokenizerJson }, [weights]);
  await call('setData', { jsonl });
  const options = await call('configure', { options: { steps, eval_every: 0 } });
  await call('train', { steps });
  return { shape, params: model.params, options };
}

async function main() {
  try {
    const info = await call('init');
    const a = info.adapter;
    const b = info.browserAdapter || {};
    bench.adapter = { name: a.name || [b.vendor, b.architecture].filter(Boolean).join(' / '), backend: a.backend, software: a.software || b.isFallbackAdapter };
    $('adapter').textContent = `${bench.adapter.name} (${a.backend}, ${bench.adapter.software ? 'software' : 'hardware'})`;
    const meta = PAGE_RUNS[shape] ? await runPage(PAGE_RUNS[shape]) : await call('bench', { shape, steps, kernels });
    const ev = bench.events;
    const first = ev[0];
    const steady = ev.slice(1).map((e) => e.step_ms);
    const tokensPerStep = first.tokens_per_s * first.step_ms / 1e3;
    const medianMs = median(steady);
    bench.report = {
      shape, steps: ev.length, adapter: bench.adapter, params: meta.params, trainable: meta.trainable,
      first_step_from_page_start_s: first.at_ms / 1e3,
      first_step_only_s: first.step_ms / 1e3,
      median_step_ms: medianMs,
      tokens_per_s: tokensPerStep / (medianMs / 1e3),
      first_loss: first.loss, last_loss: ev.at(-1).loss,
      pipelines: ev.at(-1).gpu.pipelines,
      dispatches_per_step: ev.length > 1 ? (ev.at(-1).gpu.dispatches - ev[1].gpu.dispatches) / (ev.length - 2 || 1) : first.gpu.dispatches,
    };
    const rows = Object.entries(bench.report).filter(([k]) => k !== 'adapter');
    $('result').tBodies[0].innerHTML = rows.map(([k, v]) => `<tr><th>${k}</th><td>${typeof v === 'number' ? +v.toFixed(3) : v}</td></tr>`).join('');
    $('json').textContent = JSON.stringify(bench.report, null, 2);
    $('progress').textContent = 'done';
  } catch (e) {
    bench.error = e.message;
    $('progress').textContent = `failed: ${e.message}`;
  } finally {
    bench.done = true;
  }
}
main();
