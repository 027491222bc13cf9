// The ops dashboard: polls the API (the session cookie authenticates; every request carries
// the X-Reachly-Request header a cross-site page cannot add), renders with textContent only.
"use strict";

const state = {
  me: null, timer: null, cursor: null, cursors: [], selected: null, bulk: null, kinds: [],
};
const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { "X-Reachly-Request": "ops" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const message = data && data.error ? data.error.message : response.statusText;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return data;
}

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function say(text, isError) {
  const box = $("message");
  box.textContent = text;
  box.className = isError ? "message error" : "message";
}

const can = (permission) => state.me && state.me.permissions.includes(permission);
const ago = (seconds) => seconds === null || seconds === undefined ? "—"
  : seconds < 90 ? `${Math.round(seconds)} s` : seconds < 5400 ? `${Math.round(seconds / 60)} min`
  : `${Math.round(seconds / 3600)} h`;

// ---- sign-in -------------------------------------------------------------------------

async function start() {
  try {
    state.me = await api("GET", "/v1/ops/me");
  } catch (e) {
    $("signin").hidden = false;
    $("app").hidden = true;
    $("who").hidden = true;
    return;
  }
  $("signin").hidden = true;
  $("app").hidden = false;
  $("who").hidden = false;
  $("who-text").textContent = `organization ${state.me.organization_id}` +
    (state.me.platform_admin ? " · platform operator" : "");
  for (const node of document.querySelectorAll(".manage")) node.hidden = !can("ops.manage");
  $("scope-label").hidden = !state.me.platform_admin;
  $("platform").hidden = !state.me.platform_admin;
  await refresh();
  await loadJobs(null);
  schedule();
}

async function signIn() {
  $("signin-error").textContent = "";
  try {
    await api("POST", "/ops/session", { token: $("token").value.trim() });
    $("token").value = "";
    await start();
  } catch (e) {
    $("signin-error").textContent = e.message;
  }
}

async function signOut() {
  clearTimeout(state.timer);
  await api("DELETE", "/ops/session").catch(() => null);
  state.me = null;
  await start();
}

// ---- polling -------------------------------------------------------------------------

function schedule() {
  clearTimeout(state.timer);
  const every = Number($("interval").value);
  if (!every || document.hidden || !state.me) {
    $("live").textContent = document.hidden ? "paused while hidden" : every ? "" : "paused";
    return;
  }
  state.timer = setTimeout(async () => {
    await refresh().catch((e) => say(e.message, true));
    schedule();
  }, every);
}

async function refresh() {
  const scope = state.me.platform_admin ? $("scope").value : "organization";
  const [queues, throughput] = await Promise.all([
    api("GET", `/v1/ops/queues?scope=${scope}`),
    api("GET", `/v1/ops/throughput?scope=${scope}&minutes=60`),
  ]);
  renderQueues(queues.data);
  renderChart(throughput);
  if (state.me.platform_admin) {
    const [workers, schedules] = await Promise.all([
      api("GET", "/v1/ops/workers"), api("GET", "/v1/ops/schedules"),
    ]);
    renderWorkers(workers.data);
    renderSchedules(schedules.data);
  }
  await refreshJobs();
  $("live").textContent = `updated ${new Date().toLocaleTimeString()}`;
}

// ---- queues --------------------------------------------------------------------------

function renderQueues(rows) {
  const body = $("queues").tBodies[0];
  body.replaceChildren();
  if (state.kinds.length === 0) {
    state.kinds = rows.map((r) => r.kind);
    for (const kind of state.kinds) {
      for (const select of [$("f-kind"), $("chart-kind")]) {
        const option = el("option", kind);
        option.value = kind;
        select.append(option);
      }
    }
  }
  for (const q of rows) {
    const tr = el("tr");
    tr.dataset.kind = q.kind;
    tr.append(el("td", q.kind));
    for (const key of ["queued", "retryable", "running", "dead"]) tr.append(el("td", q[key], `num ${key}`));
    tr.append(el("td", ago(q.oldest_waiting_age_seconds), "num"));
    tr.append(el("td", q.completed_last_minute, "num"), el("td", q.failed_last_minute, "num"));
    tr.append(el("td", q.paused ? "paused" : "running", q.paused ? "paused state" : "state"));
    const actions = el("td");
    if (state.me.platform_admin) {
      const button = el("button", q.paused ? "Resume" : "Pause", q.paused ? "resume" : "pause");
      button.type = "button";
      button.addEventListener("click", () => pause(q.kind, !q.paused));
      actions.append(button);
    }
    tr.append(actions);
    body.append(tr);
  }
}

async function pause(kind, paused) {
  try {
    await api("POST", `/v1/ops/queues/${kind}/${paused ? "pause" : "resume"}`);
    say(`${kind} ${paused ? "paused: the feeder hands it nothing more; running jobs finish" : "resumed"}`);
    await refresh();
  } catch (e) {
    say(e.message, true);
  }
}

// ---- throughput chart (SVG, no library) -----------------------------------------------

function renderChart(throughput) {
  const only = $("chart-kind").value;
  const series = Object.entries(throughput.kinds).filter(([kind]) => !only || kind === only);
  const points = (series[0] ? series[0][1] : []).map((p, i) => ({
    minute: p.minute,
    completed: series.reduce((sum, [, s]) => sum + s[i].completed, 0),
    failed: series.reduce((sum, [, s]) => sum + s[i].failed, 0),
  }));
  const w = 900, h = 180, pad = 28;
  const top = Math.max(1, ...points.map((p) => Math.max(p.completed, p.failed)));
  const x = (i) => pad + (i * (w - 2 * pad)) / Math.max(1, points.length - 1);
  const y = (v) => h - pad + 8 - (v * (h - 2 * pad)) / top;
  const svgNs = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "jobs completed and failed per minute");
  for (const key of ["completed", "failed"]) {
    const line = document.createElementNS(svgNs, "polyline");
    line.setAttribute("class", key);
    line.setAttribute("points", points.map((p, i) => `${x(i)},${y(p[key])}`).join(" "));
    svg.append(line);
  }
  const label = (text, lx, ly) => {
    const t = document.createElementNS(svgNs, "text");
    t.setAttribute("x", lx);
    t.setAttribute("y", ly);
    t.textContent = text;
    svg.append(t);
  };
  label(`${top}/min`, 2, pad - 8);
  label("0", 2, h - pad + 8);
  if (points.length) {
    label(new Date(points[0].minute).toLocaleTimeString(), pad, h - 4);
    label("now", w - pad - 20, h - 4);
  }
  const sum = (key) => points.reduce((s, p) => s + p[key], 0);
  label(`completed ${sum("completed")} · failed ${sum("failed")} in the hour`, w / 2 - 120, 14);
  $("chart").replaceChildren(svg);
}

// ---- jobs ----------------------------------------------------------------------------

function filter() {
  const f = {};
  const value = (id) => $(id).value.trim();
  if (value("f-kind")) f.kind = value("f-kind");
  if (value("f-status")) f.status = value("f-status");
  if (value("f-from")) f.from = new Date(value("f-from")).toISOString();
  if (value("f-to")) f.to = new Date(value("f-to")).toISOString();
  if (value("f-id")) f.id = value("f-id");
  if (value("f-dedupe")) f.dedupe_key = value("f-dedupe");
  return f;
}

async function loadJobs(cursor) {
  const params = new URLSearchParams(filter());
  if ($("f-q").value.trim()) params.set("q", $("f-q").value.trim());
  params.set("limit", "25");
  if (cursor) params.set("cursor", cursor);
  try {
    const page = await api("GET", `/v1/jobs?${params}`);
    state.cursor = cursor;
    renderJobs(page.data);
    $("next-page").disabled = !page.next_cursor;
    $("next-page").dataset.cursor = page.next_cursor || "";
  } catch (e) {
    say(e.message, true);
  }
}

const refreshJobs = () => loadJobs(state.cursor);

function renderJobs(jobs) {
  const body = $("jobs").tBodies[0];
  body.replaceChildren();
  for (const job of jobs) {
    const tr = el("tr");
    tr.dataset.job = job.id;
    if (state.selected === job.id) tr.className = "selected";
    tr.append(el("td", job.id), el("td", job.kind));
    const status = el("td");
    status.append(el("span", job.status, `status ${job.status}`));
    tr.append(status, el("td", `${job.attempts}/${job.max_attempts}`, "num"));
    tr.append(el("td", job.progress_total ? `${job.progress_done}/${job.progress_total}` : job.progress_done, "num"));
    tr.append(el("td", new Date(job.created_at).toLocaleString()), el("td", job.last_error || "", "err"));
    tr.addEventListener("click", () => showJob(job.id));
    body.append(tr);
  }
  if (state.selected) showJob(state.selected, true);
}

async function showJob(id, quiet) {
  try {
    const job = await api("GET", `/v1/jobs/${id}`);
    state.selected = id;
    $("job-detail").hidden = false;
    $("d-id").textContent = job.id;
    $("d-status").textContent = job.status;
    $("d-status").className = `status ${job.status}`;
    const facts = $("d-facts");
    facts.replaceChildren();
    const fact = (name, value) => { facts.append(el("dt", name), el("dd", value ?? "—")); };
    fact("kind", job.kind);
    fact("attempts", `${job.attempts} of ${job.max_attempts}`);
    fact("progress", job.progress_total ? `${job.progress_done} of ${job.progress_total}` : job.progress_done);
    fact("run at", job.run_at);
    fact("started", job.started_at);
    fact("finished", job.finished_at);
    fact("dedupe key", job.dedupe_key);
    fact("parent", job.parent_id);
    fact("children", Object.entries(job.children || {}).map(([s, n]) => `${n} ${s}`).join(", ") || "none");
    fact("works on", job.works_on ? `${job.works_on.type} ${job.works_on.link}` : null);
    $("d-payload").textContent = JSON.stringify(job.payload, null, 2);
    $("d-result").textContent = job.result ? JSON.stringify(job.result, null, 2) : "—";
    $("d-errors").replaceChildren(...(job.attempt_errors || []).map(
      (e) => el("li", `attempt ${e.attempt} at ${e.failed_at}: ${e.error}`)));
    if (!quiet) $("why-text").textContent = "";
  } catch (e) {
    if (!quiet) say(e.message, true);
  }
}

async function act(action) {
  if (!state.selected) return;
  try {
    const job = await api("POST", `/v1/jobs/${state.selected}/${action}`);
    say(`job ${job.id}: ${action} done, now ${job.status}`);
    await showJob(job.id);
    await refresh();
  } catch (e) {
    say(e.message, true);
  }
}

async function why() {
  if (!state.selected) return;
  try {
    const reason = await api("GET", `/v1/jobs/${state.selected}/why`);
    $("why-text").textContent = reason.message;
    $("why-text").dataset.code = reason.code;
  } catch (e) {
    say(e.message, true);
  }
}

// ---- bulk actions: a dry run first, then a confirmation ---------------------------------

async function bulkAsk(action) {
  try {
    const dry = await api("POST", "/v1/jobs/bulk", { action, filter: filter(), dry_run: true });
    state.bulk = action;
    const more = dry.more ? ` (at most ${dry.limit} per confirmation)` : "";
    $("bulk-text").textContent = `${dry.matched} job(s) match this filter and can be ${action === "retry" ? "retried" : "cancelled"}${more}.`;
    $("bulk-text").dataset.matched = dry.matched;
    $("bulk-yes").disabled = dry.matched === 0;
    $("bulk-confirm").hidden = false;
  } catch (e) {
    say(e.message, true);
  }
}

async function bulkDo() {
  const action = state.bulk;
  $("bulk-confirm").hidden = true;
  try {
    const done = await api("POST", "/v1/jobs/bulk", { action, filter: filter(), dry_run: false });
    say(`${done.changed} job(s) ${action === "retry" ? "retried" : "cancelled"}`);
    await refresh();
  } catch (e) {
    say(e.message, true);
  }
}

// ---- platform ------------------------------------------------------------------------

function renderWorkers(rows) {
  const body = $("workers").tBodies[0];
  body.replaceChildren();
  for (const w of rows) {
    const tr = el("tr");
    tr.append(el("td", w.name), el("td", `${w.hostname} (pid ${w.pid})`), el("td", w.queues.join(", ")));
    tr.append(el("td", w.concurrency, "num"), el("td", ago(w.heartbeat_age_seconds), "num"), el("td", w.running, "num"));
    tr.append(el("td", w.live ? "live" : w.stopped_at ? "stopped" : "lost"));
    body.append(tr);
  }
}

function renderSchedules(rows) {
  const body = $("schedules").tBodies[0];
  body.replaceChildren();
  for (const s of rows) {
    const tr = el("tr");
    const last = s.last_tick ? `${s.last_tick.tick_at}${s.last_tick.coalesced ? " (coalesced catch-up)" : ""}, ${s.last_tick.jobs_created} job(s)` : "never";
    tr.append(el("td", s.name), el("td", s.expression), el("td", s.next_tick), el("td", last));
    tr.append(el("td", s.missed_ticks, "num"), el("td", s.coalesced_ticks, "num"));
    body.append(tr);
  }
}

// ---- wiring --------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("signin-button").addEventListener("click", signIn);
  $("signout").addEventListener("click", signOut);
  $("interval").addEventListener("change", schedule);
  $("scope").addEventListener("change", () => refresh().catch((e) => say(e.message, true)));
  $("chart-kind").addEventListener("change", () => refresh().catch((e) => say(e.message, true)));
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    state.cursors = [];
    loadJobs(null);
  });
  $("next-page").addEventListener("click", () => {
    state.cursors.push(state.cursor);
    loadJobs($("next-page").dataset.cursor);
  });
  $("first-page").addEventListener("click", () => { state.cursors = []; loadJobs(null); });
  $("job-retry").addEventListener("click", () => act("retry"));
  $("job-cancel").addEventListener("click", () => act("cancel"));
  $("job-run-now").addEventListener("click", () => act("run-now"));
  $("job-why").addEventListener("click", why);
  $("bulk-retry").addEventListener("click", () => bulkAsk("retry"));
  $("bulk-cancel").addEventListener("click", () => bulkAsk("cancel"));
  $("bulk-yes").addEventListener("click", bulkDo);
  $("bulk-no").addEventListener("click", () => { $("bulk-confirm").hidden = true; });
  document.addEventListener("visibilitychange", schedule);
  start();
});
