/* The care worker app: offline first.
 *
 * Every action (check in, check out, note, concern) becomes an event with its own UUID, written to a
 * queue on the phone (IndexedDB; localStorage where IndexedDB cannot be opened) BEFORE any network call,
 * and the screen shows it at once as "waiting to send". sync() sends the queue to the call-monitoring
 * API (POST /api/v1/visits/events/batch with this phone's bearer token) when the page opens, when the
 * phone comes back online, every 30 seconds and after each action. An event the server stored (or had
 * already stored: a retry after a lost reply resends the same client_id) is marked sent; one the server
 * refused is kept aside with the server's reason and never sent again. Nothing leaves the queue
 * unanswered.
 *
 * The page (homecare/visits/views/mobile.py) embeds today's and tomorrow's visits in the shape GET
 * /api/v1/visits/mine returns; the phone keeps the newest copy so the app works with no signal.
 * Everything is stored per worker (their user id), so a shared phone never shows one worker's visits or
 * queue to another.
 */

const root = document.getElementById("visits-app");
const URLS = JSON.parse(document.getElementById("visits-app-urls").textContent);
const FIRST_LOAD = JSON.parse(document.getElementById("visits-app-data").textContent);
const USER = FIRST_LOAD.user;
const CSRF_TOKEN = root.dataset.csrf;
const LONDON = "Europe/London";
const SYNC_EVERY_MS = 30_000;
const VISITS_REFRESH_MS = 5 * 60_000;
const BATCH_SIZE = 100;
const KEEP_SENT_MS = 2 * 24 * 60 * 60 * 1000;
const TOKEN_KEY = `ohc-visits:${USER}:device-token`;
const tasksKey = (visitId) => `ohc-visits:${USER}:tasks:${visitId}`;

const KIND_LABELS = {
  check_in: "Checked in",
  check_out: "Checked out",
  note: "Note",
  concern: "Concern raised",
};
const STATUS = {
  planned: ["Planned", "govuk-tag--grey"],
  in_progress: ["In progress", "govuk-tag--blue"],
  completed: ["Completed", "govuk-tag--green"],
  late: ["Late", "govuk-tag--orange"],
  missed: ["Missed", "govuk-tag--red"],
  cancelled: ["Cancelled", "govuk-tag--grey"],
};

const state = {
  visits: [],
  visitsAsOf: null,
  events: [], // this worker's events on this phone: {client_id, user, state, queued_at, event, result}
  syncing: false,
  unreachable: false,
  needsSignIn: false,
};

// --- storage ---------------------------------------------------------------------------------------

function openStore() {
  return new Promise((resolve) => {
    let request;
    try {
      request = indexedDB.open("ohc-visits", 1);
    } catch {
      resolve(localStore());
      return;
    }
    request.onupgradeneeded = () => {
      request.result.createObjectStore("events", { keyPath: "client_id" });
      request.result.createObjectStore("visits", { keyPath: "user" });
    };
    request.onsuccess = () => resolve(indexedStore(request.result));
    request.onerror = () => resolve(localStore());
    request.onblocked = () => resolve(localStore());
  });
}

function indexedStore(db) {
  // Each call is one transaction; its promise settles once the transaction has committed, so an
  // awaited put is on disk before the caller goes near the network.
  const run = (name, mode, work) =>
    new Promise((resolve, reject) => {
      const tx = db.transaction(name, mode);
      const request = work(tx.objectStore(name));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  return {
    all: (name) => run(name, "readonly", (s) => s.getAll()),
    get: (name, key) => run(name, "readonly", (s) => s.get(key)),
    put: (name, value) => run(name, "readwrite", (s) => s.put(value)),
    delete: (name, key) => run(name, "readwrite", (s) => s.delete(key)),
  };
}

function localStore() {
  const keys = { events: "client_id", visits: "user" };
  const read = (name) => JSON.parse(localStorage.getItem(`ohc-visits:${name}`) || "{}");
  const write = (name, map) => localStorage.setItem(`ohc-visits:${name}`, JSON.stringify(map));
  return {
    all: async (name) => Object.values(read(name)),
    get: async (name, key) => read(name)[key],
    put: async (name, value) => {
      const map = read(name);
      map[value[keys[name]]] = value;
      write(name, map);
    },
    delete: async (name, key) => {
      const map = read(name);
      delete map[key];
      write(name, map);
    },
  };
}

const store = await openStore();

// --- time ------------------------------------------------------------------------------------------

const timeFormat = new Intl.DateTimeFormat("en-GB", { timeZone: LONDON, hour: "2-digit", minute: "2-digit" });
const dayFormat = new Intl.DateTimeFormat("en-GB", {
  timeZone: "UTC",
  weekday: "long",
  day: "numeric",
  month: "long",
});
const dayPartsFormat = new Intl.DateTimeFormat("en-GB", {
  timeZone: LONDON,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

const hhmm = (iso) => timeFormat.format(new Date(iso));
function londonDay(date) {
  // The visit's day is London's day (as the server decides it), whatever the phone's own time zone.
  const parts = Object.fromEntries(dayPartsFormat.formatToParts(date).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}
function nextDay(isoDay) {
  const [y, m, d] = isoDay.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}
const dayName = (isoDay) => dayFormat.format(new Date(`${isoDay}T12:00:00Z`));

// --- building the page -----------------------------------------------------------------------------

function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "className") element.className = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1);
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
const multiline = (text) => text.split("\n").flatMap((line, i) => (i ? [h("br"), line] : [line]));

function summaryRow(key, value) {
  return h(
    "div",
    { className: "govuk-summary-list__row" },
    h("dt", { className: "govuk-summary-list__key" }, key),
    h("dd", { className: "govuk-summary-list__value" }, value),
  );
}

function bulletList(items) {
  return h(
    "ul",
    { className: "govuk-list govuk-list--bullet" },
    items.map((item) => h("li", {}, item)),
  );
}

function errorMessage(id, text) {
  return h(
    "p",
    { className: "govuk-error-message", id },
    h("span", { className: "govuk-visually-hidden" }, "Error: "),
    text,
  );
}

// --- the worker's visits and what this phone recorded ----------------------------------------------

function currentVisits() {
  const today = londonDay(new Date());
  const tomorrow = nextDay(today);
  return { today, tomorrow, visits: state.visits.filter((v) => v.date === today || v.date === tomorrow) };
}

const byTime = (a, b) => a.event.occurred_at.localeCompare(b.event.occurred_at) || a.queued_at - b.queued_at;
const pending = () => state.events.filter((r) => r.state === "pending").sort(byTime);
const held = () => state.events.filter((r) => r.state === "held").sort(byTime);

function progress(visit) {
  const mine = state.events.filter((r) => r.event.visit_id === visit.id && r.state !== "held").sort(byTime);
  const checkIn = mine.find((r) => r.event.kind === "check_in");
  const checkOut = mine.filter((r) => r.event.kind === "check_out").at(-1);
  const checkedIn = Boolean(checkIn || visit.actual_start);
  const checkedOut = Boolean(checkOut || visit.actual_end);
  let status = visit.status;
  if (checkedOut && checkedIn) status = "completed";
  else if (checkedIn && !["completed", "cancelled"].includes(status)) status = "in_progress";
  return {
    events: mine,
    checkedIn,
    checkedOut,
    status,
    waiting: mine.some((r) => r.state === "pending"),
    stage: status === "cancelled" ? "cancelled" : checkedOut ? "done" : checkedIn ? "visiting" : "arriving",
  };
}

function eventLine(record) {
  const { kind, occurred_at: at } = record.event;
  const sent = record.state === "sent";
  let text = `${KIND_LABELS[kind]} ${hhmm(at)} — ${sent ? "sent" : "waiting to send"}`;
  if (sent && kind === "check_in" && record.result?.verification === "out_of_range") {
    text += ". Your location was not close enough to the home to confirm the visit: your manager may ask.";
  }
  return text;
}

function visitFor(id) {
  return currentVisits().visits.find((v) => v.id === id);
}

// --- recording: the queue first, the network after -------------------------------------------------

function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function record(visit, kind, fields = {}) {
  const event = {
    client_id: newClientId(),
    visit_id: visit.id,
    kind,
    occurred_at: new Date().toISOString(),
    ...fields,
  };
  const entry = { client_id: event.client_id, user: USER, state: "pending", queued_at: Date.now(), event };
  await store.put("events", entry); // on the phone before anything is sent
  // A sync that started meanwhile may already have read it back from the store.
  if (!state.events.some((e) => e.client_id === entry.client_id)) state.events.push(entry);
  refresh();
  sync();
  return entry;
}

function currentPosition() {
  return new Promise((resolve, reject) => {
    navigator.geolocation.getCurrentPosition(resolve, reject, {
      enableHighAccuracy: true,
      timeout: 30_000,
      maximumAge: 0,
    });
  });
}

function tagToken(text) {
  // The tag's QR code may hold the bare token or a link ending in it.
  const value = text.trim();
  try {
    const url = new URL(value);
    return url.searchParams.get("tag") || url.pathname.split("/").filter(Boolean).at(-1) || "";
  } catch {
    return value;
  }
}

function ticked(visitId) {
  try {
    return JSON.parse(localStorage.getItem(tasksKey(visitId)) || "[]");
  } catch {
    return [];
  }
}

// --- sending ---------------------------------------------------------------------------------------

function deviceName() {
  const platform = navigator.userAgentData?.platform || navigator.platform || "";
  return `Visits app${platform ? ` on ${platform}` : ""}`.slice(0, 100);
}

async function deviceToken() {
  const kept = localStorage.getItem(TOKEN_KEY);
  if (kept) return kept;
  // Registered once, with the signed-in session (and its CSRF token); the token is shown only now.
  let response;
  try {
    response = await fetch(URLS.devices, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": CSRF_TOKEN },
      body: JSON.stringify({ name: deviceName() }),
    });
  } catch {
    state.unreachable = true;
    return null;
  }
  if (response.status === 201) {
    const { token } = await response.json();
    localStorage.setItem(TOKEN_KEY, token);
    state.needsSignIn = false;
    return token;
  }
  state.needsSignIn = response.status === 401 || response.status === 403;
  return null;
}

function forgetToken() {
  localStorage.removeItem(TOKEN_KEY);
}

async function api(url, token, body) {
  return fetch(url, {
    method: body === undefined ? "GET" : "POST",
    credentials: "omit", // the bearer token alone says who this is
    cache: "no-store",
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function reasons(errors) {
  const messages = Object.values(errors || {}).flat();
  return messages.length ? messages.join(" ") : "The server did not accept it.";
}

async function settle(entry, result) {
  if (result.result === "stored" || result.result === "already_stored") {
    entry.state = "sent";
    entry.result = {
      result: result.result,
      visit_status: result.visit_status,
      verification: result.verification,
      clock_flag: result.clock_flag,
    };
    entry.sent_at = Date.now();
  } else {
    // Refused (rejected, conflict, not_found): sending it again would get the same answer.
    entry.state = "held";
    entry.result = { result: result.result, message: reasons(result.errors) };
  }
  await store.put("events", entry);
}

// Returns false when sending should stop for now (no signal, server trouble, token refused).
async function sendBatch(token, batch) {
  let response;
  let body;
  try {
    response = await api(URLS.batch, token, { events: batch.map((entry) => entry.event) });
    if (response.ok) body = await response.json();
  } catch {
    // No reply (or half of one): the server may have stored them. They stay queued and go again with
    // the same client ids, which the server answers with already_stored.
    state.unreachable = true;
    return false;
  }
  if (response.status === 401) {
    forgetToken();
    return false;
  }
  if (response.status === 400 || response.status === 422) {
    // The batch as a whole was refused, so one event in it is malformed: send them one at a time so
    // only that one is held back.
    for (const entry of batch) {
      if (!(await sendOne(token, entry))) return false;
    }
    return true;
  }
  if (!response.ok) {
    state.unreachable = true;
    return false;
  }
  const byId = new Map(batch.map((entry) => [entry.client_id, entry]));
  for (const result of body.results) {
    const entry = byId.get(result.client_id);
    if (entry) await settle(entry, result);
  }
  return true;
}

async function sendOne(token, entry) {
  let response;
  let body = null;
  try {
    response = await api(URLS.event, token, entry.event);
    body = await response.json().catch(() => null);
  } catch {
    state.unreachable = true;
    return false;
  }
  if (response.status === 401) {
    forgetToken();
    return false;
  }
  if (body && body.result) {
    await settle(entry, body);
    return true;
  }
  if (response.status === 400 || response.status === 422) {
    const detail = Array.isArray(body?.detail) ? body.detail.map((d) => d.msg).join(" ") : "";
    await settle(entry, {
      result: "rejected",
      errors: { __all__: [detail || "The phone sent something the server could not read."] },
    });
    return true;
  }
  state.unreachable = true;
  return false;
}

async function refreshVisits(token) {
  let response;
  try {
    response = await api(URLS.mine, token);
    if (response.status === 401) {
      forgetToken();
      return;
    }
    if (!response.ok) return;
    const visits = await response.json();
    state.visits = visits;
    state.visitsAsOf = new Date().toISOString();
    await store.put("visits", { user: USER, fetched_at: state.visitsAsOf, visits });
  } catch {
    state.unreachable = true;
  }
}

let running = null;
let again = false;

function sync() {
  if (running) {
    again = true; // something was queued while sending: go round once more
    return running;
  }
  running = (async () => {
    do {
      again = false;
      await (navigator.locks
        ? navigator.locks.request(`ohc-visits-sync-${USER}`, syncOnce) // one tab sends at a time
        : syncOnce());
    } while (again && navigator.onLine);
  })().finally(() => {
    running = null;
  });
  return running;
}

async function syncOnce() {
  if (!navigator.onLine) {
    refresh();
    return;
  }
  state.syncing = true;
  state.unreachable = false;
  refresh();
  try {
    // Another tab may have sent some of these: read the queue afresh.
    state.events = await mine();
    let token = await deviceToken();
    if (!token) return;
    const tried = new Set();
    for (;;) {
      const batch = pending()
        .filter((entry) => !tried.has(entry.client_id))
        .slice(0, BATCH_SIZE);
      if (!batch.length) break;
      batch.forEach((entry) => tried.add(entry.client_id));
      if (!(await sendBatch(token, batch))) break;
    }
    // Fresh statuses after sending; otherwise the visits are fetched again only once they are a few
    // minutes old (a sync every 30 seconds should not cost a phone's battery and data).
    const stale = !state.visitsAsOf || Date.now() - Date.parse(state.visitsAsOf) > VISITS_REFRESH_MS;
    token = localStorage.getItem(TOKEN_KEY);
    if (token && (tried.size || stale)) await refreshVisits(token);
    // When this phone last heard from the server: for whoever is looking into a phone's problem.
    if (!state.unreachable) root.dataset.syncedAt = new Date().toISOString();
  } finally {
    state.syncing = false;
    refresh();
  }
}

async function mine() {
  return (await store.all("events")).filter((entry) => entry.user === USER);
}

// --- the screens -----------------------------------------------------------------------------------

const statusArea = document.getElementById("visits-app-status");
const problemsArea = document.getElementById("visits-app-problems");
const main = document.getElementById("visits-app-main");
let shown = { route: null, stage: null };

function banner({ title, heading, body = [], success = false, action = null }) {
  return h(
    "div",
    {
      className: `govuk-notification-banner${success ? " govuk-notification-banner--success" : ""}`,
      role: "region",
      "aria-labelledby": "visits-app-status-title",
    },
    h(
      "div",
      { className: "govuk-notification-banner__header" },
      h("h2", { className: "govuk-notification-banner__title", id: "visits-app-status-title" }, title),
    ),
    h(
      "div",
      { className: "govuk-notification-banner__content" },
      h("p", { className: "govuk-notification-banner__heading" }, heading),
      body.map((text) => h("p", { className: "govuk-body" }, text)),
      action,
    ),
  );
}

function renderStatus() {
  const waiting = pending().length;
  const updates = plural(waiting, "update", "updates");
  const asOf = state.visitsAsOf ? `Your visits as at ${hhmm(state.visitsAsOf)}.` : "";
  const sendNow = h(
    "button",
    {
      type: "button",
      className: "govuk-button govuk-button--secondary govuk-!-margin-bottom-0",
      onclick: () => sync(),
    },
    "Send now",
  );
  let content;
  if (state.needsSignIn) {
    content = banner({
      title: "Not sent",
      heading: waiting ? `${updates} waiting to send` : "Sign in to keep your visits up to date",
      body: ["Sign in again so this phone can send your updates. They are kept on this phone until then."],
      action: h("a", { className: "govuk-link", href: URLS.sign_in }, "Sign in again"),
    });
  } else if (!navigator.onLine) {
    content = banner({
      title: "No signal",
      heading: waiting ? `${updates} waiting to send` : "You are offline",
      body: [
        waiting
          ? "They are saved on this phone and will be sent when you have signal."
          : "You can still check in and record your visits: they will be sent when you have signal.",
        asOf,
      ].filter(Boolean),
    });
  } else if (state.syncing && waiting) {
    content = banner({ title: "Sending", heading: `Sending ${updates}` });
  } else if (waiting) {
    content = banner({
      title: "Not sent yet",
      heading: `${updates} waiting to send`,
      body: [
        state.unreachable
          ? "We could not reach the server. They are saved on this phone and we will try again every 30 seconds."
          : "They are saved on this phone. We will try again every 30 seconds.",
      ],
      action: sendNow,
    });
  } else {
    content = banner({
      title: "Up to date",
      heading: "All updates sent",
      body: [asOf].filter(Boolean),
      success: true,
    });
  }
  const text = content.textContent;
  if (statusArea.dataset.shown !== text) {
    statusArea.replaceChildren(content);
    statusArea.dataset.shown = text;
  }
}

function renderProblems() {
  const refused = held();
  if (!refused.length) {
    problemsArea.replaceChildren();
    return;
  }
  const items = refused.map((entry) => {
    const visit = state.visits.find((v) => v.id === entry.event.visit_id);
    const what = `${KIND_LABELS[entry.event.kind]} ${hhmm(entry.event.occurred_at)}${visit ? ` for ${visit.person.name}` : ""}`;
    return h(
      "li",
      {},
      h("strong", {}, `${what} was not accepted: `),
      entry.result?.message || "",
      " ",
      h(
        "button",
        {
          type: "button",
          className: "govuk-button govuk-button--secondary govuk-!-margin-bottom-0 ohc-app-dismiss",
          onclick: async () => {
            await store.delete("events", entry.client_id);
            state.events = state.events.filter((e) => e.client_id !== entry.client_id);
            refresh();
          },
        },
        "Dismiss",
        h("span", { className: "govuk-visually-hidden" }, ` ${what}`),
      ),
    );
  });
  // Only redrawn when the list changes: an alert is announced each time it is put on the page.
  replaceIfChanged(problemsArea, [
    h(
      "div",
      { className: "govuk-error-summary", role: "alert", tabindex: "-1" },
      h("h2", { className: "govuk-error-summary__title" }, "Not accepted by the server"),
      h(
        "div",
        { className: "govuk-error-summary__body" },
        h(
          "p",
          { className: "govuk-body" },
          "These were not recorded. Do them again if you can, or tell your manager.",
        ),
        h("ul", { className: "govuk-list ohc-app-problems" }, items),
      ),
    ),
  ]);
}

function statusTag(status) {
  const [label, colour] = STATUS[status] || [capitalise(status.replace("_", " ")), "govuk-tag--grey"];
  return h("strong", { className: `govuk-tag ${colour}` }, label);
}

function replaceIfChanged(area, nodes) {
  // Redrawing identical content would move a screen reader's place and the focus for nothing.
  const next = h("div", {}, nodes);
  if (area.innerHTML !== next.innerHTML) area.replaceChildren(...next.childNodes);
}

function renderList() {
  const { today, tomorrow, visits } = currentVisits();
  const days = [
    [today, `Today, ${dayName(today)}`],
    [tomorrow, `Tomorrow, ${dayName(tomorrow)}`],
  ];
  replaceIfChanged(
    main,
    days.flatMap(([day, label]) => {
      const onDay = visits.filter((v) => v.date === day);
      return [
        h("h2", { className: "govuk-heading-m" }, label),
        onDay.length
          ? h(
              "ul",
              { className: "govuk-list ohc-app-visits" },
              onDay.map((visit) => {
                const now = progress(visit);
                return h(
                  "li",
                  { className: "ohc-app-visit" },
                  h(
                    "a",
                    {
                      className: "govuk-link govuk-link--no-visited-state ohc-app-visit__link",
                      href: `#visit-${visit.id}`,
                    },
                    `${hhmm(visit.planned_start)} ${visit.person.name}`,
                  ),
                  h(
                    "span",
                    { className: "govuk-body-s ohc-app-visit__address" },
                    `${visit.person.address}, ${visit.person.postcode}`,
                  ),
                  statusTag(now.status),
                  now.waiting
                    ? h("span", { className: "govuk-body-s ohc-app-visit__waiting" }, " Waiting to send")
                    : null,
                );
              }),
            )
          : h("p", { className: "govuk-body" }, "No visits."),
      ];
    }),
  );
}

function renderDetail(visit, isToday) {
  const now = progress(visit);
  const person = visit.person;
  const headingId = `visit-${visit.id}-heading`;
  main.replaceChildren(
    h("a", { className: "govuk-back-link", href: "#" }, "Back to your visits"),
    h(
      "section",
      { className: "ohc-app-detail", "aria-labelledby": headingId },
      h("span", { className: "govuk-caption-m" }, isToday ? "Today" : "Tomorrow"),
      h(
        "h2",
        { className: "govuk-heading-l", id: headingId, tabindex: "-1" },
        `${hhmm(visit.planned_start)} ${person.name}`,
      ),
      h("div", { id: "visit-progress" }),
      h(
        "dl",
        { className: "govuk-summary-list" },
        summaryRow("Address", [person.address, h("br"), person.postcode]),
        summaryRow(
          "Getting in",
          person.access_notes ? multiline(person.access_notes) : "No access notes recorded",
        ),
        summaryRow(
          "Planned",
          `${hhmm(visit.planned_start)} for ${visit.planned_minutes} minutes${visit.carers_required > 1 ? `, ${visit.carers_required} carers` : ""}`,
        ),
        summaryRow(
          `What matters to ${person.name}`,
          person.what_matters ? multiline(person.what_matters) : "Not recorded",
        ),
        summaryRow("Outcomes", person.outcomes.length ? bulletList(person.outcomes) : "None recorded"),
      ),
      h("div", { id: "visit-actions" }),
      concernForm(visit),
    ),
  );
  renderProgress(visit, now);
  renderActions(visit, now, isToday);
}

function renderProgress(visit, now) {
  const area = document.getElementById("visit-progress");
  const lines = now.events.map((entry) => h("li", {}, eventLine(entry)));
  if (!now.events.some((e) => e.event.kind === "check_in") && visit.actual_start) {
    lines.unshift(h("li", {}, `Checked in ${hhmm(visit.actual_start)}`));
  }
  if (!now.events.some((e) => e.event.kind === "check_out") && visit.actual_end) {
    lines.push(h("li", {}, `Checked out ${hhmm(visit.actual_end)}`));
  }
  const content = [
    h("p", { className: "govuk-body" }, statusTag(now.status)),
    lines.length ? h("ul", { className: "govuk-list ohc-app-progress" }, lines) : null,
  ];
  replaceIfChanged(area, content.filter(Boolean));
}

function renderActions(visit, now, isToday) {
  const area = document.getElementById("visit-actions");
  shown.stage = now.stage;
  if (now.stage === "cancelled") {
    area.replaceChildren(h("p", { className: "govuk-inset-text" }, "This visit is cancelled."));
  } else if (!isToday) {
    area.replaceChildren(
      h("p", { className: "govuk-inset-text" }, "You can check in on the day of the visit."),
    );
  } else if (now.stage === "arriving") {
    area.replaceChildren(checkInForm(visit));
  } else if (now.stage === "visiting") {
    area.replaceChildren(visitingForm(visit));
  } else {
    area.replaceChildren(
      h("p", { className: "govuk-inset-text" }, "You have checked out of this visit. Thank you."),
    );
  }
}

function checkInForm(visit) {
  const locationError = h("div", { "aria-live": "polite" });
  const locationButton = h(
    "button",
    { type: "button", className: "govuk-button" },
    "Check in with my location",
  );
  locationButton.addEventListener("click", async () => {
    if (!("geolocation" in navigator)) {
      locationError.replaceChildren(
        errorMessage("check-in-error", "This phone cannot share its location. Use the QR tag by the door."),
      );
      return;
    }
    locationButton.disabled = true;
    locationError.replaceChildren(h("p", { className: "govuk-body" }, "Finding your location…"));
    let position;
    try {
      position = await currentPosition();
    } catch (error) {
      locationButton.disabled = false;
      const text =
        error.code === 1
          ? "Location is turned off for this app. Allow location in your phone's settings, or use the QR tag by the door."
          : "We could not find your location. Try again, or use the QR tag by the door.";
      locationError.replaceChildren(errorMessage("check-in-error", text));
      return;
    }
    const { latitude, longitude, accuracy } = position.coords;
    await record(visit, "check_in", {
      latitude: latitude.toFixed(6),
      longitude: longitude.toFixed(6),
      accuracy_m: Math.min(100_000, Math.round(accuracy)),
    });
  });

  const tagGroup = h("div", { className: "govuk-form-group" });
  const tagInput = h("input", {
    className: "govuk-input govuk-!-width-full",
    id: "tag-token",
    name: "tag_token",
    type: "text",
    autocomplete: "off",
    autocapitalize: "none",
    spellcheck: "false",
    "aria-describedby": "tag-token-hint",
  });
  const tagLabel = h("label", { className: "govuk-label", for: "tag-token" }, "Code on the QR tag");
  const tagHint = h(
    "div",
    { className: "govuk-hint", id: "tag-token-hint" },
    "The code printed under the QR code by the door",
  );
  tagGroup.replaceChildren(tagLabel, tagHint, tagInput);
  const checkInByTag = async (token) => {
    if (!token) {
      tagGroup.className = "govuk-form-group govuk-form-group--error";
      tagInput.classList.add("govuk-input--error");
      tagInput.setAttribute("aria-describedby", "tag-token-hint tag-token-error");
      tagGroup.replaceChildren(
        tagLabel,
        tagHint,
        errorMessage("tag-token-error", "Enter the code on the QR tag"),
        tagInput,
      );
      tagInput.focus();
      return;
    }
    await record(visit, "check_in", { tag_token: token.slice(0, 64) });
  };
  const tagButton = h(
    "button",
    { type: "submit", className: "govuk-button govuk-button--secondary" },
    "Check in with the tag",
  );
  const tagForm = h(
    "form",
    {
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        checkInByTag(tagToken(tagInput.value));
      },
    },
    tagGroup,
    h("div", { className: "govuk-button-group" }, tagButton, scanButton(checkInByTag)),
  );

  return h(
    "div",
    {},
    h("h3", { className: "govuk-heading-m" }, "Check in"),
    h(
      "p",
      { className: "govuk-body" },
      "Check in when you arrive. It works without signal: it is sent later.",
    ),
    locationButton,
    locationError,
    h("h3", { className: "govuk-heading-s" }, "Or use the QR tag by the door"),
    tagForm,
  );
}

function scanButton(onToken) {
  // Camera scanning only where the browser can read QR codes itself: no libraries.
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices?.getUserMedia) return null;
  const area = h("div", { className: "ohc-app-scan" });
  const button = h(
    "button",
    { type: "button", className: "govuk-button govuk-button--secondary" },
    "Scan the tag",
  );
  button.addEventListener("click", async () => {
    let stream;
    try {
      const formats = await BarcodeDetector.getSupportedFormats();
      if (!formats.includes("qr_code")) throw new Error("no QR support");
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch {
      area.replaceChildren(errorMessage("scan-error", "The camera cannot scan here. Type the code instead."));
      return;
    }
    const detector = new BarcodeDetector({ formats: ["qr_code"] });
    const video = h("video", { className: "ohc-app-scan__video", playsinline: true, muted: true });
    const stop = () => {
      stream.getTracks().forEach((track) => track.stop());
      area.replaceChildren();
      button.hidden = false;
    };
    const cancel = h(
      "button",
      { type: "button", className: "govuk-button govuk-button--warning", onclick: stop },
      "Stop scanning",
    );
    area.replaceChildren(video, cancel);
    button.hidden = true;
    video.srcObject = stream;
    await video.play().catch(() => undefined);
    const look = async () => {
      if (!video.isConnected || !stream.active) return;
      const codes = await detector.detect(video).catch(() => []);
      if (codes.length) {
        stop();
        await onToken(tagToken(codes[0].rawValue));
      } else {
        setTimeout(look, 300);
      }
    };
    look();
  });
  return h("div", {}, button, area);
}

function visitingForm(visit) {
  const chosen = new Set(ticked(visit.id));
  const checkboxes = visit.tasks.map((task, i) => {
    const id = `task-${visit.id}-${i}`;
    const box = h("input", {
      className: "govuk-checkboxes__input",
      id,
      type: "checkbox",
      value: task,
      checked: chosen.has(task),
    });
    box.addEventListener("change", () => {
      if (box.checked) chosen.add(task);
      else chosen.delete(task);
      localStorage.setItem(tasksKey(visit.id), JSON.stringify([...chosen]));
    });
    return h(
      "div",
      { className: "govuk-checkboxes__item" },
      box,
      h("label", { className: "govuk-label govuk-checkboxes__label", for: id }, capitalise(task)),
    );
  });
  const tasks = visit.tasks.length
    ? h(
        "div",
        { className: "govuk-form-group" },
        h(
          "fieldset",
          { className: "govuk-fieldset" },
          h(
            "legend",
            { className: "govuk-fieldset__legend govuk-fieldset__legend--m" },
            h("h3", { className: "govuk-fieldset__heading" }, "Tasks"),
          ),
          h("div", { className: "govuk-hint" }, "Tick the tasks you have done"),
          h("div", { className: "govuk-checkboxes govuk-checkboxes--small" }, checkboxes),
        ),
      )
    : null;

  const noteForm = textForm({
    id: `note-${visit.id}`,
    label: "Note",
    hint: "Anything the next carer or the office should know",
    button: "Save note",
    buttonClass: "govuk-button govuk-button--secondary",
    empty: "Enter a note",
    saved: "Note saved. It is sent with your other updates.",
    onText: (text) => record(visit, "note", { text }),
  });

  const checkOut = h("button", { type: "button", className: "govuk-button" }, "Check out");
  checkOut.addEventListener("click", async () => {
    checkOut.disabled = true;
    await record(visit, "check_out", { tasks_done: visit.tasks.filter((t) => chosen.has(t)) });
    localStorage.removeItem(tasksKey(visit.id));
  });
  return h("div", {}, tasks, noteForm, h("h3", { className: "govuk-heading-m" }, "Leaving"), checkOut);
}

function textForm({
  id,
  label,
  hint,
  button,
  buttonClass,
  empty,
  saved: savedText,
  onText,
  labelClass = "govuk-label govuk-label--m",
}) {
  const group = h("div", { className: "govuk-form-group" });
  const field = h("textarea", {
    className: "govuk-textarea",
    id,
    name: id,
    rows: "3",
    "aria-describedby": `${id}-hint`,
  });
  const labelEl = h("label", { className: labelClass, for: id }, label);
  const hintEl = h("div", { className: "govuk-hint", id: `${id}-hint` }, hint);
  const saved = h("div", { "aria-live": "polite" });
  group.replaceChildren(labelEl, hintEl, field);
  return h(
    "form",
    {
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        const text = field.value.trim();
        if (!text) {
          group.className = "govuk-form-group govuk-form-group--error";
          field.classList.add("govuk-textarea--error");
          field.setAttribute("aria-describedby", `${id}-hint ${id}-error`);
          group.replaceChildren(labelEl, hintEl, errorMessage(`${id}-error`, empty), field);
          field.focus();
          return;
        }
        group.className = "govuk-form-group";
        field.classList.remove("govuk-textarea--error");
        field.setAttribute("aria-describedby", `${id}-hint`);
        group.replaceChildren(labelEl, hintEl, field);
        field.value = "";
        await onText(text.slice(0, 4000));
        saved.replaceChildren(h("p", { className: "govuk-body" }, savedText));
      },
    },
    group,
    h("button", { type: "submit", className: buttonClass }, button),
    saved,
  );
}

function concernForm(visit) {
  return h(
    "details",
    { className: "govuk-details" },
    h(
      "summary",
      { className: "govuk-details__summary" },
      h("span", { className: "govuk-details__summary-text" }, "Raise a concern"),
    ),
    h(
      "div",
      { className: "govuk-details__text" },
      h(
        "p",
        { className: "govuk-body" },
        "If someone is in danger now, call 999. Otherwise describe what you saw or were told: your manager is told as soon as it is sent.",
      ),
      textForm({
        id: `concern-${visit.id}`,
        label: "Describe the concern",
        labelClass: "govuk-label govuk-label--s",
        hint: "What happened, when, and who was involved",
        button: "Raise a concern",
        buttonClass: "govuk-button govuk-button--warning",
        empty: "Describe the concern",
        saved: "Concern saved. It goes to your manager as soon as the phone has signal.",
        onText: (text) => record(visit, "concern", { text }),
      }),
    ),
  );
}

function route() {
  const match = /^#visit-(\d+)$/.exec(location.hash);
  return match ? Number(match[1]) : null;
}

// Redraws what changed. The detail's forms are only rebuilt when the visit moves on a stage (arrived,
// checked out), so a sync in the background never wipes what the worker is typing.
function refresh() {
  renderStatus();
  renderProblems();
  const id = route();
  const { today } = currentVisits();
  const visit = id === null ? null : visitFor(id);
  const key = visit ? `visit-${visit.id}` : "list";
  if (key !== shown.route) {
    shown = { route: key, stage: null };
    if (visit) renderDetail(visit, visit.date === today);
    else renderList();
    return true;
  }
  if (visit) {
    const now = progress(visit);
    renderProgress(visit, now);
    if (now.stage !== shown.stage) renderActions(visit, now, visit.date === today);
  } else {
    renderList();
  }
  return false;
}

window.addEventListener("hashchange", () => {
  if (refresh()) {
    const heading =
      route() === null ? document.getElementById("visits-app-heading") : main.querySelector("h2[tabindex]");
    heading?.focus();
  }
});

// --- starting up -----------------------------------------------------------------------------------

async function start() {
  // The page's own copy of the visits, or the phone's, whichever is newer (the page may be the copy the
  // service worker kept, from before the last sync).
  const kept = await store.get("visits", USER).catch(() => undefined);
  if (kept && Date.parse(kept.fetched_at) > Date.parse(FIRST_LOAD.generated_at)) {
    state.visits = kept.visits;
    state.visitsAsOf = kept.fetched_at;
  } else {
    state.visits = FIRST_LOAD.visits;
    state.visitsAsOf = FIRST_LOAD.generated_at;
    await store.put("visits", { user: USER, fetched_at: FIRST_LOAD.generated_at, visits: FIRST_LOAD.visits });
  }
  state.events = await mine();
  // Sent events are kept a couple of days to show on their visit, then dropped; refused ones stay until
  // the worker dismisses them.
  for (const entry of state.events.filter(
    (e) => e.state === "sent" && Date.now() - (e.sent_at || 0) > KEEP_SENT_MS,
  )) {
    await store.delete("events", entry.client_id);
  }
  state.events = state.events.filter(
    (e) => !(e.state === "sent" && Date.now() - (e.sent_at || 0) > KEEP_SENT_MS),
  );
  refresh();
  root.dataset.ready = "true";

  window.addEventListener("online", () => sync());
  window.addEventListener("offline", () => refresh());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") sync();
  });
  setInterval(() => sync(), SYNC_EVERY_MS);
  sync();
}

function install() {
  if (!document.querySelector('link[rel="manifest"]')) {
    document.head.append(h("link", { rel: "manifest", href: URLS.manifest }));
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(URLS.service_worker, { scope: URLS.app }).catch(() => undefined);
  }
}

function clearOnSignOut() {
  // A shared phone: the next person to sign in must not find this worker's visits on it. Their queue
  // stays (it is theirs, sent with their token the next time they sign in).
  const form = document.querySelector(`form[action="${URLS.sign_out}"]`);
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    if (form.dataset.cleared) return;
    event.preventDefault();
    const clear = async () => {
      await store.delete("visits", USER).catch(() => undefined);
      if ("caches" in window) {
        for (const name of await caches.keys()) {
          if (name.startsWith("ohc-visits-")) await (await caches.open(name)).delete(URLS.app);
        }
      }
    };
    await Promise.race([clear(), new Promise((resolve) => setTimeout(resolve, 2000))]);
    form.dataset.cleared = "true";
    form.submit();
  });
}

install();
clearOnSignOut();
await start();
