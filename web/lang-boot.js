// The interface language before the first paint: the saved choice, else the browser's. A classic
// script loaded in <head> (not a module, not deferred), so it runs before the body is drawn; a
// file rather than inline, as the page's Content-Security-Policy runs no inline script.
try {
  const saved = localStorage.getItem('yushan.lang');
  const lang = saved || (/^zh/i.test(navigator.language || '') ? 'zh-Hant' : 'en');
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-Hant';
} catch { /* storage blocked: keep the default */ }
