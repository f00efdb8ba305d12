"use strict";
// swarmfi's page: preview an instruction, approve or decline it, watch it run.
const $ = (id) => document.getElementById(id);
let key = sessionStorage.getItem("swarmfi-key") || "";
let current = null;  // the plan on screen

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.get("key")) { key = params.get("key"); sessionStorage.setItem("swarmfi-key", key); }
  const plan = params.get("plan");
  history.replaceState(null, "", location.pathname);
  return plan;
}

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", body: JSON.stringify(body),
    headers: {"Content-Type": "application/json", "Authorization": "Bearer " + key}};
  const response = await fetch(path, options);
  const data = await response.json();
  if (!response.ok) { throw data.error || {message: response.statusText, hint: ""}; }
  return data;
}

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

function usd(value) {
  const n = Number(value);
  return "$" + n.toLocaleString("en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2});
}

function showError(error) {
  const box = $("error");
  box.replaceChildren(el("strong", error.message || String(error)),
                      el("span", error.hint ? "What to do: " + error.hint : "", "hint"));
  box.hidden = false;
}

function renderSteps(preview) {
  const list = $("steps");
  list.replaceChildren();
  for (const step of preview.steps) {
    const item = el("li");
    item.append(el("strong", step.summary), el("span", " · " + usd(step.usd_value)));
    if (step.price_impact !== null) {
      item.append(el("span", " · price impact " + (Number(step.price_impact) * 100).toFixed(2) + "%"));
    }
    for (const tx of step.transactions) {
      item.append(el("div", "calls " + (tx.to_name || tx.to) + " (" + tx.label + ")", "tx muted"));
    }
    list.append(item);
  }
}

function renderApprovals(preview) {
  const box = $("approvals");
  box.replaceChildren();
  if (!preview.approvals.length) return;
  box.append(el("h3", "Token approvals"));
  for (const a of preview.approvals) {
    box.append(el("div", "allow " + (a.spender_name || a.spender) + " to spend exactly " +
                  a.amount + " " + a.token));
  }
}

function renderChanges(preview) {
  const changes = Object.entries(preview.balance_changes)
    .map(([token, amount]) => (amount.startsWith("-") ? "" : "+") + amount + " " + token);
  $("changes").replaceChildren(el("p", "Balance changes: " + (changes.join(", ") || "none")));
  const before = preview.position_before, after = preview.position_after;
  const hf = (p) => p.health_factor === null ? "none" : p.health_factor;
  const position = $("position");
  position.replaceChildren();
  if (before.debt_usd !== "0.00" || after.debt_usd !== "0.00" ||
      before.collateral_usd !== "0.00" || after.collateral_usd !== "0.00") {
    position.append(el("p", "Lending: collateral " + usd(before.collateral_usd) + " → " +
      usd(after.collateral_usd) + ", debt " + usd(before.debt_usd) + " → " + usd(after.debt_usd) +
      ", health factor " + hf(before) + " → " + hf(after)));
  }
  $("gas").textContent = "Gas: " + preview.gas_used.toLocaleString("en-US") + " units";
}

function renderViolations(preview) {
  const box = $("violations");
  box.replaceChildren();
  for (const v of preview.violations) {
    const item = el("div", "", "violation");
    item.dataset.rule = v.rule;
    item.append(el("strong", "Blocked by the policy (" + v.rule + "): " + v.message),
                el("span", "What to do: " + v.hint, "hint"));
    box.append(item);
  }
}

function showPlan(answer) {
  current = answer;
  const preview = answer.preview;
  $("preview").hidden = false;
  const status = answer.status;
  $("plan-status").textContent = status.replace("_", " ");
  $("plan-status").className = "badge " + status;
  $("plan-id").textContent = answer.plan_id ? "plan " + answer.plan_id +
    (answer.expires ? " · approve before " + new Date(answer.expires * 1000).toLocaleTimeString() : "") : "";
  renderSteps(preview);
  renderApprovals(preview);
  renderChanges(preview);
  renderViolations(preview);
  $("decide").hidden = status !== "awaiting_approval";
  $("approve-btn").disabled = !key;
}

async function onPreview(event) {
  event.preventDefault();
  $("error").hidden = true;
  $("progress-box").hidden = true;
  try {
    showPlan(await api("/v1/preview", {text: $("text").value}));
  } catch (error) {
    $("preview").hidden = true;
    showError(error);
  }
  refreshRuns();
}

function watch(planId) {
  $("progress-box").hidden = false;
  $("progress").replaceChildren();
  $("run-status").textContent = "running";
  $("run-status").className = "badge";
  const source = new EventSource("/v1/runs/" + planId);
  source.addEventListener("progress", (message) => {
    const event = JSON.parse(message.data);
    if (event.kind === "started" || event.kind === "done" || event.kind === "failed") {
      $("progress").append(el("li", event.label + ": " + event.kind, event.kind));
    }
  });
  source.addEventListener("end", (message) => {
    source.close();
    const plan = JSON.parse(message.data);
    $("run-status").textContent = plan.status;
    $("run-status").className = "badge " + plan.status;
    if (plan.result && plan.result.error) showError(plan.result.error);
    refreshAll();
  });
}

async function decide(decision) {
  const planId = current.plan_id;
  $("decide").hidden = true;
  try {
    await api("/v1/runs/" + planId + "/approve", {decision});
    if (decision === "decline") {
      $("plan-status").textContent = "declined";
      $("plan-status").className = "badge declined";
      refreshRuns();
      return;
    }
    const answer = await api("/v1/runs", {plan_id: planId});
    if (answer.status === "awaiting_approval") { showPlan(answer); showError({message: answer.reason, hint: "approve the new plan"}); return; }
    watch(planId);
  } catch (error) {
    showError(error);
  }
}

async function refreshBalances() {
  const data = await api("/v1/balances");
  $("account").textContent = data.address;
  const rows = Object.entries(data.balances).map(([token, amount]) => {
    const row = el("tr");
    row.dataset.token = token;
    row.append(el("td", token), el("td", Number(amount).toLocaleString("en-US", {maximumFractionDigits: 6}), "num"));
    return row;
  });
  $("balances").replaceChildren(...rows);
}

async function refreshOrders() {
  const data = await api("/v1/orders");
  const items = data.orders.map((o) => el("li", "#" + o.id + " " + o.text));
  $("orders").replaceChildren(...(items.length ? items : [el("li", "none", "muted")]));
}

async function refreshRuns() {
  const data = await api("/v1/runs?limit=10");
  const items = data.runs.map((r) => {
    const item = el("li", r.text + " — ");
    item.append(el("span", r.status, "badge " + r.status));
    return item;
  });
  $("runs").replaceChildren(...(items.length ? items : [el("li", "none yet", "muted")]));
}

function refreshAll() {
  return Promise.all([refreshBalances(), refreshOrders(), refreshRuns()]).catch(showError);
}

function showKeyState() {
  $("key-state").textContent = key ? "approver key set" : "no approver key: preview only";
  $("key-box").hidden = Boolean(key);
}

async function start() {
  const plan = readHash();
  showKeyState();
  $("ask").addEventListener("submit", onPreview);
  $("approve-btn").addEventListener("click", () => decide("approve"));
  $("decline-btn").addEventListener("click", () => decide("decline"));
  $("key-save").addEventListener("click", () => {
    key = $("key").value.trim();
    sessionStorage.setItem("swarmfi-key", key);
    showKeyState();
    if (current) showPlan(current);
  });
  await refreshAll();
  if (plan) {
    try {
      const status = await api("/v1/runs/" + plan);
      $("text").value = status.text;
      showPlan(status);
    } catch (error) { showError(error); }
  }
  document.body.dataset.ready = "1";
}

start();
