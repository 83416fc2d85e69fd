// The browser benchmark from the command line: serves the repo, opens bench.html once per
// configuration in headless Chromium and prints the figures (a table, then JSON).
//   node scripts/bench-browser.mjs [S M default page] [--steps 20] [--kernels wgsl|burn|all] [--gpu]
// (page: the model and pairs the page opens on; about 27 s a step on SwiftShader)
// --kernels all runs each shape with the fused WGSL kernels and with burn's composed ops.
// --gpu uses the machine's GPU through Chromium (default: SwiftShader, WebGPU in software).
import { chromium } from 'playwright-core';
import { chromiumOptions, startServer } from '../tests/harness.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => { const i = args.indexOf(name); return i >= 0 ? args.splice(i, 2)[1] : fallback; };
const steps = Number(flag('--steps', '20'));
const kernelsAsked = flag('--kernels', 'wgsl');
const kernelsList = kernelsAsked === 'all' ? ['wgsl', 'burn'] : [kernelsAsked];
const gpu = args.includes('--gpu');
const shapes = args.filter((a) => !a.startsWith('--'));
if (!shapes.length) shapes.push('S', 'M', 'default');

const server = await startServer();

const reports = [];
for (const shape of shapes) for (const kernels of kernelsList) {
  // A plain (incognito) browser: a persistent profile measured ~1.5 s slower to the first step.
  const browser = await chromium.launch(chromiumOptions({ gpu }));
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/bench.html?shape=${shape}&steps=${steps}&kernels=${kernels}`);
    await page.waitForFunction(() => window.yushanBench?.done, null, { timeout: 30 * 60_000, polling: 500 });
    const bench = await page.evaluate(() => window.yushanBench);
    if (bench.error) throw new Error(`${shape}: ${bench.error}`);
    reports.push({ ...bench.report, kernels });
  } finally {
    await browser.close();
  }
}
server.close();

const fmt = (x, d = 1) => (typeof x === 'number' ? x.toFixed(d) : String(x));
console.log(`adapter: ${reports[0]?.adapter.name} (${reports[0]?.adapter.backend}, ${reports[0]?.adapter.software ? 'software' : 'hardware'})`);
console.log('shape   kernels  params  start->step1  step1 alone  median step  tokens/s  loss first->last  pipelines  dispatches/step');
for (const r of reports) {
  console.log(`${r.shape.padEnd(7)} ${r.kernels.padEnd(7)} ${String(r.params).padStart(7)}  ${fmt(r.first_step_from_page_start_s).padStart(10)} s  ${fmt(r.first_step_only_s).padStart(9)} s  ${fmt(r.median_step_ms, 0).padStart(8)} ms  ${fmt(r.tokens_per_s, 0).padStart(8)}  ${fmt(r.first_loss, 3)} -> ${fmt(r.last_loss, 3)}  ${String(r.pipelines).padStart(9)}  ${fmt(r.dispatches_per_step, 0).padStart(15)}`);
}
console.log(JSON.stringify(reports));
