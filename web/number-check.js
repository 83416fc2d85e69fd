// Number settings checked by name before anything is sent to the engine: the training form
// (web/settings.js) and the compare panel's sampling settings (web/compare.js). A rule says what a
// setting takes: whole (a whole number), above (more than min, not equal), min, max (Infinity: no
// bound), empty (may be left empty), example (shown with an open range). A problem is one of
// 'empty', 'nan' or 'range'; its message names the setting as the form shows it
// (i18n 'setting.<id>') and says what it takes.

import { lang, t } from './i18n.js';

const $ = (id) => document.getElementById(id);
// A number as an <input type=number> takes it (HTML's "valid floating-point number"): no 0x10,
// no "5.", no Infinity; anything else would be emptied by the input.
const NUMERIC = /^-?(\d+|\d*\.\d+)([eE][-+]?\d+)?$/;

// Why `raw` does not fit `rule` ('empty', 'nan' or 'range'), or null if it fits.
export function numberProblem(rule, raw) {
  const v = String(raw).trim();
  if (v === '') return rule.empty ? null : 'empty';
  if (!NUMERIC.test(v)) return 'nan';
  const n = Number(v);
  if (!Number.isFinite(n) || (rule.whole && !Number.isInteger(n))) return 'range';
  return (rule.above ? n > rule.min : n >= rule.min) && n <= rule.max ? null : 'range';
}

// What `rule` takes, in words of the page's language.
export function numberRangeText({ whole, above, min, max, empty, example }) {
  if (empty) return t('range.empty', min, max);
  if (above) return max === Infinity ? t('range.above', min, example) : t('range.above_max', min, max);
  if (max === Number.MAX_SAFE_INTEGER) return t('range.whole_from', min);
  return t(whole ? 'range.whole' : 'range.number', min, max);
}

// The problems of the inputs named by `rules` (element id -> rule) now: [{field, value, why}].
export function inputProblems(rules) {
  const out = [];
  for (const [field, rule] of Object.entries(rules)) {
    const el = $(field);
    // A number input holds '' for text it cannot read (1e309, 1..2): say so, not "empty".
    const why = el.validity?.badInput ? 'nan' : numberProblem(rule, el.value);
    if (why) out.push({ field, value: el.value.trim(), why });
  }
  return out;
}

// One problem, in words: the setting's name, the value, and what it takes (`range`).
export function problemText({ field, value, why }, range) {
  return t(`setting.${why}`, t(`setting.${field}`), value, range);
}

// Sentences one after another: Chinese runs them on, English puts a space between.
export const sentences = (list) => list.join(lang() === 'en' ? ' ' : '');

// Which inputs show their problem. An input is flagged when its value is committed (change) or
// the action it feeds is asked for, and unflagged as soon as it is good: typing 0.001 passes 0
// and 0.0 quietly. Flagged inputs are marked (aria-invalid; style.css draws a red border).
export function flags(fields) {
  const flagged = new Set();
  return {
    // After an edit (`ev`: the input or change event, or none), with the problems now.
    update(ev, problems) {
      const bad = new Set(problems.map((p) => p.field));
      if (ev?.type === 'change' && bad.has(ev.target.id)) flagged.add(ev.target.id);
      for (const f of flagged) if (!bad.has(f)) flagged.delete(f);
    },
    // All of them flagged (an action was refused).
    flag(problems) {
      for (const p of problems) flagged.add(p.field);
    },
    // The problems to show, their inputs marked.
    shown(problems) {
      const out = problems.filter((p) => flagged.has(p.field));
      for (const f of fields) {
        if (out.some((p) => p.field === f)) $(f).setAttribute('aria-invalid', 'true'); else $(f).removeAttribute('aria-invalid');
      }
      return out;
    },
  };
}
