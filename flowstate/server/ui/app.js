// The flowstate UI: a live table of states (pushed by the server as commits happen, never
// polled), a label filter, "latest only", a state's history with diffs and data blobs, the
// pending delays, and the delayer / recovery stats.

import { getJSON, watch } from "./api.js";
import { $, clear, el } from "./dom.js";
import {
  DATA_PREFIX, RECOVERY_ATTEMPT, base64Bytes, diff, matches, pairs, parseFilter, relative,
  renderBlob, time,
} from "./format.js";

const MAX_ROWS = 500;
const view = { groups: [], latestOnly: false, rows: new Map(), stop: null, selected: null };

function rowKey(state) {
  return view.latestOnly ? state.id : `${state.id}@${state.rev}`;
}

function stateRow(state) {
  const attempt = state.transition.annotations[RECOVERY_ATTEMPT];
  const to = state.transition.to;
  const tr = el("tr", { "data-id": state.id, "data-rev": state.rev, tabindex: "0",
    class: attempt ? "recovery" : "", onclick: () => openDetail(state.id, state.rev),
    onkeydown: (e) => { if (e.key === "Enter") openDetail(state.id, state.rev); } },
    el("td", { class: "id" }, state.id),
    el("td", {}, state.rev),
    el("td", { class: "map" }, pairs(state.labels)),
    el("td", {}, to ? to : el("span", { class: "parked" }, "parked"),
      attempt ? el("span", { class: "badge", title: "re-run by crash recovery" },
        `recovery ${attempt}`) : null),
    el("td", { class: "map" }, pairs({ ...state.annotations, ...state.transition.annotations })),
    el("td", { class: "time" }, time(state.committed_at)));
  return tr;
}

function addStates(states, { live }) {
  const body = $("#states tbody");
  for (const state of states) {
    if (!matches(view.groups, state.labels)) continue;
    const key = rowKey(state);
    const old = view.rows.get(key);
    if (old) { old.remove(); view.rows.delete(key); }
    const row = stateRow(state);
    if (live) row.classList.add("fresh");
    view.rows.set(key, row);
    body.prepend(row);
  }
  while (view.rows.size > MAX_ROWS) {
    const [key, row] = view.rows.entries().next().value;
    row.remove();
    view.rows.delete(key);
  }
  if (view.selected && states.some((s) => s.id === view.selected)) openDetail(view.selected);
}

async function reload() {
  if (view.stop) view.stop();
  clear($("#states tbody"));
  view.rows.clear();
  const labels = $("#filter").value.trim();
  const page = await getJSON("api/v1/latest", { labels, latest_only: view.latestOnly ? 1 : 0,
    limit: 200 });
  addStates(page.states, { live: false });
  view.stop = watch(labels, page.head, {
    onStates: (states) => { addStates(states, { live: true }); refreshStats(); },
    onDelays: () => { refreshDelays(); refreshStats(); },
    onOpen: () => { setLive(true); refreshDelays(); refreshStats(); },
    onDown: () => setLive(false),
  });
}

function setLive(up) {
  const live = $("#live");
  live.textContent = up ? "live" : "reconnecting…";
  live.classList.toggle("up", up);
}

function applyFilter() {
  const input = $("#filter");
  try {
    view.groups = parseFilter(input.value);
    $("#filter-error").textContent = "";
    input.removeAttribute("aria-invalid");
  } catch (err) {
    $("#filter-error").textContent = err.message;
    input.setAttribute("aria-invalid", "true");
    return;
  }
  const params = new URLSearchParams(location.search);
  params.set("labels", input.value.trim());
  if (!input.value.trim()) params.delete("labels");
  history.replaceState(null, "", `${location.pathname}?${params}`);
  reload().catch(showError);
}

// -- detail --------------------------------------------------------------------------------

async function openDetail(id, rev) {
  view.selected = id;
  const { versions } = await getJSON(`api/v1/states/${encodeURIComponent(id)}/history`);
  const detail = $("#detail");
  detail.hidden = false;
  $("#detail-title").textContent = `State ${id}`;
  const body = $("#history tbody");
  clear(body);
  const chosen = versions.find((v) => v.rev === rev) || versions[versions.length - 1];
  versions.forEach((version, n) => {
    body.prepend(el("tr", { "data-rev": version.rev, class: version === chosen ? "selected" : "",
      tabindex: "0", onclick: () => showVersion(versions, n),
      onkeydown: (e) => { if (e.key === "Enter") showVersion(versions, n); } },
      el("td", {}, version.rev),
      el("td", {}, version.transition.to || "parked"),
      el("td", { class: "time" }, time(version.committed_at)),
      el("td", {}, n ? `${diff(versions[n - 1], version).length} changed` : "created")));
  });
  showVersion(versions, versions.indexOf(chosen));
}

function showVersion(versions, n) {
  const version = versions[n];
  for (const tr of document.querySelectorAll("#history tbody tr")) {
    tr.classList.toggle("selected", Number(tr.dataset.rev) === version.rev);
  }
  $("#version-title").textContent = `Version rev ${version.rev}`;
  $("#version").textContent = JSON.stringify(version, null, 2);
  const rows = $("#diff tbody");
  clear(rows);
  for (const change of diff(n ? versions[n - 1] : null, version)) {
    rows.append(el("tr", { class: change.before === undefined ? "added"
      : change.after === undefined ? "removed" : "changed" },
      el("td", {}, change.field), el("td", {}, change.before ?? ""), el("td", {}, change.after ?? "")));
  }
  const datas = $("#datas");
  clear(datas);
  $("#blob").hidden = true;
  for (const [key, dataRev] of Object.entries(version.annotations)) {
    if (!key.startsWith(DATA_PREFIX)) continue;
    const alias = key.slice(DATA_PREFIX.length);
    datas.append(el("button", { type: "button", onclick: () => showBlob(alias, dataRev) },
      `${alias} (data rev ${dataRev})`));
  }
  if (!datas.firstChild) datas.append(el("p", { class: "hint" }, "No data referenced."));
}

async function showBlob(alias, dataRev) {
  const blob = $("#blob");
  try {
    const data = await getJSON(`api/v1/data/${dataRev}`);
    const shown = renderBlob(base64Bytes(data.blob));
    blob.dataset.kind = shown.kind;
    blob.setAttribute("aria-label", `Data blob ${alias} (${shown.kind})`);
    blob.textContent = shown.text;
  } catch (err) {
    blob.textContent = err.message;
  }
  blob.hidden = false;
}

// -- delays and stats ------------------------------------------------------------------------

let delaysBusy = null;
let delaysAgain = false;

// One reload at a time. An event that arrives while one is in flight may postdate the list
// that reload already read, so it asks for one more reload when this one is done.
function refreshDelays() {
  if (delaysBusy) {
    delaysAgain = true;
    return delaysBusy;
  }
  delaysBusy = (async () => {
    do {
      delaysAgain = false;
      await loadDelays();
    } while (delaysAgain);
  })().finally(() => { delaysBusy = null; });
  return delaysBusy;
}

async function loadDelays() {
  const { delays, more, now } = await getJSON("api/v1/delays", { limit: 200 });
  const body = $("#delays tbody");
  clear(body);
  delays.sort((a, b) => a.at - b.at || a.seq - b.seq);
  for (const d of delays) {
    body.append(el("tr", { "data-seq": d.seq, "data-id": d.state.id },
      el("td", {}, d.seq),
      el("td", { class: "id" }, d.state.id),
      el("td", {}, d.state.transition.to),
      el("td", { class: "time", title: time(d.at) }, `${time(d.at)} (${relative(d.at - now)})`),
      el("td", {}, d.commit ? "yes" : "no")));
  }
  if (!delays.length) body.append(el("tr", { class: "empty" }, el("td", { colspan: 5 }, "none")));
  $("#delays-more").hidden = !more;
}

let statsTimer = null;

function refreshStats() {
  if (statsTimer) return;  // at most one refresh per 300 ms, driven by pushes
  statsTimer = setTimeout(async () => {
    statsTimer = null;
    const s = await getJSON("api/v1/stats");
    const dl = $("#stats");
    clear(dl);
    const item = (k, v, title) => [el("dt", { title }, k), el("dd", {}, v)];
    dl.append(...item("rev", s.head_rev), ...item("pending", s.delayer.pending, "pending delays"));
    if (s.clients) {
      dl.append(...item("clients", s.clients.sessions),
        ...item("delays fired", s.clients.delays_fired),
        ...item("in flight", s.clients.in_flight, "in-flight states of connected clients"),
        ...item("orphans", s.clients.orphans, "in flight, waiting for a client to adopt them"));
    }
    dl.append(...item("fired", s.delayer.fired, "delays fired by this engine"),
      ...item("recovered", s.recovery.retried, "re-executions by crash recovery"),
      ...item("tracked", s.recovery.tracked, "in-flight states watched by recovery"));
    if (!s.healthy) dl.append(...item("store", "failing"));
  }, 300);
}

function showError(err) {
  $("#filter-error").textContent = err.message;
}

function start() {
  const params = new URLSearchParams(location.search);
  $("#filter").value = params.get("labels") || "";
  try { view.groups = parseFilter($("#filter").value); } catch { view.groups = []; }
  let typing = null;
  $("#filter").addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(applyFilter, 250);
  });
  $("#filter").addEventListener("keydown", (e) => {
    if (e.key === "Enter") { clearTimeout(typing); applyFilter(); }
  });
  $("#latest-only").addEventListener("change", (e) => {
    view.latestOnly = e.target.checked;
    reload().catch(showError);
  });
  $("#detail-close").addEventListener("click", () => { $("#detail").hidden = true; view.selected = null; });
  reload().catch(showError);
}

start();
