'use strict';
/*
 * Mooring's web console. Signs in with an admin token (kept in this tab's sessionStorage, sent as X-Auth-Token), reads
 * the live feed GET /mooring/console/feed (server-sent events read through fetch: an EventSource cannot send a header)
 * and calls the Cinder API itself for the actions. Everything the appliance says is put into the page as text.
 */
const TOKEN_KEY = 'mooring.token';
const FEED = '/mooring/console/feed';
const WINDOW_SECONDS = 60;
const RECONNECT_MS = 2000;

/** The per-volume charts: one entry each, its series naming fields of the feed's per-volume rates. */
const CHARTS = [
  { key: 'iops', title: 'IOPS', unit: '', series: [{ field: 'iops', label: 'IOPS', color: '#1f6feb' }] },
  { key: 'mibs', title: 'Throughput', unit: 'MiB/s', series: [
    { field: 'read_mib_s', label: 'read', color: '#1a7f37' },
    { field: 'write_mib_s', label: 'write', color: '#c2410c' }] },
  { key: 'latency', title: 'Latency', unit: 'ms', series: [
    { field: 'read_latency_ms', label: 'read', color: '#1a7f37' },
    { field: 'write_latency_ms', label: 'write', color: '#c2410c' }] },
];

const $ = (id) => document.getElementById(id);
let feedAbort = null;
const volumeCards = new Map();     // volume id → {card, charts: Map(key → MooringChart), volume}
let lastDatabaseTime = null;

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function element(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function short(id) {
  return id ? id.slice(0, 8) : '';
}

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

function rate(value) {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

// ---- signing in and out ----------------------------------------------------------------------------------------

function showSignedOut(message) {
  if (feedAbort) feedAbort.abort();
  feedAbort = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $('sign-in').hidden = false;
  $('dashboard').hidden = true;
  $('signed-in-nav').hidden = true;
  $('database-state').hidden = true;
  setFeedState('signed out', '');
  $('sign-in-error').textContent = message || '';
  $('token').value = '';
  $('token').focus();
}

function showSignedIn() {
  $('sign-in').hidden = true;
  $('dashboard').hidden = false;
  $('signed-in-nav').hidden = false;
}

function setFeedState(text, state) {
  const pill = $('feed-state');
  pill.textContent = text;
  pill.className = 'pill ' + state;
}

/** Why the appliance refused a token, in the words of its Cinder-shaped error. */
function refusal(status) {
  if (status === 401) return 'The appliance does not know this token.';
  if (status === 403) return 'This is not an admin token: the console is for admins.';
  return 'The appliance answered ' + status + '.';
}

// ---- the feed -------------------------------------------------------------------------------------------------

/** Reads the feed until it ends or is aborted, then reconnects; a refused token signs out. */
async function follow(candidate, firstAttempt) {
  const abort = new AbortController();
  if (feedAbort) feedAbort.abort();
  feedAbort = abort;
  setFeedState('connecting…', 'waiting');
  let response;
  try {
    response = await fetch(FEED, { headers: { 'X-Auth-Token': candidate, 'Accept': 'text/event-stream' },
      cache: 'no-store', signal: abort.signal });
  } catch (e) {
    if (abort.signal.aborted) return;
    if (firstAttempt) { showSignedOut('The appliance cannot be reached.'); return; }
    return retry(candidate, abort);
  }
  if (response.status === 401 || response.status === 403) {
    showSignedOut(refusal(response.status));
    return;
  }
  if (!response.ok) {
    if (firstAttempt) { showSignedOut(refusal(response.status)); return; }
    return retry(candidate, abort);
  }
  sessionStorage.setItem(TOKEN_KEY, candidate);
  showSignedIn();
  setFeedState('live', 'live');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n?/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event.split('\n').filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).replace(/^ /, '')).join('\n');
        if (data) render(JSON.parse(data));
      }
    }
  } catch (e) {
    if (abort.signal.aborted) return;
  }
  retry(candidate, abort);
}

function retry(candidate, abort) {
  if (abort.signal.aborted) return;
  setFeedState('reconnecting…', 'down');
  setTimeout(() => { if (!abort.signal.aborted) follow(candidate, false); }, RECONNECT_MS);
}

// ---- rendering ------------------------------------------------------------------------------------------------

function render(frame) {
  const database = $('database-state');
  if (frame.database === 'available') {
    lastDatabaseTime = new Date(frame.time);
    database.hidden = true;
  } else {
    database.hidden = false;
    database.className = 'pill down';
    database.textContent = 'database unavailable' + (lastDatabaseTime
      ? ' — volumes and attachments as of ' + lastDatabaseTime.toLocaleTimeString() : '');
  }
  if (frame.volumes) renderVolumes(frame.volumes);
  renderRates(frame.rates || []);
  if (frame.attachments) renderAttachments(frame.attachments);
  renderSessions(frame.sessions || []);
}

function renderVolumes(volumes) {
  const container = $('volumes');
  const seen = new Set();
  volumes.forEach((volume) => {
    seen.add(volume.id);
    let entry = volumeCards.get(volume.id);
    if (!entry) {
      entry = createVolumeCard(volume);
      volumeCards.set(volume.id, entry);
      container.appendChild(entry.card);
    }
    entry.volume = volume;
    entry.name.textContent = volume.name || '(no name)';
    entry.status.textContent = volume.status;
    entry.status.className = 'status ' + volume.status;
    entry.facts.textContent = volume.size + ' GiB · ' + volume.volume_type + (volume.multiattach ? ' · multiattach' : '')
      + ' · project ' + short(volume.project_id);
    entry.card.dataset.status = volume.status;
    entry.card.dataset.size = volume.size;
  });
  for (const [id, entry] of volumeCards) {
    if (!seen.has(id)) { entry.card.remove(); volumeCards.delete(id); }
  }
  $('no-volumes').hidden = volumes.length > 0;
}

function createVolumeCard(volume) {
  const card = element('div', 'volume');
  card.id = 'volume-' + volume.id;
  const title = element('div', 'title');
  const name = element('strong');
  const status = element('span');
  const extend = element('button', null, 'Extend…');
  extend.type = 'button';
  extend.id = 'extend-' + volume.id;
  extend.addEventListener('click', () => extendVolume(volume.id));
  title.append(name, element('span', 'id', volume.id), status, extend);
  const facts = element('div', 'facts');
  const chartsBox = element('div', 'charts');
  const charts = new Map();
  CHARTS.forEach((definition) => {
    const box = element('div', 'chart');
    const head = element('div', 'head');
    const now = element('span', 'now');
    now.id = 'now-' + volume.id + '-' + definition.key;
    head.append(element('span', null, definition.title + (definition.unit ? ' (' + definition.unit + ')' : '')), now);
    const canvas = element('canvas');
    canvas.id = 'chart-' + volume.id + '-' + definition.key;
    box.append(head, canvas);
    chartsBox.append(box);
    const chart = new MooringChart(canvas, definition.series, WINDOW_SECONDS);
    chart.now = now;
    chart.definition = definition;
    charts.set(definition.key, chart);
  });
  card.append(title, facts, chartsBox);
  return { card, name, status, facts, charts, volume };
}

function renderRates(rates) {
  const byVolume = new Map(rates.map((r) => [r.volume_id, r]));
  for (const [id, entry] of volumeCards) {
    const r = byVolume.get(id) || {};
    for (const chart of entry.charts.values()) {
      const sample = chart.definition.series.map((s) => r[s.field] || 0);
      chart.push(sample);
      chart.now.textContent = chart.definition.series
        .map((s, i) => (chart.definition.series.length > 1 ? s.label + ' ' : '') + rate(sample[i])).join(' · ');
      chart.canvas.dataset.latest = String(sample.reduce((a, b) => a + b, 0));
      chart.canvas.dataset.peak = String(chart.peak());
    }
  }
}

/** Keyed rows: a row is updated in place, so a button stays the same element between frames. */
function syncRows(tbody, items, key, create, update) {
  const rows = new Map([...tbody.children].map((tr) => [tr.dataset.key, tr]));
  const keep = new Set();
  items.forEach((item) => {
    const k = key(item);
    keep.add(k);
    let tr = rows.get(k);
    if (!tr) {
      tr = create(item);
      tr.dataset.key = k;
      tbody.appendChild(tr);
    }
    update(tr, item);
  });
  for (const [k, tr] of rows) {
    if (!keep.has(k)) tr.remove();
  }
}

function cells(tr, count) {
  while (tr.children.length < count) tr.appendChild(element('td'));
  return [...tr.children];
}

function renderAttachments(attachments) {
  syncRows($('attachments').tBodies[0], attachments, (a) => a.id, (a) => {
    const tr = element('tr');
    tr.id = 'attachment-' + a.id;
    const c = cells(tr, 8);
    c[0].className = 'id';
    c[1].className = 'id';
    const detach = element('button', 'danger', 'Detach');
    detach.type = 'button';
    detach.id = 'detach-' + a.id;
    detach.addEventListener('click', () => detachAttachment(a.id));
    c[7].appendChild(detach);
    return tr;
  }, (tr, a) => {
    const c = cells(tr, 8);
    c[0].textContent = a.id;
    c[1].textContent = volumeLabel(a.volume_id);
    c[2].textContent = a.host || '—';
    c[3].textContent = a.initiator || '—';
    c[4].textContent = a.mode || '—';
    c[5].textContent = a.status;
    c[5].className = 'status ' + a.status;
    c[6].textContent = String(a.sessions);
    tr.dataset.status = a.status;
    tr.dataset.sessions = a.sessions;
    tr.dataset.project = a.project_id;
  });
  $('no-attachments').hidden = attachments.length > 0;
  $('attachments').hidden = attachments.length === 0;
}

function renderSessions(sessions) {
  syncRows($('sessions').tBodies[0], sessions, (s) => [s.initiator, s.isid, s.tsih, s.volume_id].join('|'), () => {
    const tr = element('tr');
    tr.className = 'session';
    const c = cells(tr, 8);
    c[2].className = 'id';
    c[3].className = 'id';
    return tr;
  }, (tr, s) => {
    const c = cells(tr, 8);
    c[0].textContent = s.initiator;
    c[1].textContent = s.remote_address;
    c[2].textContent = s.volume_id ? volumeLabel(s.volume_id) : '—';
    c[3].textContent = s.attachment_id ? short(s.attachment_id) : '—';
    c[4].textContent = s.isid + ' / ' + s.tsih;
    c[5].textContent = String(s.commands);
    c[6].textContent = bytes(s.bytes_in);
    c[7].textContent = bytes(s.bytes_out);
    tr.dataset.volume = s.volume_id || '';
    tr.dataset.attachment = s.attachment_id || '';
  });
  $('no-sessions').hidden = sessions.length > 0;
  $('sessions').hidden = sessions.length === 0;
}

function volumeLabel(volumeId) {
  const entry = volumeCards.get(volumeId);
  const name = entry && entry.volume.name;
  return name ? name + ' (' + short(volumeId) + ')' : volumeId;
}

// ---- actions --------------------------------------------------------------------------------------------------

/** Asks through the page's dialog; resolves to null when cancelled, else {size} (the entered size, if asked). */
function confirmDialog(title, text, action, size) {
  const dialog = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-ok').textContent = action;
  $('confirm-text').textContent = text;
  $('confirm-size-label').hidden = size === undefined;
  if (size !== undefined) {
    $('confirm-size').value = String(size);
    $('confirm-size').min = String(size);
  }
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok' ? { size: Number($('confirm-size').value) } : null);
    }, { once: true });
  });
}

function showMessage(text, isError) {
  const box = $('action-message');
  box.hidden = false;
  box.textContent = text;
  box.className = 'message' + (isError ? ' error' : '');
}

/** Calls the Cinder API with the signed-in token; resolves to the response, or rejects with the API's own message. */
async function cinder(method, path, microversion, body) {
  const headers = { 'X-Auth-Token': token(), 'OpenStack-API-Version': 'volume ' + microversion, 'Accept': 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new Error('The appliance cannot be reached.');
  }
  if (!response.ok) {
    let message = 'The appliance answered ' + response.status + '.';
    try {
      const fault = Object.values(await response.json())[0];
      if (fault && fault.message) message = fault.message;
    } catch (e) {
      // not Cinder's envelope: keep the status
    }
    throw new Error(message);
  }
  return response;
}

async function detachAttachment(attachmentId) {
  const row = $('attachment-' + attachmentId);
  const cellsOf = row ? [...row.children].map((td) => td.textContent) : [];
  const answer = await confirmDialog('Detach this attachment?',
    'Attachment ' + attachmentId + ' of ' + (cellsOf[1] || 'its volume') + ' on host ' + (cellsOf[2] || '—')
    + ' (' + (cellsOf[3] || 'no initiator') + '). Its CHAP account is revoked and its iSCSI sessions are closed at once.',
    'Detach');
  if (!answer) return;
  const projectId = row ? row.dataset.project : '';
  try {
    await cinder('DELETE', '/v3/' + projectId + '/attachments/' + attachmentId, '3.27');
    showMessage('Attachment ' + attachmentId + ' deleted.', false);
  } catch (e) {
    showMessage('Detach failed: ' + e.message, true);
  }
}

async function extendVolume(volumeId) {
  const entry = volumeCards.get(volumeId);
  if (!entry) return;
  const volume = entry.volume;
  const answer = await confirmDialog('Extend this volume?', 'Volume ' + (volume.name || volumeId) + ' is ' + volume.size
    + ' GiB. Initiators attached now see the new size.', 'Extend', volume.size + 1);
  if (!answer) return;
  try {
    await cinder('POST', '/v3/' + volume.project_id + '/volumes/' + volumeId + '/action', '3.42',
      { 'os-extend': { new_size: answer.size } });
    showMessage('Extending volume ' + (volume.name || volumeId) + ' to ' + answer.size + ' GiB.', false);
  } catch (e) {
    showMessage('Extend failed: ' + e.message, true);
  }
}

// ---- start ----------------------------------------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const candidate = $('token').value.trim();
    if (candidate) {
      $('sign-in-error').textContent = '';
      follow(candidate, true);
    }
  });
  $('sign-out').addEventListener('click', () => showSignedOut(''));
  window.addEventListener('resize', () => {
    for (const entry of volumeCards.values()) entry.charts.forEach((chart) => chart.draw());
  });
  const saved = token();
  if (saved) follow(saved, true); else showSignedOut('');
});
