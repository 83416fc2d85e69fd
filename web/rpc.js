// The page's side of web/worker.js (its header lists the commands and events). One client per
// worker: the studio's below, the lessons' (web/lessons.js) and the benchmark's (web/bench.js)
// each make their own with engineClient().

// A client of one engine worker: call(cmd, args) -> Promise of the answer, and on(event, fn)
// for the events the worker pushes. The worker starts on start(onFail) or, with `lazy`, on the
// first call; stop() ends it and fails the calls still waiting with `error`.
export function engineClient({ lazy = false, onFail = () => {} } = {}) {
  let worker = null;
  let nextId = 1;
  const pending = new Map();
  const handlers = new Map();

  function start(failed = onFail) {
    worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = onMessage;
    worker.onerror = (e) => {
      const message = e.message || 'the engine worker failed to start';
      failAll(new Error(message));
      failed(message);
    };
    return worker;
  }

  function call(cmd, args = {}, transfer = []) {
    if (!worker && lazy) start();
    if (!worker) return Promise.reject(new Error('the engine worker is not running'));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, cmd, ...args }, transfer);
    });
  }

  // on('step', fn) and friends; returns a function that removes the handler. A handler gets the
  // event's payload (`step`, `text` or `message`, by event) and the whole message.
  function on(event, fn) {
    if (!handlers.has(event)) handlers.set(event, []);
    handlers.get(event).push(fn);
    return () => {
      const list = handlers.get(event);
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    };
  }

  function stop(error = new Error('stopped')) {
    worker?.terminate();
    worker = null;
    failAll(error);
  }

  function failAll(error) {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  }

  function onMessage({ data }) {
    if (data.id !== undefined) {
      const p = pending.get(data.id);
      pending.delete(data.id);
      if (!p) return;
      if (data.ok) p.resolve(data.value); else p.reject(new Error(data.error));
      return;
    }
    const payload = data.step ?? data.text ?? data.message;
    for (const h of handlers.get(data.event) || []) h(payload, data);
  }

  return { start, call, on, stop, running: () => worker !== null };
}

// The studio's engine: started by web/main.js at load, shared by the page's modules.
const studio = engineClient();
export const startWorker = studio.start;
export const call = studio.call;
export const on = studio.on;
export const hasWorker = studio.running;
