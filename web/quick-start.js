// The first screen: what the model on the page knows, one line for the GPU (its details wait in
// the GPU panel), and one button that trains on the example data, with the time that takes here:
// the steps times the median step of the studio's last run on this model here (step-times.js),
// or, before any run, what to expect.

import { duration, show, t } from './i18n.js';
import * as stepTimes from './step-times.js';

const $ = (id) => document.getElementById(id);
let model = null; // {name, params} of the model on the page
let gpu = null; // {name, software}

function modelText() {
  if (!model) return '';
  if (model.name === 'models/knowledge') return t('start.model.knowledge');
  if (model.name === 'models/default') return t('start.model.default');
  return t('start.model.other', model.name, (model.params ?? 0).toLocaleString('en'));
}

function timeText() {
  const steps = Number($('steps').value);
  if (!Number.isInteger(steps) || steps < 1 || !model) return '';
  const step = stepTimes.of(model.name).studioStepMs;
  if (step > 0) return t('start.time.measured', steps, duration(steps * step), duration(step));
  return gpu?.software ? t('start.time.software', steps) : t('start.time.unknown', steps);
}

function render() {
  show($('start-model'), modelText);
  show($('quick-time'), timeText);
  show($('start-gpu'), () => (gpu ? t('start.gpu', gpu.name, gpu.software ? t('gpu.software') : t('gpu.hardware.short')) : ''));
}

// The model on the page has changed (loaded, or another opened).
export function modelShown(info) {
  model = { name: info.name, params: info.params };
  render();
}

// WebGPU is up on this adapter.
export function gpuShown(name, software) {
  gpu = { name, software };
  render();
}

export async function initQuickStart() {
  stepTimes.onChange(render);
  await stepTimes.load();
  // The same run as the form's Train (its checks included), with the progress in view.
  $('quick-train').addEventListener('click', () => {
    $('train-panel').scrollIntoView({ block: 'start' });
    $('train').click();
  });
  for (const ev of ['input', 'change']) $('steps').addEventListener(ev, render);
  render();
}
