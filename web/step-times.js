// Times measured on this machine, per model, kept in IndexedDB (this browser only): the median
// training step of the studio's last run, and of the last lesson run with the time one of its
// answers took. The first screen and the Lessons panel estimate how long a run takes from them.
// The first step of a run compiles GPU kernels and is left out of every median.

import * as store from './store.js';

const KEY = 'stepTimes';
let times = {}; // model name -> {studioStepMs, lessonStepMs, answerMs}
const listeners = [];
let loading = null;

const changed = () => listeners.forEach((fn) => fn());

// Reads the saved times once; what was measured before they arrive is kept.
export function load() {
  loading ||= store.get(KEY).then((saved) => {
    times = { ...(saved || {}), ...times };
    changed();
  });
  return loading;
}

// What was measured for `model` ('models/knowledge', …): {} before anything.
export const of = (model) => times[model] || {};

// Adds measurements for `model` (`studioStepMs`, or `lessonStepMs` with `answerMs`).
export function record(model, fields) {
  times = { ...times, [model]: { ...of(model), ...fields } };
  store.setSoon(KEY, times);
  changed();
}

// `fn` runs after every change (a measurement, or the saved times arriving).
export function onChange(fn) {
  listeners.push(fn);
}
