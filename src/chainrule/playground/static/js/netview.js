// The network diagram: features, hidden layers and outputs as squares with their heat maps,
// links whose width and colour show the weight (or, with a point selected, its gradient).
// Hover a square or a link to read it; click a link or a bias to edit it; click a feature
// to switch it on or off.

import { CLASS_COLORS, CLASS_LUTS, SIGNED, signed } from "./colors.js";

const NODE = 30, GAP = 14, TOP = 58, LEFT = 84, RIGHT = 56;
const SVG_NS = "http://www.w3.org/2000/svg";

function el(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

function linkWidth(v, top) {
  return (1 + Math.round(Math.min(1, Math.abs(v) / top) * 16) / 2).toFixed(1);
}

// Set an attribute only when it changes: a frame touches hundreds of links.
function set(node, name, value) {
  const key = `_${name}`;
  if (node[key] !== value) {
    node[key] = value;
    node.setAttribute(name, value);
  }
}

const scratch = {}; // one off-screen canvas per thumbnail size

function offscreen(side) {
  if (!scratch[side]) {
    scratch[side] = document.createElement("canvas");
    scratch[side].width = side;
    scratch[side].height = side;
  }
  return scratch[side];
}

export class NetView {
  constructor(root, handlers) {
    this.root = root;
    this.svg = root.querySelector("svg");
    this.nodesDiv = root.querySelector(".nodes");
    this.card = document.getElementById("hovercard");
    this.h = handlers; // {toggleFeature, focus, editParam, layerSize, layerActivation}
    this.state = null;
    this.params = null;
    this.grads = null;
    this.canvases = [];
    document.addEventListener("click", (e) => {
      if (!this.card.contains(e.target) && !e.target.closest?.(".editable")) this.hideCard();
    });
  }

  // ----- layout
  columns() {
    const s = this.state;
    const width = this.root.clientWidth || 560;
    const layers = s.layers.length; // hidden + output
    const span = width - LEFT - RIGHT;
    const xs = [LEFT];
    for (let l = 1; l <= layers; l++) xs.push(LEFT + (span * l) / layers);
    return xs;
  }

  nodeY(i) {
    return TOP + i * (NODE + GAP) + NODE / 2;
  }

  build(state, meta) {
    this.state = state;
    this.meta = meta;
    this.grads = null;
    // The last frame's numbers still fit when only the page's size changed; otherwise they
    // belong to the old network and the next frame brings the new ones.
    const sizes = [state.features.length, ...state.layers];
    const count = sizes.slice(1).reduce((sum, n, l) => sum + n * (sizes[l] + 1), 0);
    if (!this.params || this.params.length !== count) {
      this.params = null;
      this.units = null;
    }
    const svg = this.svg;
    svg.innerHTML = "";
    this.nodesDiv.innerHTML = "";
    this.canvases = [];
    const xs = this.columns();
    const allFeatures = meta.features;
    const rows = Math.max(allFeatures.length, ...state.layers);
    const height = TOP + rows * (NODE + GAP) + 40;
    svg.setAttribute("height", height);
    svg.setAttribute("width", this.root.clientWidth || 560);
    this.root.style.height = `${height}px`;
    this.linkLayer = el("g", {}, svg);
    // Where every unit sits: positions[0] are the active features, then each layer.
    const positions = [state.features.map((key) => {
      const i = allFeatures.findIndex((f) => f.key === key);
      return [xs[0], this.nodeY(i)];
    })];
    state.layers.forEach((n, l) => {
      positions.push(Array.from({ length: n }, (_, j) => [xs[l + 1], this.nodeY(j)]));
    });
    this.positions = positions;
    this.links = [];
    for (let l = 1; l < positions.length; l++) {
      positions[l].forEach(([x2, y2], j) => {
        positions[l - 1].forEach(([x1, y1], i) => {
          const mid = (x1 + x2) / 2;
          const path = el("path", {
            d: `M${x1 + NODE / 2},${y1} C${mid},${y1} ${mid},${y2} ${x2 - NODE / 2},${y2}`,
            class: "link editable",
          }, this.linkLayer);
          const link = { layer: l - 1, row: j, col: i, path };
          path.addEventListener("mouseenter", (e) => this.showLink(link, e));
          path.addEventListener("mouseleave", () => this.hideCard(true));
          path.addEventListener("click", (e) => { e.stopPropagation(); this.edit(link, "weight", e); });
          this.links.push(link);
        });
      });
    }
    // Features: every one TF Playground offers, the inactive ones faded; click toggles.
    allFeatures.forEach((f, i) => {
      const on = state.features.includes(f.key);
      const y = this.nodeY(i);
      const label = el("text", { x: xs[0] - NODE / 2 - 6, y: y + 4, class: "feature-label",
        "text-anchor": "end" }, svg);
      label.textContent = f.label;
      const canvas = this.square(xs[0], y, `feature${on ? "" : " off"}`, f.label);
      canvas.dataset.feature = f.key;
      canvas.addEventListener("click", () => this.h.toggleFeature(f.key, !on));
      this.drawFeature(canvas, state.featureMaps[f.key]);
    });
    // Units, with their biases as a small square at the lower left (as in TF Playground).
    let unit = 0;
    state.layers.forEach((n, l) => {
      const output = l === state.layers.length - 1;
      for (let j = 0; j < n; j++) {
        const [x, y] = positions[l + 1][j];
        const canvas = this.square(x, y, output ? "unit output" : "unit");
        if (output && state.task === "classification") {
          canvas.style.borderColor = CLASS_COLORS[j];
        }
        canvas.dataset.layer = l;
        canvas.dataset.unit = j;
        const info = { layer: l, row: j, output, index: unit++ };
        canvas.addEventListener("mouseenter", (e) => this.showUnit(info, e));
        canvas.addEventListener("mouseleave", () => this.hideCard(true));
        const bias = el("rect", { x: x - NODE / 2 - 4, y: y + NODE / 2 - 6, width: 7, height: 7,
          class: "bias editable" }, svg);
        bias.addEventListener("mouseenter", (e) => this.showBias(info, e));
        bias.addEventListener("mouseleave", () => this.hideCard(true));
        bias.addEventListener("click", (e) => { e.stopPropagation(); this.edit(info, "bias", e); });
        info.biasRect = bias;
        this.canvases.push({ canvas, info });
      }
    });
    this.buildControls(xs);
    if (this.params) this.paint();
  }

  square(x, y, cls, title = "") {
    const canvas = document.createElement("canvas");
    canvas.width = NODE;
    canvas.height = NODE;
    canvas.className = `node ${cls}`;
    canvas.style.left = `${x - NODE / 2}px`;
    canvas.style.top = `${y - NODE / 2}px`;
    if (title) canvas.title = title;
    this.nodesDiv.appendChild(canvas);
    return canvas;
  }

  buildControls(xs) {
    const s = this.state;
    const hidden = s.layers.length - 1;
    const acts = this.meta.activations.map((a) => a.name);
    for (let l = 0; l < hidden; l++) {
      const box = document.createElement("div");
      box.className = "layer-controls";
      box.style.left = `${xs[l + 1] - 40}px`;
      const n = s.layers[l];
      box.innerHTML = `<div><button class="icon" data-d="1" title="Add a neuron">+</button>` +
        `<button class="icon" data-d="-1" title="Remove a neuron">−</button></div>` +
        `<div class="count">${n} neuron${n === 1 ? "" : "s"}</div>`;
      box.querySelectorAll("button").forEach((b) =>
        b.addEventListener("click", () => this.h.layerSize(l, Number(b.dataset.d))));
      const select = document.createElement("select");
      select.className = "layer-activation";
      select.title = "This layer's activation";
      for (const a of acts) select.add(new Option(a, a, false, a === s.activations[l]));
      select.addEventListener("change", () => this.h.layerActivation(l, select.value));
      box.appendChild(select);
      this.nodesDiv.appendChild(box);
      const dead = document.createElement("div");
      dead.className = "dead";
      dead.dataset.layer = l;
      dead.style.left = `${xs[l + 1] - 40}px`;
      dead.style.top = `${this.nodeY(n - 1) + NODE / 2 + 10}px`;
      this.nodesDiv.appendChild(dead);
    }
    const out = document.createElement("div");
    out.className = "layer-controls output-label";
    out.style.left = `${xs[xs.length - 1] - 40}px`;
    out.innerHTML = `<div class="count">output</div><div class="muted">${s.output}</div>`;
    this.nodesDiv.appendChild(out);
  }

  // ----- painting a frame
  setFrame(header, blocks) {
    this.params = blocks.params ? blocks.params.data : null;
    this.units = blocks.units;
    this.view = header.view;
    this.dead = header.dead;
    if (!this.state) return;
    // Repainting the SVG is the costly part of a frame; weights move slowly, so while playing
    // the links and biases follow at about 15 Hz (every frame otherwise).
    const now = performance.now();
    const links = !header.playing || !(now - this.linksAt < 66);
    if (links) this.linksAt = now;
    this.paint(links);
  }

  setGrads(grads) {
    this.grads = grads;
    if (this.state) this.paintLinks();
  }

  param(layer, kind, row, col) {
    // params: W1 (rows x cols, row-major), b1, W2, b2, ...
    const sizes = [this.state.features.length, ...this.state.layers];
    let offset = 0;
    for (let l = 0; l < layer; l++) offset += sizes[l + 1] * sizes[l] + sizes[l + 1];
    if (kind === "weight") return this.params[offset + row * sizes[layer] + col];
    return this.params[offset + sizes[layer + 1] * sizes[layer] + row];
  }

  grad(layer, kind, row, col) {
    if (!this.grads) return null;
    const [gW, gb] = this.grads[layer];
    return kind === "weight" ? gW[row][col] : gb[row];
  }

  paint(links = true) {
    if (links) this.paintLinks();
    for (const { canvas, info } of this.canvases) {
      this.drawUnit(canvas, info);
      if (links) set(info.biasRect, "fill", signed(this.param(info.layer, "bias", info.row)));
    }
    this.nodesDiv.querySelectorAll(".dead").forEach((d) => {
      const n = this.dead ? this.dead[Number(d.dataset.layer)] : null;
      const total = this.state.layers[Number(d.dataset.layer)];
      const text = n === null || n === undefined ? "" : `dead: ${n}/${total}`;
      if (d.textContent !== text) d.textContent = text;
      d.classList.toggle("some", n > 0);
    });
  }

  paintLinks() {
    if (!this.params || !this.links) return;
    let top = 5;
    const useGrad = Boolean(this.grads);
    if (useGrad) {
      top = 1e-12;
      for (const link of this.links) top = Math.max(top, Math.abs(this.grad(link.layer, "weight", link.row, link.col)));
    }
    for (const link of this.links) {
      const v = useGrad ? -this.grad(link.layer, "weight", link.row, link.col)
        : this.param(link.layer, "weight", link.row, link.col);
      set(link.path, "stroke", signed(useGrad ? v / top : v));
      set(link.path, "stroke-width", linkWidth(v, top));
      link.path.classList.toggle("gradient", useGrad);
    }
  }

  drawFeature(canvas, bytes) {
    const ctx = canvas.getContext("2d");
    const side = Math.round(Math.sqrt(bytes.length));
    const img = ctx.createImageData(side, side);
    bytes.forEach((b, i) => {
      const c = SIGNED[b];
      img.data.set([c[0], c[1], c[2], 255], 4 * i);
    });
    this.blit(ctx, img, side);
  }

  blit(ctx, img, side) {
    const off = offscreen(side);
    off.getContext("2d").putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, NODE, NODE);
  }

  drawUnit(canvas, info) {
    const ctx = canvas.getContext("2d");
    if (!this.units) return;
    const [, a, b] = this.units.shape;
    if (this.view === "curve") {
      const n = a;
      const values = this.units.data.subarray(info.index * n, (info.index + 1) * n);
      let top = 1e-9;
      for (const v of values) top = Math.max(top, Math.abs(v));
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, NODE, NODE);
      ctx.strokeStyle = "#ccc";
      ctx.beginPath(); ctx.moveTo(0, NODE / 2); ctx.lineTo(NODE, NODE / 2); ctx.stroke();
      ctx.strokeStyle = "#0877bd";
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      values.forEach((v, i) => {
        const x = (i / (n - 1)) * NODE, y = NODE / 2 - (v / top) * (NODE / 2 - 2);
        if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y);
      });
      ctx.stroke();
      return;
    }
    const side = a * b;
    if (!info.image) info.image = ctx.createImageData(a, b);
    const img = info.image;
    const lut = info.output && this.state.task === "classification" ? CLASS_LUTS[info.row] : SIGNED;
    for (let i = 0; i < side; i++) {
      const c = lut[this.units.data[info.index * side + i]];
      img.data[4 * i] = c[0]; img.data[4 * i + 1] = c[1]; img.data[4 * i + 2] = c[2];
      img.data[4 * i + 3] = 255;
    }
    this.blit(ctx, img, a);
  }

  // ----- hovering and editing
  place(e) {
    const r = this.root.getBoundingClientRect();
    this.card.style.left = `${e.clientX - r.left + 14}px`;
    this.card.style.top = `${e.clientY - r.top + 10}px`;
    this.card.hidden = false;
  }

  hideCard(soft = false) {
    if (soft && this.card.dataset.editing) return;
    this.card.hidden = true;
    delete this.card.dataset.editing;
    if (soft) this.h.focus(null);
  }

  describe(text) {
    this.card.innerHTML = "";
    const p = document.createElement("div");
    p.textContent = text;
    this.card.appendChild(p);
  }

  name(layer, kind) {
    const n = this.state.layers.length;
    if (n === 1) return kind === "weight" ? "W" : "b";
    if (n === 2) return kind === "weight" ? ["W", "U"][layer] : `b${"₁₂"[layer]}`;
    const sub = String(layer + 1).replace(/\d/g, (d) => "₀₁₂₃₄₅₆₇₈₉"[d]);
    return (kind === "weight" ? "W" : "b") + sub;
  }

  showLink(link, e) {
    if (!this.params || this.card.dataset.editing) return; // no frame yet, or editing
    const w = this.param(link.layer, "weight", link.row, link.col);
    const g = this.grad(link.layer, "weight", link.row, link.col);
    let text = `Weight ${this.name(link.layer, "weight")}[${link.row + 1},${link.col + 1}] is ${w.toFixed(4)}`;
    if (g !== null) text += `; ∂J/∂w = ${g.toPrecision(4)} for the selected point`;
    this.describe(text + ". Click to edit.");
    this.place(e);
  }

  showBias(info, e) {
    if (!this.params || this.card.dataset.editing) return; // no frame yet, or editing
    const b = this.param(info.layer, "bias", info.row);
    const g = this.grad(info.layer, "bias", info.row);
    let text = `Bias ${this.name(info.layer, "bias")}[${info.row + 1}] is ${b.toFixed(4)}`;
    if (g !== null) text += `; ∂J/∂b = ${g.toPrecision(4)}`;
    this.describe(text + ". Click to edit.");
    this.place(e);
  }

  showUnit(info, e) {
    if (!this.params || this.card.dataset.editing) return; // no frame yet, or editing
    const act = info.output ? this.state.output : this.state.activations[info.layer];
    const what = info.output
      ? (this.state.task === "classification" ? `output ${info.row + 1} (class ${this.state.classes[info.row]}), softmax probability`
        : "output (linear)")
      : `layer ${info.layer + 1}, neuron ${info.row + 1}: ${act}`;
    const b = this.param(info.layer, "bias", info.row);
    const where = this.view === "curve" ? "Its square shows its curve along x₁." : "Its map is on the output plot.";
    this.describe(`${what}; bias ${b.toFixed(4)}. ${where}`);
    this.place(e);
    this.h.focus({ layer: info.layer, unit: info.row, output: info.output });
  }

  edit(target, kind, e) {
    if (!this.params) return; // between a new layout and its first frame
    const col = kind === "weight" ? target.col : 0;
    const value = this.param(target.layer, kind, target.row, col);
    this.card.innerHTML = "";
    const label = document.createElement("label");
    label.textContent = `${kind === "weight" ? "Weight" : "Bias"} `;
    const input = document.createElement("input");
    input.type = "number";
    input.step = "0.1";
    input.value = value.toFixed(4);
    input.className = "edit-value";
    label.appendChild(input);
    this.card.appendChild(label);
    this.card.dataset.editing = "1";
    this.place(e);
    input.focus();
    input.select();
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        this.h.editParam({ layer: target.layer, kind, row: target.row, col, value: Number(input.value) });
        this.hideCard();
      } else if (ev.key === "Escape") this.hideCard();
    });
  }
}
