// The page's side of web/worker.js: call(cmd, args) -> Promise, and the events the worker pushes.

let worker = null;
let nextId = 1;
const pending = new Map();
const handlers = { step: [], text: [], 'gpu-error': [], error: [], 'model-file': [] };

export function startWorker(onFail) {
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = onMessage;
  worker.onerror = (e) => onFail(e.message || 'failed to start');
  return worker;
}

export function hasWorker() {
  return worker !== null;
}

export function call(cmd, args = {}, transfer = []) {
  if (!worker) return Promise.reject(new Error('the engine worker is not running'));
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, cmd, ...args }, transfer);
  });
}

// on('step', fn) and friends; returns a function that removes the handler.
export function on(event, fn) {
  handlers[event].push(fn);
  return () => {
    const i = handlers[event].indexOf(fn);
    if (i >= 0) handlers[event].splice(i, 1);
  };
}

function onMessage({ data }) {
  if (data.id !== undefined) {
    const p = pending.get(data.id);
    pending.delete(data.id);
    if (data.ok) p.resolve(data.value); else p.reject(new Error(data.error));
    return;
  }
  const payload = { step: data.step, text: data.text, 'gpu-error': data.message, error: data.message }[data.event];
  for (const h of handlers[data.event] || []) h(payload, data);
}
