// The page: wires the controls to the server's session and draws what it sends back.
// Every number shown comes from the server; this file only sends the user's settings.

import { LossChart } from "./js/chart.js";
import { CLASS_COLORS, SIGNED, css } from "./js/colors.js";
import { MapView } from "./js/mapview.js";
import { NetView } from "./js/netview.js";
import { Banner, fmt, renderBackprop, renderMetrics } from "./js/panels.js";
import { Socket } from "./js/socket.js";
import { parse, parsePoints, serialize } from "./js/urlstate.js";

const $ = (id) => document.getElementById(id);
const app = { meta: null, state: null, settings: null, playing: false, selected: null, frames: 0 };
window.playground = app; // for the browser tests and the curious

const banner = new Banner($("banner"));
const chart = new LossChart($("chart"));
const socket = new Socket(onMessage, (status) => {
  $("status").textContent = status === "open" ? "" : "disconnected: reload the page";
  if (status === "open") {
    const hash = location.hash.length > 1 ? location.hash : "";
    app.pendingLoad = hash;
  } else banner.show("The connection to the server closed; reload the page to start again.", "error", true);
});
const map = new MapView($("map"), onMapClick);
const net = new NetView($("network"), {
  toggleFeature: (key, on) => change({ [key]: on }),
  focus: (f) => {
    map.setFocus(f);
    socket.send("focus", f ? { layer: f.layer, unit: f.unit } : { layer: null });
  },
  editParam: (p) => socket.send("param", p),
  layerSize: (l, d) => {
    const shape = [...app.settings.networkShape];
    shape[l] = Math.max(1, Math.min(app.meta.limits.neurons, shape[l] + d));
    change({ networkShape: shape });
  },
  layerActivation: (l, name) => {
    const acts = app.state.activations.slice();
    acts[l] = name;
    change({ activations: acts });
  },
});
Object.assign(app, { map, net, chart, send: (type, fields) => socket.send(type, fields) });

function change(settings) {
  socket.send("settings", { settings });
}

// ----------------------------------------------------------------------------- messages
function onMessage(msg, blocks) {
  switch (msg.type) {
    case "meta": return setupControls(msg);
    case "state": return onState(msg);
    case "data": return map.setData(msg), updateHash(), buildLegend(), reselect();
    case "frame": return onFrame(msg, blocks);
    case "file": return download(msg, blocks.data.data);
    case "explain": return onExplain(msg);
    case "playing": return setPlaying(msg.playing);
    case "notice": return banner.show(msg.message, msg.level, true);
    case "error": return banner.show(msg.message, "error");
  }
}

function onState(msg) {
  const first = app.state === null;
  const rebuilt = new Set(msg.rebuilt || []);
  app.state = msg;
  app.settings = msg.settings;
  if (first && app.pendingLoad) {
    loadLink(app.pendingLoad);
    app.pendingLoad = null;
  }
  updateHash();
  syncControls();
  if (rebuilt.has("network")) app.lastExplain = null;
  drawNetwork();
  map.setState(msg);
  map.setOptions({ showTestData: msg.settings.showTestData, discretize: msg.settings.discretize });
  if (rebuilt.has("network")) {
    chart.reset();
    closeBackprop();
  }
  const note = $("preset-note");
  note.hidden = !msg.preset;
  if (msg.preset) {
    note.innerHTML = `<b>${msg.preset.title}.</b> `;
    note.append(msg.preset.note);
  }
}

// The link reproduces the setup: settings, and your own points while they are few enough.
function updateHash() {
  const s = app.settings;
  const custom = (s.problem === "classification" ? s.dataset : s.regDataset) === "custom";
  const d = map.data;
  const few = custom && d.points.length <= app.meta.limits.linkPoints;
  const points = few ? d.points.map(([x1, x2], i) => [x1, x2, d.labels[i], d.train[i]]) : null;
  app.hash = "#" + serialize(s, points);
  history.replaceState(null, "", app.hash);
}

// A link pasted into this tab's address bar (or the back button) loads its setup.
window.addEventListener("hashchange", () => {
  if (location.hash === app.hash || !app.meta) return;
  socket.send("pause");
  loadLink(location.hash);
});

// A link's setup: what it says, TF Playground's defaults for what it leaves out.
function loadLink(hash) {
  const points = parsePoints(hash);
  const settings = { ...app.meta.defaults, ...parse(hash, app.meta.defaults) };
  socket.send("load", { settings, ...(points ? { points } : {}) });
}

function onFrame(header, blocks) {
  const start = performance.now();
  app.frames += 1;
  app.lastFrame = header;
  $("epoch").textContent = String(header.epoch).padStart(6, "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  $("lossTrain").textContent = fmt(header.loss.train);
  $("lossTest").textContent = fmt(header.loss.test);
  if (header.epoch === 0) chart.reset();
  chart.add(header.epoch, header.loss.train, header.loss.test);
  map.setFrame(header, blocks);
  net.setFrame(header, blocks);
  // Tables are costly to lay out: a few times a second is enough to read them.
  const now = performance.now();
  if (!header.playing || !(now - app.metricsAt < 200)) {
    renderMetrics($("metrics"), header, app.state);
    app.metricsAt = now;
  }
  if (header.playing !== undefined) setPlaying(header.playing);
  if (header.diverged) $("map").classList.add("diverged");
  else $("map").classList.remove("diverged");
  $("map").dataset.diverged = header.diverged || "";
  app.drawMs = 0.9 * (app.drawMs || 0) + 0.1 * (performance.now() - start);
  // Acknowledge once drawn: the server sends the next frame only then.
  requestAnimationFrame(() => socket.send("ack"));
}

function onExplain(msg) {
  app.selected = msg.point;
  map.select(msg.point);
  renderBackprop($("backprop"), msg, app.state);
  $("bp-hint").hidden = true;
  net.setGrads($("showGrads").checked ? msg.grads : null);
  app.lastExplain = msg;
}

function reselect() {
  if (app.selected !== null && app.selected < map.data.points.length) {
    socket.send("explain", { point: app.selected });
  } else closeBackprop();
}

function closeBackprop() {
  $("backprop").hidden = true;
  $("bp-hint").hidden = false;
  app.selected = null;
  app.lastExplain = null;
  map.select(null);
  net.setGrads(null);
}

function setPlaying(on) {
  app.playing = on;
  $("play").classList.toggle("playing", on);
}

function download(msg, bytes) {
  const blob = new Blob([bytes], { type: msg.mime });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = msg.name;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

function onMapClick([x1, x2], nearest) {
  const mode = document.querySelector("input[name=clickMode]:checked").value;
  if (mode === "add") {
    const curve = app.state.view === "curve";
    const label = app.state.task === "classification" ? app.addClass || 0 : curve ? x2 : Number($("addValue").value);
    const r = app.meta.limits.radius;
    const clamp = (v) => Math.max(-r, Math.min(r, v));
    socket.send("add_point", { x1: clamp(x1), x2: curve ? 0 : clamp(x2), label: curve ? Math.max(-1, Math.min(1, label)) : label });
  } else if (nearest !== null) {
    socket.send("explain", { point: nearest });
  }
}

// ----------------------------------------------------------------------------- controls
function options(select, values, labels = null) {
  select.innerHTML = "";
  values.forEach((v, i) => select.add(new Option(labels ? labels[i] : String(v), String(v))));
}

function setupControls(meta) {
  app.meta = meta;
  const acts = meta.activations.map((a) => a.name);
  options($("learningRate"), meta.learningRates);
  options($("activation"), acts);
  options($("regularization"), meta.regularizations);
  options($("regularizationRate"), meta.regularizationRates);
  options($("problem"), meta.problems);
  options($("speed"), meta.speeds, meta.speeds.map((s) => (s === "max" ? "max" : `${s} epoch${s === "1" ? "" : "s"}/frame`)));
  const [lo, hi] = meta.limits.classes;
  options($("classes"), Array.from({ length: hi - lo + 1 }, (_, i) => lo + i));
  const step = meta.activations.find((a) => a.policy);
  options($("derivative"), step ? step.policies : []);
  const numeric = new Set(["learningRate", "regularizationRate", "classes"]);
  for (const id of ["learningRate", "activation", "regularization", "regularizationRate", "problem", "classes", "speed", "derivative"]) {
    $(id).addEventListener("change", () => {
      const v = $(id).value;
      change(id === "activation" ? { activation: v, activations: [] } : { [id]: numeric.has(id) ? Number(v) : v });
    });
  }
  for (const id of ["percTrainData", "noise", "batchSize"]) {
    const input = $(id);
    input.addEventListener("input", () => (document.querySelector(`[data-value=${id}]`).textContent = input.value));
    input.addEventListener("change", () => change({ [id]: Number(input.value) }));
  }
  for (const id of ["showTestData", "discretize"]) {
    $(id).addEventListener("change", () => {
      map.setOptions({ [id]: $(id).checked });
      change({ [id]: $(id).checked });
    });
  }
  $("play").addEventListener("click", () => socket.send(app.playing ? "pause" : "play"));
  $("step").addEventListener("click", () => { socket.send("pause"); socket.send("step"); });
  $("reset").addEventListener("click", () => { socket.send("pause"); socket.send("reset"); chart.reset(); banner.hide(); });
  $("reseed").addEventListener("click", () => { socket.send("pause"); socket.send("reseed"); banner.hide(); });
  $("regenerate").addEventListener("click", () => socket.send("regenerate"));
  $("addLayer").addEventListener("click", () => {
    const shape = app.settings.networkShape;
    if (shape.length < meta.limits.layers) change({ networkShape: [...shape, shape.length ? shape[shape.length - 1] : 4] });
  });
  $("removeLayer").addEventListener("click", () => {
    const shape = app.settings.networkShape;
    if (shape.length) change({ networkShape: shape.slice(0, -1) });
  });
  $("clearPoints").addEventListener("click", () => socket.send("clear_points"));
  $("upload").addEventListener("change", onUpload);
  $("addValue").addEventListener("input", () => ($("add-value-text").textContent = $("addValue").value));
  document.querySelectorAll("[data-export]").forEach((b) =>
    b.addEventListener("click", () => socket.send("export", { format: b.dataset.export })));
  $("stepPoint").addEventListener("click", () => {
    if (app.selected !== null) socket.send("step_point", { point: app.selected });
  });
  $("closeBackprop").addEventListener("click", closeBackprop);
  $("showGrads").addEventListener("change", () => net.setGrads($("showGrads").checked && app.lastExplain ? app.lastExplain.grads : null));
  buildDatasets(meta);
  buildPresets(meta);
}

function onUpload(e) {
  const file = e.target.files[0];
  e.target.value = "";
  if (!file) return;
  if (file.size > app.meta.limits.uploadBytes) {
    banner.show(`${file.name}: ${file.size.toLocaleString()} bytes is more than the ${app.meta.limits.uploadBytes.toLocaleString()} an upload may have`);
    return;
  }
  file.text().then((text) => socket.send("upload", { name: file.name, text }));
}

function buildDatasets(meta) {
  const root = $("datasets");
  root.innerHTML = "";
  const groups = [
    ["classification", "classification", meta.datasets.classification],
    ["regression", "regression", meta.datasets.regression.filter((n) => !meta.datasets.oneD.includes(n))],
    ["regression", "1-D regression (x₁ only)", meta.datasets.oneD],
  ];
  for (const [problem, title, names] of groups) {
    const head = document.createElement("div");
    head.className = "dataset-group";
    head.textContent = title;
    root.appendChild(head);
    for (const name of names) {
      if (name === "custom") continue;
      const c = document.createElement("canvas");
      c.width = 44;
      c.height = 44;
      c.className = "data-thumbnail";
      c.dataset.problem = problem;
      c.dataset.name = name;
      c.title = meta.datasets.titles[name];
      drawPreview(c, meta.datasets.previews[name], problem, meta.datasets.oneD.includes(name));
      c.addEventListener("click", () => change({ problem, [problem === "classification" ? "dataset" : "regDataset"]: name }));
      root.appendChild(c);
    }
  }
}

function drawPreview(canvas, points, problem, oneD) {
  const ctx = canvas.getContext("2d");
  const s = canvas.width;
  ctx.fillStyle = "#f7f7f7";
  ctx.fillRect(0, 0, s, s);
  for (const [x, y, label] of points) {
    const px = ((x + 6) / 12) * s;
    const py = oneD ? ((1.25 - label) / 2.5) * s : ((6 - y) / 12) * s;
    ctx.fillStyle = problem === "classification" ? CLASS_COLORS[label]
      : css(SIGNED[Math.round((Math.max(-1, Math.min(1, label)) + 1) * 127.5)]);
    ctx.fillRect(px - 1, py - 1, 2, 2);
  }
}

function buildPresets(meta) {
  const root = $("presets");
  root.innerHTML = "";
  for (const p of meta.presets) {
    const b = document.createElement("button");
    b.className = "preset";
    b.textContent = p.title;
    b.dataset.preset = p.name;
    b.title = p.note;
    b.addEventListener("click", () => { socket.send("pause"); socket.send("preset", { name: p.name }); });
    root.appendChild(b);
  }
}

function syncControls() {
  const s = app.settings, st = app.state;
  for (const id of ["learningRate", "regularization", "regularizationRate", "problem", "classes", "speed"]) {
    $(id).value = String(s[id]);
  }
  const uniform = new Set(st.activations).size <= 1;
  $("activation").value = uniform && st.activations.length ? st.activations[0] : s.activation;
  const policyActs = app.meta.activations.filter((a) => a.policy).map((a) => a.name);
  const needsPolicy = st.activations.some((a) => policyActs.includes(a));
  $("derivative-field").hidden = !needsPolicy;
  const def = app.meta.activations.find((a) => a.policy);
  $("derivative").value = s.derivative || (def ? def.defaultPolicy : "");
  $("classes-field").hidden = st.task !== "classification";
  $("classes").value = String(st.classes.length);
  for (const id of ["percTrainData", "noise", "batchSize"]) {
    $(id).value = s[id];
    document.querySelector(`[data-value=${id}]`).textContent = s[id];
  }
  $("showTestData").checked = s.showTestData;
  $("discretize").checked = s.discretize;
  $("numLayers").textContent = s.networkShape.length;
  $("layersLabel").textContent = s.networkShape.length === 1 ? "hidden layer" : "hidden layers";
  document.querySelectorAll(".data-thumbnail").forEach((c) => {
    const key = c.dataset.problem === "classification" ? s.dataset : s.regDataset;
    c.classList.toggle("selected", c.dataset.problem === st.task && c.dataset.name === key);
  });
  document.querySelectorAll(".preset").forEach((b) => b.classList.toggle("selected", b.dataset.preset === s.preset));
  buildClassPicker();
  buildLegend();
}

function buildClassPicker() {
  const st = app.state;
  const root = $("add-class");
  root.innerHTML = "";
  $("add-value").hidden = st.task === "classification" || st.view === "curve";
  if (st.task !== "classification") return;
  if ((app.addClass || 0) >= st.classes.length) app.addClass = 0;
  st.classes.forEach((name, k) => {
    const b = document.createElement("button");
    b.className = "swatch" + ((app.addClass || 0) === k ? " selected" : "");
    b.style.background = CLASS_COLORS[k];
    b.title = `class ${name}`;
    b.textContent = name;
    b.addEventListener("click", () => { app.addClass = k; buildClassPicker(); });
    root.appendChild(b);
  });
}

function buildLegend() {
  const st = app.state;
  const root = $("legend");
  root.innerHTML = "";
  if (st.task === "classification") {
    st.classes.forEach((name, k) => {
      const s = document.createElement("span");
      s.className = "key";
      s.innerHTML = `<i style="background:${CLASS_COLORS[k]}"></i>`;
      s.append(`class ${name}`);
      root.appendChild(s);
    });
  } else {
    const bar = document.createElement("span");
    bar.className = "ramp";
    const scale = map.data.valueScale || 1;
    bar.innerHTML = `<span>${fmt(-scale, 1)}</span><i></i><span>${fmt(scale, 1)}</span>`;
    root.appendChild(bar);
  }
  const dots = document.createElement("span");
  dots.className = "muted";
  dots.textContent = "white ring: training point, black ring: test point";
  root.appendChild(dots);
}

// The diagram, with the selected example's gradients on its links when they are asked for.
function drawNetwork() {
  net.build(app.state, app.meta);
  if (app.lastExplain && $("showGrads").checked) net.setGrads(app.lastExplain.grads);
}

window.addEventListener("resize", () => app.state && drawNetwork());
