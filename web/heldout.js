// The held-out loss of the run shown (under the training form, and in the chart). A run that holds
// no conversation out has no held-out loss: the stat says "none" and why, and the chart's legend
// has no held-out line.

import { show, t } from './i18n.js';
import { showHeldoutSeries } from './chart.js';

const $ = (id) => document.getElementById(id);

// Whether `run` (as main.js saves it: {options, conversations, heldout, points}) holds
// conversations out: true or false, or null for a run saved by an older page that did not count
// them and has no held-out loss to show for it.
function hasHeldout(run) {
  if (typeof run?.heldout === 'number') return run.heldout > 0;
  return run?.points?.some((p) => p.heldout_loss != null) ? true : null;
}

// Why a run over `conversations` with Held out % `fraction` (null: automatic) holds none out. The
// automatic share is the engine's (heldout_fraction_for in crates/yushan-web/src/session.rs): 10%
// from 20 conversations on, none below; any share above 0 holds out at least one of two or more.
function noneWhy(fraction, conversations) {
  if (conversations < 2) return t('heldout.none.one', conversations);
  return fraction == null ? t('heldout.none.auto', conversations) : t('heldout.none.zero');
}

// Shows the held-out loss of `run` (null: no run): its latest value, '–' before the first one,
// or "none" with why.
export function showHeldout(run) {
  const has = hasHeldout(run);
  showHeldoutSeries(has === true);
  const latest = run?.points?.findLast((p) => p.heldout_loss != null)?.heldout_loss;
  show($('stat-eval'), () => (has === false ? t('heldout.none') : latest != null ? latest.toFixed(3) : '–'));
  show($('stat-eval-why'), has === false ? () => noneWhy(run.options.heldout_fraction, run.conversations) : '');
}
