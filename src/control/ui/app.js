// The sandbox inspector: a plain script, no build step, no dependencies. Everything it shows
// and does goes through the control API (…/__sandbox/, relative to this page), and it follows the
// sandbox live through the control API's event stream (GET /__sandbox/events).
// A classic script first in <head>, not a module (modules wait for the page to be parsed): it
// asks for the page's first data before the browser has parsed the page (see `main`). Strict and
// in a block of its own, so nothing lands on `window`.
'use strict';
{

const BASE = new URL('../', location.href); // …/__sandbox/
const ROOT = new URL('../../', location.href); // the sandbox itself, for /files and curl lines
const TOKEN_KEY = 'video-api-sandbox.admin-token';
const PAGE_SIZE = 50; // rows per page: what a screen shows, laid out and painted fast

// ───────────────────────────────────────────── DOM helpers

const $ = (selector, root = document) => root.querySelector(selector);

/** h('td', {class: 'num'}, 'text', node, [more]) — text is always set as text, never as HTML. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const k in attrs) {
    const v = attrs[k];
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

/** Children (nodes, text, nested arrays) in one append: strings become text nodes natively. */
function append(el, children) {
  const flat = [];
  const add = (list) => {
    for (const c of list) {
      if (c === undefined || c === null || c === false) continue;
      if (Array.isArray(c)) add(c);
      else flat.push(c instanceof Node ? c : String(c));
    }
  };
  add(children);
  el.append(...flat);
}

function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function debounce(fn, ms) {
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

/** At most one run per `ms`, the last call always honoured. */
function throttle(fn, ms) {
  let last = 0;
  let timer;
  return () => {
    const wait = last + ms - Date.now();
    if (wait <= 0) {
      last = Date.now();
      fn();
    } else if (!timer) {
      timer = setTimeout(() => {
        timer = undefined;
        last = Date.now();
        fn();
      }, wait);
    }
  };
}

function toast(text) {
  const el = $('#toast');
  el.textContent = text;
  el.dataset.shown = 'true';
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.dataset.shown = 'false'), 2500);
}

// ───────────────────────────────────────────── formatting

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** Sandbox times are shown in UTC, to the millisecond; the full ISO time is in the title. */
function time(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return h('time', { datetime: d.toISOString(), title: d.toISOString() }, `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`);
}

/** Long ids shortened for tables (the whole id is in the title). */
const short = (id) => (typeof id === 'string' && id.length > 13 ? `${id.slice(0, 8)}…` : id);

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function statusClass(status) {
  if (status === null || status === undefined) return 'none';
  return `s${String(status)[0]}xx`;
}

function statusBadge(status) {
  return h('span', { class: `badge ${statusClass(status)}` }, status === null || status === undefined ? 'no response' : status);
}

function stateBadge(state) {
  const tone = { completed: 's2xx', delivered: 's2xx', failed: 's5xx', dropped: 's5xx', pending: 's3xx', queued: 's3xx', rendering: 's3xx' }[state] ?? 'none';
  return h('span', { class: `badge ${tone}` }, state ?? '—');
}

function pretty(text) {
  try {
    return { text: JSON.stringify(JSON.parse(text), null, 2), json: true };
  } catch {
    return { text, json: false };
  }
}

function jsonBlock(value, label) {
  return h('pre', { class: 'code', tabindex: 0, 'aria-label': label }, JSON.stringify(value, null, 2));
}

/** A same-origin URL for a file the sandbox serves (output_url carries the host the client used). */
function sandboxFile(url) {
  if (!url) return undefined;
  try {
    const u = new URL(url, ROOT);
    // The query stays: a pre-signed link is only valid with its signature.
    return u.pathname.startsWith('/files/') ? new URL(u.pathname.slice(1) + u.search, ROOT).href : undefined;
  } catch {
    return undefined;
  }
}

// ───────────────────────────────────────────── the control API

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
    this.path = body?.error?.path;
  }
}

let tokenPrompt;
/** Ask for the admin token (once for every caller waiting on it). */
function askToken() {
  // An early request may be refused before the dialog is parsed.
  tokenPrompt ??= domReady.then(() => new Promise((resolve) => {
    const dialog = $('#token-dialog');
    const form = $('#token-form');
    $('#token-error').textContent = sessionStorage.getItem(TOKEN_KEY) ? 'That token was refused; try again.' : '';
    form.onsubmit = (e) => {
      e.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, form.elements.token.value.trim());
      form.reset();
      dialog.close();
      tokenPrompt = undefined;
      resolve();
    };
    if (!dialog.open) dialog.showModal();
  }));
  return tokenPrompt;
}

function authHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

/**
 * GETs started while the page was still being parsed (see `main`), by path: the first `api('GET',
 * path)` of that very path takes its answer instead of asking again.
 */
const early = new Map();

async function api(method, path, body) {
  if (method === 'GET' && early.has(path)) {
    const answer = early.get(path);
    early.delete(path);
    return answer;
  }
  for (;;) {
    const headers = { accept: 'application/json', ...authHeaders() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(new URL(path, BASE), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    if (res.status === 401) {
      await askToken();
      continue;
    }
    const text = await res.text();
    let data;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }
}

const query = (params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '' && v !== false && v !== null) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

const specs = new Map();
/** A served API's OpenAPI document (its catalogue, operations, plans), fetched once. */
function spec(id) {
  if (!specs.has(id)) specs.set(id, api('GET', `specs/${encodeURIComponent(id)}`).catch((err) => (specs.delete(id), Promise.reject(err))));
  return specs.get(id);
}

// ───────────────────────────────────────────── shared state

const state = {
  apis: [],
  clock: null, // {mode, scale, nowMs, seenAt}
};

function setClock(c) {
  state.clock = { mode: c.mode, scale: c.scale ?? 1, nowMs: c.nowMs ?? Date.parse(c.now), pendingTimers: c.pendingTimers, seenAt: performance.now() };
  renderClock();
}

function sandboxNow() {
  const c = state.clock;
  if (!c) return undefined;
  if (c.mode === 'manual') return c.nowMs;
  return c.nowMs + (performance.now() - c.seenAt) * (c.mode === 'scaled' ? c.scale : 1);
}

function renderClock() {
  const now = sandboxNow();
  if (now === undefined) return;
  const iso = new Date(now).toISOString();
  const c = state.clock;
  $('#clock-badge').textContent = `sandbox ${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC · ${c.mode}${c.mode === 'scaled' ? ` ×${c.scale}` : ''}`;
  if (!$('#page-clock').hidden) {
    $('#clock-mode').textContent = c.mode === 'scaled' ? `scaled (× ${c.scale})` : c.mode === 'manual' ? 'manual (frozen)' : 'real';
    $('#clock-now').textContent = `${iso.slice(0, 10)} ${iso.slice(11, 23)} UTC`;
    $('#clock-timers').textContent = String(c.pendingTimers ?? '—');
  }
}

function fillApiSelects(root = document) {
  for (const select of root.querySelectorAll('select[name="api"]')) {
    for (const a of state.apis) if (![...select.options].some((o) => o.value === a.id)) select.append(h('option', { value: a.id }, a.id));
  }
}

/** Form values as an object (checkboxes as booleans). */
function values(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === 'checkbox') out[el.name] = el.checked;
    else if (el.type !== 'radio' || el.checked) out[el.name] = el.value.trim();
  }
  return out;
}

/** What opens each table row (one click listener for them all, not two a row). */
const openers = new WeakMap();

/** A table row opened by a button in one cell (`buttonAt`); the whole row is clickable for pointer users. */
function rowOf(cells, { id, selected, label, onOpen, buttonAt = 0 }) {
  const td = (c) => (c instanceof HTMLElement && c.tagName === 'TD' ? c : h('td', {}, c));
  const button = h('button', { type: 'button', class: 'linkish', 'aria-label': label, 'data-opens': '' }, cells[buttonAt]);
  const tr = h('tr', { class: selected ? 'selected' : undefined, 'aria-current': selected ? 'true' : undefined, dataset: { id } }, cells.map((c, i) => (i === buttonAt ? h('td', {}, button) : td(c))));
  openers.set(tr, onOpen);
  return tr;
}

/** A click on a row's own button, or anywhere in the row but another control, opens it. */
function onRowClick(e) {
  if (!(e.target instanceof Element)) return;
  const tr = e.target.closest('tr');
  const open = tr && openers.get(tr);
  const control = e.target.closest('button, a, input, select, textarea');
  if (open && (!control || control.hasAttribute('data-opens'))) open();
}

/** Mark the row of `id` as the open one, without rebuilding the table. */
function markSelected(tbody, id) {
  for (const tr of tbody.querySelectorAll('tr.selected')) {
    tr.classList.remove('selected');
    tr.removeAttribute('aria-current');
  }
  const tr = [...tbody.rows].find((r) => r.dataset.id === String(id));
  if (tr) {
    tr.classList.add('selected');
    tr.setAttribute('aria-current', 'true');
  }
}

function showError(el, err) {
  if (!err) el.textContent = '';
  else if (err instanceof ApiError) el.textContent = `${err.code ?? err.status}${err.path ? ` (${err.path})` : ''}: ${err.message}`;
  else el.textContent = String(err.message ?? err);
}

// ───────────────────────────────────────────── Requests

const requests = {
  rows: [],
  cursor: undefined, // the `before` of this page (undefined: the newest page)
  pages: [], // cursors of the newer pages, for "Newer"
  hasOlder: false,
  unseen: 0,
  selected: undefined,
  stale: true,
  filters() {
    return values($('#request-filters'));
  },
  /** What the first data of the page is (`f`: the filters' values; {} before the page is parsed). */
  paths(f) {
    return [`requests${query({ api: f.api, key: f.key, status: f.status, path: f.path, faulted: f.faulted, before: this.cursor, limit: PAGE_SIZE + 1 })}`];
  },
  async load() {
    this.stale = false;
    const [data] = await Promise.all(this.paths(this.filters()).map((p) => api('GET', p)));
    this.capacity = data.capacity;
    this.total = data.total;
    this.hasOlder = data.data.length > PAGE_SIZE;
    this.rows = data.data.slice(0, PAGE_SIZE);
    this.unseen = 0;
    this.render();
    this.summary();
  },
  summary() {
    const first = this.pages.length * PAGE_SIZE + 1;
    $('#requests-summary').textContent = this.rows.length
      ? `Showing ${first}–${first + this.rows.length - 1} of the log (it keeps the last ${this.capacity}; ${this.total} recorded since the last reset).`
      : `No requests${Object.values(this.filters()).some((v) => v && v !== true) ? ' match the filters' : ' yet'}.`;
  },
  matches(r) {
    const f = this.filters();
    if (f.api && r.api !== f.api) return false;
    if (f.key && r.key !== f.key) return false;
    if (f.path && !r.path.includes(f.path)) return false;
    if (f.faulted && !r.faults?.length) return false;
    if (f.status) {
      const s = r.status === null ? 'none' : String(r.status);
      if (f.status === 'none' ? s !== 'none' : s === 'none' || s[0] !== f.status[0]) return false;
    }
    return true;
  },
  onEvent(r) {
    // Not built yet: its first load, when it is shown, has this one.
    if (!built.has('requests') || !this.matches(r)) return;
    if (this.cursor !== undefined || !this.filters().live) {
      this.unseen++;
      this.renderPager();
      return;
    }
    this.rows.unshift(r);
    if (this.rows.length > PAGE_SIZE) {
      this.rows.length = PAGE_SIZE;
      this.hasOlder = true;
    }
    this.total = Math.max(this.total ?? 0, r.seq);
    this.renderSoon();
    this.summarySoon();
  },
  render() {
    const tbody = $('#requests-table tbody');
    const frag = document.createDocumentFragment();
    for (const r of this.rows) {
      frag.append(
        rowOf(
          [
            time(r.at),
            r.api,
            h('span', { class: 'key', title: r.key ?? '' }, r.key ?? '—'),
            r.method,
            h('span', { class: 'path' }, r.path),
            statusBadge(r.status),
            h('td', { class: 'num' }, r.latencyMs),
            r.faults?.length ? h('span', { class: 'fault', title: r.faults.join('\n') }, r.faults.map((f) => f.replaceAll(',', ', ')).join('; ')) : '',
            h('code', { class: 'rid', title: r.requestId }, r.requestId),
          ],
          { id: r.seq, selected: r.seq === this.selected, label: `Show request ${r.seq}: ${r.method} ${r.path}, ${r.status ?? 'no response'}`, onOpen: () => this.open(r.seq) },
        ),
      );
    }
    tbody.replaceChildren(frag);
    this.renderPager();
  },
  renderPager() {
    $('#requests-newer').disabled = this.cursor === undefined;
    $('#requests-older').disabled = !this.hasOlder;
    $('#requests-page').textContent = `Page ${this.pages.length + 1}`;
    const newest = $('#requests-newest');
    newest.hidden = this.unseen === 0;
    newest.textContent = `Show the newest (${this.unseen} new)`;
  },
  async open(seq) {
    this.selected = seq;
    markSelected($('#requests-table tbody'), seq);
    const pane = $('#request-detail');
    try {
      const d = await api('GET', `requests/${seq}`);
      if (this.selected !== seq) return;
      renderRequestDetail(pane, d);
    } catch (err) {
      replace(pane, h('h2', { id: 'request-detail-title' }, `Request ${seq}`), h('p', { class: 'error' }, err.message));
    }
  },
};
requests.renderSoon = throttle(() => requests.render(), 200);
requests.summarySoon = throttle(() => requests.summary(), 1000);

function headersTable(pairs, caption) {
  return h(
    'table',
    { class: 'data headers' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Value'))),
    h('tbody', {}, pairs.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v)))),
  );
}

function bodyBlock(body, cap, label) {
  if (!body) return h('p', { class: 'muted' }, 'No body.');
  const note = body.truncated
    ? h('p', { class: 'warn' }, `Body cut at ${bytes(body.shown)} of ${bytes(body.bytes)}: the log keeps ${bytes(cap)} of each body.`)
    : h('p', { class: 'muted' }, `${bytes(body.bytes)}${body.encoding === 'base64' ? ', binary (shown as base64)' : ''}.`);
  const shown = body.encoding === 'utf8' && !body.truncated ? pretty(body.text).text : body.text;
  return [note, h('pre', { class: 'code body', tabindex: 0, 'aria-label': label }, shown)];
}

function shellQuote(s) {
  return `'${String(s).replaceAll("'", `'\\''`)}'`;
}

const SKIP_IN_CURL = new Set(['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'accept-encoding']);

/** The request as a curl command line (what a developer pastes to replay it). */
function curlOf(d) {
  const x = d.exchange;
  const lines = [`curl -i -X ${d.method} ${shellQuote(new URL(x.url.replace(/^\//, ''), ROOT).href)}`];
  const masked = [];
  for (const [k, v] of x.request.headers) {
    if (SKIP_IN_CURL.has(k.toLowerCase())) continue;
    if (/^\(masked, \d+ characters\)$/.test(v)) masked.push(k);
    else lines.push(`-H ${shellQuote(`${k}: ${v}`)}`);
  }
  const body = x.request.body;
  if (body) lines.push(body.encoding === 'utf8' ? `--data-raw ${shellQuote(body.text)}` : `--data-binary @body.bin`);
  const notes = [];
  if (masked.length) notes.push(`# masked in the log, left out: ${masked.join(', ')}`);
  if (body?.truncated) notes.push(`# the body was cut at ${body.shown} of ${body.bytes} bytes: this sends only the kept part`);
  if (body && body.encoding !== 'utf8') notes.push('# binary body: save it (base64-decoded) as body.bin');
  return [...notes, lines.join(' \\\n  ')].join('\n');
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Not a secure context (a non-loopback http address): the old way.
    const area = h('textarea', { class: 'visually-hidden' }, text);
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
}

function renderRequestDetail(pane, d) {
  const x = d.exchange;
  const facts = [
    ['Time', time(d.at)],
    ['API', d.api],
    ['Operation', d.operationId ?? '—'],
    ['Key', d.key ?? '—'],
    ['Status', statusBadge(d.status)],
    ['Error code', d.errorCode ?? '—'],
    ['Duration', `${d.latencyMs} ms`],
    ['Faults', d.faults?.join(', ') ?? 'none'],
    ['Request id', h('code', {}, d.requestId)],
  ];
  const curl = x ? curlOf(d) : '';
  replace(
    pane,
    h('h2', { id: 'request-detail-title' }, `${d.method} ${d.path}`),
    h('dl', { class: 'facts' }, facts.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v)))),
    x
      ? [
          h('p', {}, h('button', { type: 'button', onclick: () => copyText(curl).then(() => toast('Copied the curl command')) }, 'Copy as curl')),
          h('details', {}, h('summary', {}, 'curl command'), h('pre', { class: 'code', tabindex: 0, 'aria-label': 'curl command' }, curl)),
          h('h3', {}, 'Request'),
          h('p', {}, h('code', {}, `${d.method} ${x.url}`)),
          headersTable(x.request.headers, 'Request headers'),
          bodyBlock(x.request.body, x.bodyCap, 'Request body'),
          h('h3', {}, 'Response'),
          headersTable(x.response.headers, 'Response headers'),
          bodyBlock(x.response.body, x.bodyCap, 'Response body'),
        ]
      : h('p', { class: 'muted' }, 'No headers or bodies were captured for this request.'),
  );
}

function initRequests() {
  const form = $('#request-filters');
  const reload = () => {
    requests.cursor = undefined;
    requests.pages = [];
    requests.load().catch(reportError);
  };
  form.addEventListener('input', debounce(reload, 250));
  form.addEventListener('submit', (e) => (e.preventDefault(), reload()));
  $('#requests-older').addEventListener('click', () => {
    requests.pages.push(requests.cursor);
    requests.cursor = requests.rows[requests.rows.length - 1]?.seq;
    requests.load().catch(reportError);
  });
  $('#requests-newer').addEventListener('click', () => {
    requests.cursor = requests.pages.pop();
    requests.load().catch(reportError);
  });
  $('#requests-newest').addEventListener('click', reload);
}

// ───────────────────────────────────────────── Jobs

const jobs = {
  rows: [],
  selected: undefined, // "api/job_id"
  stale: true,
  paths: (f) => [`jobs${query({ api: f.api, key: f.key, status: f.status, limit: PAGE_SIZE })}`],
  async load() {
    this.stale = false;
    const [data] = await Promise.all(this.paths(values($('#job-filters'))).map((p) => api('GET', p)));
    this.rows = data.data;
    $('#jobs-summary').textContent = this.rows.length ? `The newest ${this.rows.length} job${this.rows.length === 1 ? '' : 's'}.` : 'No jobs yet.';
    this.render();
    if (this.selected) await this.renderDetail();
  },
  idOf: (j) => `${j.api}/${j.job_id ?? j.id ?? j.video_id}`,
  render() {
    const frag = document.createDocumentFragment();
    for (const j of this.rows) {
      const id = j.job_id ?? j.id ?? j.video_id;
      frag.append(
        rowOf(
          [
            time(j.created_at ?? j.createdAt),
            j.api,
            h('span', { class: 'key' }, j.key ?? '—'),
            h('code', { title: id }, short(id)),
            stateBadge(j.status),
            h('td', { class: 'num' }, j.progress ?? '—'),
            h('td', { class: 'num' }, j.credits_used ?? j.estimated_credits ?? '—'),
            h('td', { class: 'num' }, j.duration_seconds ?? '—'),
          ],
          { id: this.idOf(j), selected: this.idOf(j) === this.selected, label: `Show job ${id}, ${j.status}`, onOpen: () => this.open(this.idOf(j)), buttonAt: 3 },
        ),
      );
    }
    $('#jobs-table tbody').replaceChildren(frag);
  },
  open(id) {
    this.selected = id;
    this.shown = undefined;
    markSelected($('#jobs-table tbody'), id);
    this.renderDetail().catch(reportError);
  },
  async renderDetail() {
    const job = this.rows.find((j) => this.idOf(j) === this.selected);
    const pane = $('#job-detail');
    if (!job) return;
    // Re-rendering restarts the video: only when something shown changed.
    const signature = JSON.stringify([job.status, job.progress, job.credits_used, job.error, job.output_url, job.timeline]);
    if (this.shown === signature) return;
    this.shown = signature;
    let ledger = [];
    if (job.key) {
      try {
        const l = await api('GET', `accounts/${encodeURIComponent(job.key)}/ledger${query({ api: job.api })}`);
        const id = job.job_id ?? job.id ?? job.video_id;
        ledger = l.entries.filter((e) => e.ref === id);
      } catch {
        ledger = [];
      }
    }
    renderJobDetail(pane, job, ledger, await jobFields(job.api).catch(() => ({})));
  },
};

/** Where a job's status, files and costs are, as its API's spec declares them (x-sandbox-job). */
const jobFieldsOf = new Map();
function jobFields(apiId) {
  if (!jobFieldsOf.has(apiId)) {
    jobFieldsOf.set(
      apiId,
      spec(apiId).then((doc) => {
        for (const item of Object.values(doc.paths ?? {})) for (const op of Object.values(item ?? {})) if (op?.['x-sandbox-job']) return op['x-sandbox-job'];
        return {};
      }),
    );
  }
  return jobFieldsOf.get(apiId);
}

/** The value at a JSON pointer (RFC 6901), or undefined. */
function at(value, pointer) {
  if (!pointer) return undefined;
  let v = value;
  for (const part of pointer.split('/').slice(1)) v = v?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  return v;
}

function timelineOf(job) {
  if (Array.isArray(job.timeline)) return job.timeline;
  return [
    ['queued', job.created_at],
    ['rendering', job.started_at],
    [job.status === 'failed' ? 'failed' : 'completed', job.completed_at],
  ]
    .filter(([, at]) => at)
    .map(([state, at]) => ({ state, at }));
}

const LEDGER_KINDS = { reserve: 'Reserved', settle: 'Settled back', refund: 'Refunded', charge: 'Charged', grant: 'Granted' };

function renderJobDetail(pane, job, ledger, fields) {
  const id = job.job_id ?? job.id ?? job.video_id;
  const steps = timelineOf(job);
  const t0 = steps[0] ? Date.parse(steps[0].at) : 0;
  const video = sandboxFile(at(job, fields.video));
  const audio = sandboxFile(at(job, fields.audio));
  const thumb = sandboxFile(at(job, fields.thumbnail));
  const scenes = Array.isArray(job.scenes) ? job.scenes : [];
  const width = at(job, fields.frame?.width);
  const shape = width ? `${width}×${at(job, fields.frame.height)}` : at(job, fields.aspectRatio);
  const duration = at(job, fields.duration);
  replace(
    pane,
    h('h2', { id: 'job-detail-title' }, `Job ${id}`),
    h(
      'dl',
      { class: 'facts' },
      [
        ['API', job.api],
        ['Key', job.key ?? '—'],
        ['Status', stateBadge(at(job, fields.status) ?? job.status)],
        ['Progress', typeof job.progress === 'number' ? `${job.progress} %` : '—'],
        ['Size', shape ? `${shape}${job.fps ? ` @ ${job.fps} fps` : ''}` : '—'],
        ['Duration', h('span', { 'data-duration': '' }, typeof duration === 'number' ? `${duration} s` : '—')],
      ].map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))),
    ),
    video || audio || thumb
      ? [
          h('h3', {}, 'Output'),
          video ? h('video', { controls: true, muted: true, playsinline: true, preload: 'auto', src: video, poster: thumb, 'aria-label': `Video of job ${id}` }) : null,
          audio ? h('audio', { controls: true, preload: 'metadata', src: audio, 'aria-label': `Audio of job ${id}` }) : null,
          h(
            'p',
            {},
            [video ? h('a', { href: video }, 'video') : null, audio ? h('a', { href: audio }, 'audio') : null, thumb ? h('a', { href: thumb }, 'thumbnail') : null]
              .filter(Boolean)
              .flatMap((link, i) => (i ? [' · ', link] : [link])),
          ),
          thumb ? h('img', { src: thumb, alt: `Thumbnail of job ${id}`, class: 'thumb' }) : null,
        ]
      : null,
    h('h3', {}, 'Timeline (sandbox clock)'),
    h(
      'ol',
      { class: 'timeline' },
      steps.map((s) => h('li', {}, stateBadge(s.state), ' ', time(s.at), h('span', { class: 'muted' }, ` +${((Date.parse(s.at) - t0) / 1000).toFixed(3)} s`))),
    ),
    h('h3', {}, 'Credits'),
    h(
      'dl',
      { class: 'facts' },
      [
        ...(fields.cost?.estimate ? [['Estimated', at(job, fields.cost.estimate) ?? '—']] : []),
        // Each kind of ledger movement this job made (reserve, settle, charge, refund…), summed.
        ...[...new Set(ledger.map((e) => e.kind))].map((kind) => [LEDGER_KINDS[kind] ?? kind, Math.abs(ledger.filter((e) => e.kind === kind).reduce((t, e) => t + e.amount, 0))]),
        ...(fields.cost?.used ? [['Used', at(job, fields.cost.used) ?? '—']] : []),
      ].map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))),
    ),
    ledger.length
      ? h(
          'table',
          { class: 'data' },
          h('caption', {}, 'Ledger entries of this job'),
          h('thead', {}, h('tr', {}, ['Time', 'Kind', 'Amount', 'Balance after', 'Note'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, ledger.map((e) => h('tr', {}, h('td', {}, time(e.at)), h('td', {}, e.kind), h('td', { class: 'num' }, e.amount), h('td', { class: 'num' }, e.balance), h('td', {}, e.note ?? '')))),
        )
      : h('p', { class: 'muted' }, 'No ledger entries for this job.'),
    job.error ? [h('h3', {}, 'Error'), h('p', { class: 'error' }, h('code', {}, job.error.code), ` ${job.error.message}`)] : null,
    scenes.length
      ? [
          h('h3', {}, 'Scenes'),
          h(
            'div',
            { class: 'scenes' },
            scenes.map((s, i) =>
              h(
                'figure',
                {},
                sandboxFile(s.image_url) ? h('img', { src: sandboxFile(s.image_url), alt: s.visual_description ? `Scene ${i + 1}: ${s.visual_description}` : `Scene ${i + 1}` }) : null,
                h('figcaption', {}, h('span', {}, `${i + 1}. ${s.speech ?? ''}`), s.visual_description ? h('span', { class: 'muted' }, s.visual_description) : null),
              ),
            ),
          ),
        ]
      : null,
    h('details', {}, h('summary', {}, 'The job as the control API shows it'), jsonBlock(job, 'Job JSON')),
  );
  // Muted so a browser lets it play without a gesture; the controls are there for sound.
  const el = pane.querySelector('video');
  if (el) {
    el.muted = true;
    // Without a declared duration, show the file's own.
    if (typeof duration !== 'number') el.addEventListener('loadedmetadata', () => (pane.querySelector('[data-duration]').textContent = `${el.duration.toFixed(2)} s (the file)`), { once: true });
  }
}

// ───────────────────────────────────────────── Webhooks

const webhooks = {
  rows: [],
  selected: undefined,
  stale: true,
  paths: (f) => [`webhooks${query({ api: f.api, key: f.key, limit: PAGE_SIZE })}`],
  async load() {
    this.stale = false;
    const [data] = await Promise.all(this.paths(values($('#webhook-filters'))).map((p) => api('GET', p)));
    this.rows = data.data;
    $('#webhooks-summary').textContent = this.rows.length ? `The newest ${this.rows.length} deliver${this.rows.length === 1 ? 'y' : 'ies'}.` : 'No webhook deliveries yet.';
    this.render();
    const d = this.rows.find((r) => r.id === this.selected);
    if (d) renderWebhookDetail(d);
  },
  render() {
    const frag = document.createDocumentFragment();
    for (const d of this.rows) {
      frag.append(
        rowOf(
          [
            time(d.createdAt),
            d.api,
            h('span', { class: 'key' }, d.key),
            d.event ?? '—',
            h('span', { class: 'path' }, d.url),
            stateBadge(d.status),
            h('td', { class: 'num' }, `${d.attempts.length}/${d.maxAttempts}`),
            d.nextAttemptAt ? time(d.nextAttemptAt) : '—',
          ],
          { id: d.id, selected: d.id === this.selected, label: `Show delivery ${d.id}, ${d.status}`, onOpen: () => this.open(d.id) },
        ),
      );
    }
    $('#webhooks-table tbody').replaceChildren(frag);
  },
  open(id) {
    this.selected = id;
    markSelected($('#webhooks-table tbody'), id);
    const d = this.rows.find((r) => r.id === id);
    if (d) renderWebhookDetail(d);
  },
};

function renderWebhookDetail(d) {
  const signature = (a) => (a.signature ? h('span', {}, h('code', {}, `${a.signature.header}: ${a.signature.value}`), a.signature.valid ? '' : h('strong', { class: 'error' }, ' (wrong secret: fault)')) : 'unsigned');
  replace(
    $('#webhook-detail'),
    h('h2', { id: 'webhook-detail-title' }, `Delivery ${d.id}`),
    h(
      'dl',
      { class: 'facts' },
      [
        ['API', d.api],
        ['Key', d.key],
        ['About', h('code', {}, d.subject)],
        ['Event', d.event ?? '—'],
        ['URL', d.url],
        ['Status', stateBadge(d.status)],
        ['Attempts', `${d.attempts.length} of at most ${d.maxAttempts}`],
        ['Next attempt', d.nextAttemptAt ? time(d.nextAttemptAt) : '—'],
      ].map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))),
    ),
    h(
      'table',
      { class: 'data' },
      h('caption', {}, 'Attempts'),
      h('thead', {}, h('tr', {}, ['#', 'Sent (sandbox)', 'Answer', 'ms', 'Error', 'Faults', 'Signature'].map((c) => h('th', { scope: 'col' }, c)))),
      h(
        'tbody',
        {},
        d.attempts.map((a) =>
          h(
            'tr',
            {},
            h('td', {}, `${a.attempt}${a.copy ? ' (copy)' : ''}`),
            h('td', {}, time(a.at)),
            h('td', {}, statusBadge(a.status)),
            h('td', { class: 'num' }, a.durationMs),
            h('td', {}, a.error ?? ''),
            h('td', {}, a.faults?.join(', ') ?? ''),
            h('td', {}, signature(a)),
          ),
        ),
      ),
    ),
    h('h3', {}, 'Payload'),
    jsonBlock(d.payload, 'Webhook payload'),
  );
}

// ───────────────────────────────────────────── Faults

const faults = {
  rows: [],
  stale: true,
  paths: () => ['faults'],
  async load() {
    this.stale = false;
    const [data] = await Promise.all(this.paths().map((p) => api('GET', p)));
    this.rows = data.data;
    this.render();
  },
  render() {
    const tbody = $('#faults-table tbody');
    if (!this.rows.length) {
      replace(tbody, h('tr', {}, h('td', { colspan: 9, class: 'muted' }, 'No rules: traffic is answered normally (unless it carries X-Sandbox-Fault).')));
      return;
    }
    const matchText = (m) => Object.entries(m).map(([k, v]) => `${k}=${v}`).join(' ') || 'everything';
    const often = (r) => [r.times === null ? 'every match' : `${r.times}×`, r.after ? `after ${r.after}` : '', r.probability !== null ? `p=${r.probability}` : ''].filter(Boolean).join(', ');
    replace(
      tbody,
      this.rows.map((r) =>
        h(
          'tr',
          { class: r.exhausted ? 'exhausted' : undefined },
          h('th', { scope: 'row' }, h('code', {}, r.id)),
          h('td', {}, r.kind),
          h('td', {}, matchText(r.match)),
          h('td', {}, h('code', {}, r.directives ?? JSON.stringify(r.action)), r.note ? h('div', { class: 'muted' }, r.note) : null),
          h('td', {}, often(r)),
          h('td', { class: 'num' }, r.matched),
          h('td', { class: 'num' }, r.fired),
          h('td', { class: 'num' }, r.remaining === null ? '∞' : r.remaining),
          h('td', {}, h('button', { type: 'button', class: 'small', 'aria-label': `Delete rule ${r.id}`, onclick: () => deleteFault(r.id) }, 'Delete')),
        ),
      ),
    );
  },
};

async function deleteFault(id) {
  try {
    await api('DELETE', `faults/${encodeURIComponent(id)}`);
    toast(`Deleted ${id}`);
    await faults.load();
  } catch (err) {
    reportError(err);
  }
}

/** The error codes of one API (or all served ones) from their specs: [{code, status, apis}]. */
async function catalogueOf(apiId) {
  await state.ready;
  const ids = apiId ? [apiId] : state.apis.map((a) => a.id);
  const out = new Map();
  const docs = await Promise.all(ids.map(spec)); // side by side, not one after the other
  for (const [i, id] of ids.entries()) {
    const doc = docs[i];
    for (const [code, entry] of Object.entries(doc['x-sandbox']?.errors?.catalogue ?? {})) {
      const e = out.get(code) ?? { code, status: entry.status, apis: [] };
      e.apis.push(id);
      out.set(code, e);
    }
  }
  return [...out.values()].sort((a, b) => a.status - b.status || a.code.localeCompare(b.code));
}

async function refreshFaultForm() {
  const form = $('#fault-form');
  const apiId = form.elements.api.value;
  const codes = await catalogueOf(apiId).catch(() => []);
  const label = (c) => `${c.code} (${c.status}${apiId ? '' : `; ${c.apis.join(', ')}`})`;
  const keep = (select, fallback) => {
    const was = select.value;
    return () => (select.value = [...select.options].some((o) => o.value === was) && was ? was : fallback);
  };
  const errorSelect = form.elements.error;
  const restoreError = keep(errorSelect, codes.find((c) => c.status === 500)?.code ?? codes[0]?.code ?? '');
  replace(errorSelect, codes.map((c) => h('option', { value: c.code }, label(c))));
  restoreError();
  const failSelect = form.elements.fail;
  const restoreFail = keep(failSelect, codes.find((c) => /RENDER_FAILED|FAILED/.test(c.code))?.code ?? '');
  replace(failSelect, h('option', { value: '' }, 'nothing (delay only)'), codes.map((c) => h('option', { value: c.code }, label(c))));
  restoreFail();
  // Operations and paths of the chosen API (all when any).
  const ops = [];
  await state.ready;
  for (const id of apiId ? [apiId] : state.apis.map((a) => a.id)) {
    const doc = await spec(id).catch(() => undefined);
    // The served document's server URL carries the API's mount (Sketchpen's /api/v1).
    let mount = '';
    try {
      mount = new URL(doc?.servers?.[0]?.url ?? ROOT).pathname.replace(/\/$/, '');
    } catch {
      mount = '';
    }
    for (const [path, item] of Object.entries(doc?.paths ?? {})) {
      for (const [method, op] of Object.entries(item)) if (op?.operationId) ops.push({ id: op.operationId, method: method.toUpperCase(), path: `${mount}${path}`, api: id });
    }
  }
  const opSelect = form.elements.operationId;
  const restoreOp = keep(opSelect, '');
  replace(opSelect, h('option', { value: '' }, 'any'), ops.map((o) => h('option', { value: o.id }, `${o.id} — ${o.method} ${o.path}`)));
  restoreOp();
  replace($('#fault-paths'), [...new Set(ops.map((o) => o.path))].map((p) => h('option', { value: p })));
  updateFaultForm();
}

function faultBody() {
  const form = $('#fault-form');
  const v = values(form);
  const kind = v.kind;
  const num = (s) => (s === '' || s === undefined ? undefined : Number(s));
  const match = {};
  const fields = kind === 'request' ? ['api', 'operationId', 'method', 'path', 'key'] : kind === 'webhook' ? ['api', 'key', 'event'] : ['api', 'key'];
  for (const k of fields) if (v[k]) match[k] = v[k];
  const action = {};
  if (kind === 'request') {
    if (v.outcome === 'error') action.error = v.error;
    if (v.outcome === 'status') action.status = num(v.status);
    if (v.outcome === 'reset') action.reset = true;
    if (v.outcome === 'empty') action.empty = true;
    if ((v.outcome === 'error' || v.outcome === 'status') && v.message) action.message = v.message;
    if (v.latency === 'fixed') action.latency = num(v.latencyMs);
    if (v.latency === 'uniform') action.latency = { dist: 'uniform', min: num(v.latencyMin), max: num(v.latencyMax) };
    if (v.latency === 'lognormal') action.latency = { dist: 'lognormal', median: num(v.latencyMedian), sigma: num(v.latencySigma), max: num(v.latencyCap) };
    if (v.malformed) action.malformed = true;
    if (v.truncate) action.truncate = true;
    if (v.slow !== '') action.slow = num(v.slow);
  } else if (kind === 'pipeline') {
    action.stage = v.stage || 'render';
    if (v.fail) action.fail = v.fail;
    if (v.stageDelay !== '') action.delay = num(v.stageDelay);
  } else {
    const kinds = [...form.querySelectorAll('input[name="wh"]:checked')].map((el) => el.value);
    action.webhook = kinds.length === 1 ? kinds[0] : kinds;
    if (kinds.includes('delay')) action.delay = num(v.webhookDelay);
  }
  const body = { match, action };
  if (v.times !== '') body.times = num(v.times);
  if (v.after !== '' && v.after !== '0') body.after = num(v.after);
  if (v.probability !== '') body.probability = num(v.probability);
  if (v.note) body.note = v.note;
  return body;
}

/** Show the fields that apply to the chosen kind, outcome and latency; preview the request. */
function updateFaultForm() {
  const form = $('#fault-form');
  const v = values(form);
  const show = (el, on) => {
    el.hidden = !on;
    for (const input of el.querySelectorAll('input, select')) input.disabled = !on;
    if (el.matches('input, select')) el.disabled = !on;
  };
  for (const el of form.querySelectorAll('[data-kinds]')) show(el, el.dataset.kinds.split(' ').includes(v.kind));
  for (const el of form.querySelectorAll('[data-outcome]')) if (v.kind === 'request') show(el, el.dataset.outcome.split(' ').includes(v.outcome));
  for (const el of form.querySelectorAll('[data-latency]')) if (v.kind === 'request') show(el, el.dataset.latency === v.latency);
  $('#fault-preview').textContent = `POST /__sandbox/faults\n${JSON.stringify(faultBody(), null, 2)}`;
}

function initFaults() {
  const form = $('#fault-form');
  form.addEventListener('input', (e) => {
    if (e.target === form.elements.api) refreshFaultForm().catch(reportError);
    else updateFaultForm();
  });
  form.addEventListener('change', updateFaultForm);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const error = $('#fault-error');
    showError(error, null);
    const body = faultBody();
    if (Array.isArray(body.action.webhook) && !body.action.webhook.length) {
      error.textContent = 'Pick at least one misbehaviour of the delivery.';
      return;
    }
    try {
      const rule = await api('POST', 'faults', body);
      toast(`Added ${rule.id}: ${rule.directives ?? rule.kind}`);
      await faults.load();
    } catch (err) {
      showError(error, err);
    }
  });
  $('#faults-clear').addEventListener('click', async () => {
    if (!confirm('Delete every fault rule?')) return;
    try {
      const r = await api('DELETE', 'faults');
      toast(`Deleted ${r.deleted} rule${r.deleted === 1 ? '' : 's'}`);
      await faults.load();
    } catch (err) {
      reportError(err);
    }
  });
}

// ───────────────────────────────────────────── Clock and accounts

const accounts = {
  rows: [],
  total: 0,
  selected: undefined, // "api/key"
  stale: true,
  paths: (f) => [`accounts${query({ api: f.api, limit: 1000 })}`, 'clock'],
  async load() {
    this.stale = false;
    const f = values($('#account-filters'));
    const [data, clock] = await Promise.all(this.paths(f).map((p) => api('GET', p)));
    setClock(clock);
    this.total = data.total;
    this.rows = data.data.filter((a) => !f.key || a.key.includes(f.key));
    $('#accounts-summary').textContent = `${this.rows.length} of ${data.total} account${data.total === 1 ? '' : 's'}${data.total > data.data.length ? ` (the newest ${data.data.length} searched)` : ''}.`;
    this.render();
    // Refresh the open account, unless someone is editing it.
    const a = this.rows.find((r) => `${r.api}/${r.key}` === this.selected);
    if (a && !$('#account-detail form[data-dirty]')) await renderAccountDetail(a);
  },
  render() {
    const limit = (n) => (n === null ? '∞' : n);
    const frag = document.createDocumentFragment();
    for (const a of this.rows.slice(0, 200)) {
      const flags = [a.revoked && 'revoked', a.disabled && 'disabled', a.fixture && 'fixture'].filter(Boolean).join(', ');
      frag.append(
        rowOf(
          [h('span', {}, a.api), h('span', { class: 'key' }, a.key), a.plan, h('td', { class: 'num' }, a.balance), h('td', { class: 'num' }, limit(a.limits.requestsPerMinute)), h('td', { class: 'num' }, limit(a.limits.concurrentJobs)), flags || 'active'],
          { id: `${a.api}/${a.key}`, selected: `${a.api}/${a.key}` === this.selected, label: `Show account ${a.key} (${a.api})`, onOpen: () => this.open(a), buttonAt: 1 },
        ),
      );
    }
    $('#accounts-table tbody').replaceChildren(frag);
  },
  open(a) {
    this.selected = `${a.api}/${a.key}`;
    markSelected($('#accounts-table tbody'), this.selected);
    renderAccountDetail(a, { force: true }).catch(reportError);
  },
};

let fieldIds = 0;
/** A labelled control: <div class=field><label for=…>text</label> control</div>. */
function field(text, control, attrs = {}) {
  control.id ||= `field-${++fieldIds}`;
  return h('div', { class: 'field', ...attrs }, h('label', { for: control.id }, text), ' ', control);
}

function limitField(name, label, override, effective) {
  const mode = override === undefined ? 'plan' : override === null ? 'unlimited' : 'custom';
  return h(
    'fieldset',
    { class: 'row' },
    h('legend', {}, label),
    field('From', h('select', { name: `${name}Mode` }, ['plan', 'unlimited', 'custom'].map((m) => h('option', { value: m, selected: m === mode }, m === 'plan' ? `the plan (${effective === null ? '∞' : effective})` : m)))),
    field('Custom', h('input', { name, type: 'number', min: 1, step: 1, value: typeof override === 'number' ? override : '' })),
  );
}

let accountRenders = 0;
async function renderAccountDetail(a, { force = false } = {}) {
  const pane = $('#account-detail');
  const mine = ++accountRenders;
  const [doc, ledger] = await Promise.all([spec(a.api).catch(() => undefined), api('GET', `accounts/${encodeURIComponent(a.key)}/ledger${query({ api: a.api })}`)]);
  // A later render (another account picked, a newer refresh) wins; an edit in progress is kept.
  if (mine !== accountRenders || (!force && pane.querySelector('form[data-dirty]'))) return;
  const plans = Object.keys(doc?.['x-sandbox']?.plans?.catalogue ?? { [a.plan]: {} });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { class: 'card', 'aria-label': `Edit account ${a.key}` },
    h('div', { class: 'row' }, field('Plan', h('select', { name: 'plan' }, plans.map((p) => h('option', { value: p, selected: p === a.plan }, p)))), field('Balance', h('input', { name: 'balance', type: 'number', min: 0, step: 1, value: a.balance }))),
    limitField('requestsPerMinute', 'Requests per minute', a.overrides?.requestsPerMinute, a.limits.requestsPerMinute),
    limitField('concurrentJobs', 'Jobs at once', a.overrides?.concurrentJobs, a.limits.concurrentJobs),
    h('div', { class: 'row' }, h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'revoked', checked: a.revoked }), ' revoked (401)'), h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'disabled', checked: a.disabled }), ' disabled')),
    error,
    h('p', {}, h('button', { type: 'submit' }, 'Save'), ' ', h('button', { type: 'button', class: 'danger', onclick: () => resetAccount(a) }, 'Reset this account')),
  );
  form.addEventListener('input', () => (form.dataset.dirty = 'true'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = values(form);
    const patch = {};
    if (v.plan !== a.plan) patch.plan = v.plan;
    if (v.balance !== '' && Number(v.balance) !== a.balance) patch.balance = Number(v.balance);
    if (v.revoked !== a.revoked) patch.revoked = v.revoked;
    if (v.disabled !== a.disabled) patch.disabled = v.disabled;
    const limits = {};
    for (const name of ['requestsPerMinute', 'concurrentJobs']) {
      const mode = v[`${name}Mode`];
      const now = a.overrides?.[name];
      if (mode === 'plan' && now !== undefined) limits[name] = 'plan';
      if (mode === 'unlimited' && now !== null) limits[name] = null;
      if (mode === 'custom' && v[name] !== '' && Number(v[name]) !== now) limits[name] = Number(v[name]);
    }
    if (Object.keys(limits).length) patch.limits = limits;
    showError(error, null);
    if (!Object.keys(patch).length) {
      delete form.dataset.dirty;
      toast('Nothing changed');
      return;
    }
    try {
      const updated = await api('PATCH', `accounts/${encodeURIComponent(a.key)}${query({ api: a.api })}`, patch);
      toast(`Saved ${a.key}`);
      await renderAccountDetail(updated, { force: true });
      await accounts.load();
    } catch (err) {
      showError(error, err);
    }
  });
  replace(
    pane,
    h('h2', { id: 'account-detail-title' }, a.key),
    h('p', { class: 'muted' }, `${a.api} · created ${new Date(a.createdAt).toISOString()} · scopes ${a.scopes.join(' ')}${a.fixture ? ' · fixture' : ''}`),
    form,
    h(
      'table',
      { class: 'data' },
      h('caption', {}, `Ledger (${ledger.entries.length} entries; ${ledger.balanced ? 'they add up to the balance' : 'they do NOT add up to the balance'})`),
      h('thead', {}, h('tr', {}, ['#', 'Time', 'Kind', 'Amount', 'Balance', 'About', 'Note'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ledger.entries.map((e, i) => [i + 1, e]).reverse().map(([n, e]) => h('tr', {}, h('td', {}, n), h('td', {}, time(e.at)), h('td', {}, e.kind), h('td', { class: 'num' }, e.amount), h('td', { class: 'num' }, e.balance), h('td', {}, e.ref ? h('code', { title: e.ref }, short(e.ref)) : ''), h('td', {}, e.note ?? '')))),
    ),
  );
}

async function resetAccount(a) {
  if (!confirm(`Reset ${a.key}: its balance, ledger, limits, jobs, rate window and rules?`)) return;
  try {
    await api('POST', 'reset', { key: a.key, api: a.api });
    toast(`Reset ${a.key}`);
    replace($('#account-detail'), h('h2', { id: 'account-detail-title' }, 'Account'), h('p', { class: 'empty' }, `${a.key} was reset.`));
    accounts.selected = undefined;
    await accounts.load();
  } catch (err) {
    reportError(err);
  }
}

function initClock() {
  const error = $('#clock-error');
  const run = async (method, path, body, done) => {
    showError(error, null);
    try {
      const c = await api(method, path, body);
      setClock(c);
      toast(done(c));
    } catch (err) {
      showError(error, err);
    }
  };
  $('#clock-freeze').addEventListener('click', () => run('POST', 'clock', { mode: 'manual' }, () => 'Clock frozen'));
  $('#clock-real').addEventListener('click', () => run('POST', 'clock', { mode: 'real' }, () => 'Clock back to real time'));
  $('#clock-scale-form').addEventListener('submit', (e) => {
    e.preventDefault();
    run('POST', 'clock', { mode: 'scaled', scale: Number(e.target.elements.scale.value) }, (c) => `Clock running ×${c.scale}`);
  });
  $('#clock-advance-form').addEventListener('submit', (e) => {
    e.preventDefault();
    run('POST', 'clock/advance', { seconds: Number(e.target.elements.seconds.value) }, (c) => `Advanced ${c.advancedMs / 1000} s`);
  });
  $('#account-filters').addEventListener('input', debounce(() => accounts.load().catch(reportError), 250));
  $('#account-filters').addEventListener('submit', (e) => e.preventDefault());
  $('#reset-all').addEventListener('click', async () => {
    if (!confirm('Reset everything: accounts, jobs, rules, the request log, the seed and the clock?')) return;
    try {
      await api('POST', 'reset', {});
      toast('Sandbox reset');
      accounts.selected = undefined;
      replace($('#account-detail'), h('h2', { id: 'account-detail-title' }, 'Account'), h('p', { class: 'empty' }, 'Pick an account in the table.'));
      for (const p of Object.values(pages)) p.stale = true;
      await pages[current].load();
    } catch (err) {
      reportError(err);
    }
  });
}

// ───────────────────────────────────────────── pages, navigation

const pages = { requests, jobs, webhooks, faults, clock: accounts };
let current;

function reportError(err) {
  console.error(err);
  toast(err instanceof ApiError ? `${err.code ?? err.status}: ${err.message}` : String(err.message ?? err));
}

function initFilters(id, page) {
  const form = $(`#${id}`);
  form.addEventListener('input', debounce(() => page.load().catch(reportError), 250));
  form.addEventListener('submit', (e) => e.preventDefault());
}

/** What each page sets up once its markup is there. */
const inits = { requests: initRequests, jobs: () => initFilters('job-filters', jobs), webhooks: () => initFilters('webhook-filters', webhooks), faults: initFaults, clock: initClock };
const built = new Set();

/** A page's markup is a <template> in its section until the page is first shown. */
function build(name) {
  if (built.has(name)) return;
  const section = $(`#page-${name}`);
  section.replaceChildren(section.querySelector('template').content);
  built.add(name);
  inits[name]();
  fillApiSelects(section);
}

/** The page a fragment names (the requests page for any other). */
const pageOf = (hash) => (Object.hasOwn(pages, hash) ? hash : 'requests');

async function route(focus) {
  const hash = location.hash.slice(1);
  // Another fragment (an in-page link) is not a page change.
  if (hash && !Object.hasOwn(pages, hash) && current) return;
  const name = pageOf(hash);
  build(name);
  current = name;
  for (const id of Object.keys(pages)) {
    $(`#page-${id}`).hidden = id !== name;
    const link = $(`#nav-${id}`);
    if (id === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const heading = $(`#page-${name} h1`);
  document.title = `${heading.textContent} · Inspector · video-api-sandbox`;
  if (focus) {
    heading.tabIndex = -1;
    heading.focus();
  }
  // The fault form's menus come from the specs (two large documents): they are asked for once
  // the page's data is shown, not beside it; the form is busy until they are in.
  const form = name === 'faults' ? $('#fault-form') : undefined;
  form?.setAttribute('aria-busy', 'true');
  if (form) form.querySelector('button[type="submit"]').disabled = true;
  try {
    if (pages[name].stale) await pages[name].load();
  } finally {
    if (form)
      refreshFaultForm()
        .catch(reportError)
        .finally(() => {
          form.removeAttribute('aria-busy');
          form.querySelector('button[type="submit"]').disabled = false;
        });
  }
  renderClock();
}

// Live updates: the visible page reloads (debounced); hidden ones are marked stale.
const reloaders = new Map();
function touch(...names) {
  for (const name of names) {
    const page = pages[name];
    page.stale = true;
    if (name !== current) continue;
    if (!reloaders.has(name)) reloaders.set(name, debounce(() => page.stale && page.load().catch(reportError), 150));
    reloaders.get(name)();
  }
}

function onEvent(type, data) {
  switch (type) {
    case 'request':
      requests.onEvent(data);
      if (data.faults?.some((f) => f.startsWith('fault_'))) touch('faults');
      if (current === 'clock') touch('clock');
      break;
    case 'job':
      touch('jobs', 'clock');
      break;
    case 'webhook':
      touch('webhooks');
      if (data.attempt?.faults?.length) touch('faults');
      break;
    case 'fault':
      touch('faults');
      break;
    case 'clock':
      setClock(data);
      break;
    case 'account':
      touch('clock');
      break;
    case 'reset':
    case 'resync':
    case 'overflow':
      requests.cursor = undefined;
      requests.pages = [];
      touch(...Object.keys(pages));
      if (type === 'reset') api('GET', 'clock').then(setClock, reportError);
      break;
    case 'heartbeat':
      if (state.clock && data.now) setClock({ ...state.clock, nowMs: Date.parse(data.now) });
      break;
  }
}

function setLive(mode, text) {
  const el = $('#live');
  el.dataset.state = mode;
  el.textContent = text;
}

/** Follow GET /__sandbox/events (fetch, not EventSource: the token goes in a header). */
async function follow() {
  let lastId;
  let retryMs = 1000;
  let first = true;
  for (;;) {
    try {
      const headers = { accept: 'text/event-stream', ...authHeaders() };
      if (lastId !== undefined) headers['last-event-id'] = String(lastId);
      const res = await fetch(new URL('events', BASE), { headers, cache: 'no-store' });
      if (res.status === 401) {
        await askToken();
        continue;
      }
      if (!res.ok || !res.body) throw new Error(`event stream: HTTP ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        for (let i = buffer.indexOf('\n\n'); i !== -1; i = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          let type = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (!line || line.startsWith(':')) continue;
            const c = line.indexOf(':');
            const field = c === -1 ? line : line.slice(0, c);
            const v = c === -1 ? '' : line.slice(c + 1).replace(/^ /, '');
            if (field === 'event') type = v;
            else if (field === 'data') data += data ? `\n${v}` : v;
            else if (field === 'id') lastId = Number(v);
          }
          if (type === 'ready') {
            setLive('live', 'live');
            retryMs = 1000;
            // Reconnected: what happened meanwhile was replayed, or a resync follows.
            if (!first) touch(current);
            first = false;
          }
          if (data) {
            try {
              onEvent(type, JSON.parse(data));
            } catch (err) {
              console.error('event', type, err);
            }
          }
        }
      }
    } catch (err) {
      console.warn(err);
    }
    setLive('down', 'reconnecting…');
    await sleep(retryMs);
    retryMs = Math.min(retryMs * 2, 10_000);
  }
}

const domReady = new Promise((resolve) => (document.readyState === 'loading' ? document.addEventListener('DOMContentLoaded', resolve, { once: true }) : resolve()));

async function main() {
  // Before the page is parsed: the served APIs and the first data of the page go out now, with
  // the filters as they start out (a filter the browser restored asks again), and arrive while
  // the browser builds the page.
  const paths = ['health', ...pages[pageOf(location.hash.slice(1))].paths({})];
  for (const path of paths) {
    const answer = api('GET', path);
    answer.catch(() => {}); // not unhandled if no one takes it; whoever does sees the error
    early.set(path, answer);
  }
  await domReady;
  document.addEventListener('click', onRowClick);
  window.addEventListener('hashchange', () => route(true).catch(reportError));
  $('.skip').addEventListener('click', (e) => {
    e.preventDefault();
    $('#main').focus();
  });
  setInterval(renderClock, 250);
  void follow();
  state.ready = api('GET', 'health').then((health) => {
    state.apis = health.apis;
    setClock(health.clock);
    fillApiSelects();
  });
  await Promise.all([state.ready, route(false)]);
  early.clear(); // any left (not asked for after all) would be stale later
  performance.mark('inspector-ready');
  document.documentElement.dataset.ready = 'true';
}

main().catch(reportError);
}
