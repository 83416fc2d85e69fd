// A small key-value store in IndexedDB (this browser only; nothing leaves the machine).
// Keys the page uses: 'dataset' ({conversations, selected}), 'settings' and 'compare' (good
// values only), 'lastRun', 'adapters', 'stepTimes' (step-times.js).
// Every call resolves; a failure (storage blocked, private mode) is logged and reads give undefined.

const DB = 'yushan';
const STORE = 'kv';
let opened = null;

function open() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      if (!('indexedDB' in self)) { reject(new Error('no IndexedDB')); return; }
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
      req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    });
    opened.catch(() => { opened = null; });
  }
  return opened;
}

function run(mode, fn) {
  return open().then((db) => new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const req = fn(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  }));
}

export async function get(key) {
  try {
    return await run('readonly', (s) => s.get(key));
  } catch (e) {
    console.warn(`[yushan] store: cannot read ${key}: ${e?.message || e}`);
    return undefined;
  }
}

const inFlight = new Set();
const failureListeners = [];

// fn(key, message) when a write fails (storage blocked or full): the page warns the user.
export function onWriteFailure(fn) {
  failureListeners.push(fn);
}

export function set(key, value) {
  const write = (async () => {
    try {
      await run('readwrite', (s) => s.put(value, key));
      return true;
    } catch (e) {
      console.warn(`[yushan] store: cannot save ${key}: ${e?.message || e}`);
      for (const fn of failureListeners) fn(key, e?.message || String(e));
      return false;
    }
  })();
  inFlight.add(write);
  write.finally(() => inFlight.delete(write));
  return write;
}

// set(), at most once per `ms` for a key; flush() writes what is pending now.
const pendingWrites = new Map();
export function setSoon(key, value, ms = 300) {
  const p = pendingWrites.get(key);
  if (p) { p.value = value; return; }
  const entry = { value, timer: setTimeout(() => { pendingWrites.delete(key); set(key, entry.value); }, ms) };
  pendingWrites.set(key, entry);
}

export function flush() {
  for (const [key, entry] of pendingWrites) {
    clearTimeout(entry.timer);
    pendingWrites.delete(key);
    set(key, entry.value);
  }
}

// Resolves once everything asked for so far is written (the tests wait on it before a reload).
export async function idle() {
  flush();
  while (inFlight.size) await Promise.all([...inFlight]);
}

// Leaving the page: write what is pending (IndexedDB finishes transactions begun during pagehide).
addEventListener('pagehide', flush);
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') flush(); });
