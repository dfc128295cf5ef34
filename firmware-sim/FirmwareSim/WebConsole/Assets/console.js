// firmware-sim web console: renders the lane's state and receipts from server-sent events and
// turns buttons into control API calls (POST /api/control/<Method>, proto3 JSON).
"use strict";

const $ = (selector, root = document) => root.querySelector(selector);
let state = {};
const shownReceipts = new Set();

function message(text, isError) {
  const m = $("#message");
  m.textContent = text;
  m.className = isError ? "error" : "";
}

async function call(method, request = {}) {
  const response = await fetch("api/control/" + method, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Firmware-Sim": "1" },
    body: JSON.stringify(request),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    message(method + ": " + (body.error || response.statusText), true);
    throw new Error(body.error || response.statusText);
  }
  return body;
}

// Actions report their own failure in the header; the click handler has nothing more to do.
function act(method, request, done) {
  call(method, request).then(reply => { if (done) { message(done(reply), false); } }).catch(() => {});
}

function hexToBase64(hex) {
  const clean = hex.replace(/0x/gi, "").replace(/[\s,:]/g, "");
  if (clean.length === 0 || clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) {
    throw new Error("hex bytes, two digits each (e.g. 1b 40)");
  }
  let binary = "";
  for (let i = 0; i < clean.length; i += 2) {
    binary += String.fromCharCode(parseInt(clean.substr(i, 2), 16));
  }
  return btoa(binary);
}

function visible(base64) {
  return Array.from(atob(base64), c => {
    const b = c.charCodeAt(0);
    return b >= 0x20 && b < 0x7f ? c : "<" + b.toString(16).padStart(2, "0") + ">";
  }).join("");
}

function badge(text, kind, testid) {
  const b = document.createElement("span");
  b.className = "badge " + kind;
  b.textContent = text;
  if (testid) { b.dataset.testid = testid; }
  return b;
}

function facts(dl, rows) {
  dl.replaceChildren(...rows.filter(r => r[1] !== undefined && r[1] !== "").flatMap(([k, v]) => {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = String(v);
    return [dt, dd];
  }));
}

function pressed(selector, on) {
  const b = $(selector);
  if (b) { b.setAttribute("aria-pressed", on ? "true" : "false"); }
}

function lineBadges(list, d) {
  if (d.baudMismatch) { list.push(badge("baud mismatch", "bad", "baud-mismatch")); }
  if (d.lineStalled) { list.push(badge("line stalled", "bad", "line-stalled")); }
  if (d.lineSlowdown && d.lineSlowdown > 1) { list.push(badge(d.lineSlowdown + "× slower", "warn", "line-slow")); }
}

function renderScanner(s) {
  const el = $("#scanner");
  el.hidden = !s;
  if (!s) { return; }
  $(".name", el).textContent = s.name;
  const badges = [s.plugged ? badge("online", "ok", "online") : badge("unplugged", "bad", "unplugged")];
  lineBadges(badges, s);
  $(".badges", el).replaceChildren(...badges);
  facts($(".facts", el), [["path", s.linkPath], ["device", s.devicePath || "(unplugged)"], ["line", s.line || s.baud + " baud"]]);
  pressed('[data-testid="scanner-baud"]', s.baudMismatch);
  pressed('[data-testid="scanner-stall"]', s.lineStalled);
}

function renderPrinter(p) {
  const el = $("#printer");
  el.hidden = !p;
  if (!p) { return; }
  $(".name", el).textContent = p.name;
  const badges = [];
  if (!p.plugged) {
    badges.push(badge("unplugged", "bad", "unplugged"));
  } else if (!p.paperOut && !p.coverOpen && !p.offline) {
    badges.push(badge("online", "ok", "online"));
  }
  if (p.paperOut) { badges.push(badge("paper out", "bad", "paper-out")); }
  else if (p.paperNearEnd) { badges.push(badge("paper near end", "warn", "paper-near-end")); }
  if (p.coverOpen) { badges.push(badge("cover open", "bad", "cover-open")); }
  if (p.offline) { badges.push(badge("offline", "bad", "offline")); }
  if (p.drawerOpen) { badges.push(badge("drawer open", "warn", "drawer-open")); }
  lineBadges(badges, p);
  $(".badges", el).replaceChildren(...badges);
  facts($(".facts", el), [
    ["path", p.linkPath],
    ["device", p.linkPath ? (p.devicePath || "(unplugged)") : ""],
    ["tcp", p.tcpEndpoint],
    ["line", p.line || p.baud + " baud"],
    ["receipts", p.receipts || 0],
    ["bytes", `${p.bytesReceived || 0} received, ${p.bytesPrinted || 0} printed, ${p.bytesBuffered || 0} buffered`],
    ["drawer kicks", p.drawerKicks || 0],
  ]);
  pressed('[data-fault="PRINTER_FAULT_PAPER_NEAR_END"]', p.paperNearEnd);
  pressed('[data-fault="PRINTER_FAULT_PAPER_OUT"]', p.paperOut);
  pressed('[data-fault="PRINTER_FAULT_COVER_OPEN"]', p.coverOpen);
  pressed('[data-fault="PRINTER_FAULT_OFFLINE"]', p.offline);
  pressed('[data-testid="printer-baud"]', p.baudMismatch);
  pressed('[data-testid="printer-stall"]', p.lineStalled);
  $(".diagnostics", el).replaceChildren(...(p.recentDiagnostics || []).map(d => {
    const li = document.createElement("li");
    li.textContent = `${d.connection} @${d.offset || 0}: ${d.message}`;
    return li;
  }));
}

function render(newState) {
  state = newState;
  renderScanner(state.scanner);
  renderPrinter(state.printer);
}

function showReceipt(r) {
  if (shownReceipts.has(r.number)) { return; }
  shownReceipts.add(r.number);
  const list = $("#receipts");
  $(".empty", list)?.remove();
  const item = document.createElement("article");
  item.className = "receipt";
  item.dataset.number = r.number;
  item.dataset.testid = "receipt";
  const head = document.createElement("header");
  const title = document.createElement("strong");
  title.textContent = "Receipt " + r.number;
  const when = document.createElement("span");
  when.textContent = new Date(r.completedAt).toLocaleString() + ", " + r.cut + " cut" + (r.interrupted ? ", paper ran out while printing" : "");
  const links = [["raw ESC/POS", "bin", "download-bin"], ["text", "txt", "download-txt"], ["open", "html", "open-html"]].map(([label, ext, testid]) => {
    const a = document.createElement("a");
    a.href = "receipts/" + r.number + "." + ext;
    a.textContent = label;
    a.dataset.testid = testid;
    if (ext === "html") { a.target = "_blank"; a.rel = "noopener"; } else { a.download = ""; }
    return a;
  });
  head.append(title, when, ...links);
  const frame = document.createElement("iframe");
  frame.title = "receipt " + r.number;
  frame.src = "receipts/" + r.number + ".html";
  frame.addEventListener("load", () => {
    const doc = frame.contentDocument;
    if (doc) { frame.style.height = (doc.documentElement.scrollHeight + 4) + "px"; }
  });
  item.append(head, frame);
  // Newest first: receipts are numbered in cut order.
  const newer = Array.from(list.children).find(c => Number(c.dataset.number) < r.number);
  list.insertBefore(item, newer || null);
}

function scenarioStart(s) {
  $("#scenario-result").textContent = "running " + s.name;
  $("#scenario-result").className = "";
  $("#scenario-log").textContent = "";
  $("#scenario-steps").replaceChildren(...s.steps.map(step => {
    const li = document.createElement("li");
    li.dataset.line = step.line;
    li.textContent = `line ${step.line}: ${step.text}`;
    return li;
  }));
}

function scenarioLine(line) {
  $("#scenario-log").textContent += line + "\n";
  const m = /^\[line (\d+)\]/.exec(line);
  if (!m) { return; }
  for (const li of $("#scenario-steps").children) {
    if (li.classList.contains("running")) { li.classList.replace("running", "done"); }
    if (li.dataset.line === m[1]) { li.classList.add("running"); }
  }
}

function scenarioEnd(e) {
  for (const li of $("#scenario-steps").children) {
    if (li.classList.contains("running")) { li.classList.replace("running", e.ok ? "done" : "failed"); }
  }
  const result = $("#scenario-result");
  result.textContent = e.message;
  result.className = e.ok ? "ok" : "failed";
}

function connect() {
  const events = new EventSource("api/events");
  const connection = $("#connection");
  events.addEventListener("open", () => { connection.textContent = "live"; connection.className = "badge ok"; });
  events.addEventListener("error", () => { connection.textContent = "reconnecting…"; connection.className = "badge off"; });
  events.addEventListener("state", e => render(JSON.parse(e.data)));
  events.addEventListener("receipts", e => (JSON.parse(e.data).receipts || []).forEach(showReceipt));
  events.addEventListener("receipt", e => showReceipt(JSON.parse(e.data)));
  events.addEventListener("scenario-start", e => scenarioStart(JSON.parse(e.data)));
  events.addEventListener("scenario", e => scenarioLine(JSON.parse(e.data).line));
  events.addEventListener("scenario-end", e => scenarioEnd(JSON.parse(e.data)));
}

function scanned(code) {
  return reply => (reply.garbled ? `scanned ${code}, but the line garbled it: ` : `scanned ${code}: `) + visible(reply.frame || "");
}

function wireScanner(info) {
  const select = $("#scan-symbology");
  for (const name of info.symbologies) {
    const o = document.createElement("option");
    o.value = o.textContent = name;
    select.append(o);
  }
  $("#scan-form").addEventListener("submit", e => {
    e.preventDefault();
    const code = $("#scan-code").value;
    act("Scan", { code, symbology: select.value }, scanned(code));
  });
  $("#demo-codes").replaceChildren(...info.demoCodes.map(d => {
    const li = document.createElement("li");
    li.className = d.kind;
    const button = document.createElement("button");
    button.textContent = d.randomBytes > 0 ? "Send" : "Scan";
    button.dataset.testid = "demo-" + d.label.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
    button.addEventListener("click", () => {
      if (d.randomBytes > 0) {
        act("SendRaw", { device: "DEVICE_SCANNER", randomCount: d.randomBytes }, () => `sent ${d.randomBytes} random bytes`);
      } else if (d.partialBytes > 0) {
        act("SendPartialScan", { code: d.code, bytes: d.partialBytes, symbology: d.symbology }, scanned(d.code));
      } else {
        act("Scan", { code: d.code, symbology: d.symbology }, scanned(d.code));
      }
    });
    const label = document.createElement("span");
    label.textContent = d.label + " ";
    const code = document.createElement("code");
    code.textContent = d.code;
    label.append(code);
    li.append(button, label);
    return li;
  }));
}

function wireDevices() {
  for (const b of document.querySelectorAll("[data-fault]")) {
    b.addEventListener("click", () => {
      const on = b.getAttribute("aria-pressed") !== "true";
      act("SetPrinterFault", { fault: b.dataset.fault, on }, () => `${b.textContent}: ${on ? "injected" : "cleared"}`);
    });
  }
  for (const b of document.querySelectorAll("[data-action]")) {
    const device = b.dataset.device;
    const handlers = {
      "unplug": () => act("SetPlugged", { device, plugged: false }, () => "unplugged"),
      "replug": () => act("SetPlugged", { device, plugged: true }, () => "replugged"),
      "baud": () => {
        const on = b.getAttribute("aria-pressed") !== "true";
        act("SetBaudMismatch", { device, on }, () => "baud mismatch " + (on ? "on" : "off"));
      },
      "stall": () => {
        const on = b.getAttribute("aria-pressed") !== "true";
        act("SetLine", { device, stalled: on }, () => on ? "line stalled" : "line moving");
      },
      "slow": () => {
        const factor = Number(b.closest(".row").querySelector(".slowdown").value);
        act("SetLine", { device, slowdown: factor }, () => `line ${factor}× slower`);
      },
      "load-paper": () => act("SetPrinterFault", { fault: "PRINTER_FAULT_PAPER_OUT", on: false }, () => "paper loaded"),
      "paper-after": () => {
        const bytes = Number($("#paper-after").value);
        act("PaperOutAfter", { bytes: String(bytes) }, () => `paper runs out after ${bytes} more bytes`);
      },
      "close-drawer": () => act("CloseDrawer", {}, () => "drawer closed"),
    };
    b.addEventListener("click", handlers[b.dataset.action]);
  }
  $("#raw-form").addEventListener("submit", e => {
    e.preventDefault();
    let data;
    try { data = hexToBase64($("#raw-hex").value); } catch (err) { message(err.message, true); return; }
    act("SendRaw", { device: $("#raw-device").value, data }, () => "bytes sent");
  });
  $("#raw-random-send").addEventListener("click", () => {
    const count = Number($("#raw-random").value);
    act("SendRaw", { device: $("#raw-device").value, randomCount: count }, () => `sent ${count} random bytes`);
  });
}

function wireScenario() {
  let fileName = "";
  $("#scenario-file").addEventListener("change", async e => {
    const file = e.target.files[0];
    if (!file) { return; }
    fileName = file.name;
    $("#scenario-text").value = await file.text();
  });
  $("#scenario-run").addEventListener("click", async () => {
    const response = await fetch("api/scenario?name=" + encodeURIComponent(fileName || "from the console"), {
      method: "POST",
      headers: { "Content-Type": "text/plain", "X-Firmware-Sim": "1" },
      body: $("#scenario-text").value,
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      const result = $("#scenario-result");
      result.textContent = body.error || response.statusText;
      result.className = "failed";
    }
  });
  $("#scenario-stop").addEventListener("click", () =>
    fetch("api/scenario/stop", { method: "POST", headers: { "X-Firmware-Sim": "1" } }));
}

async function start() {
  const info = await (await fetch("api/info")).json();
  $("#lane-name").textContent = info.lane;
  document.title = "firmware-sim " + info.lane;
  wireScanner(info);
  wireDevices();
  wireScenario();
  connect();
}

start();
