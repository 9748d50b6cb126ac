// The output map: the network's heat map over [-6, 6]² (or, for a 1-D problem, its curve
// along x1) with the data on top. Clicking picks a point or adds one (app.js decides).

import { CLASS_COLORS, CLASS_LUTS, SIGNED, css, mix, rgb } from "./colors.js";

const R = 6;

export class MapView {
  constructor(root, onClick) {
    this.bg = root.querySelector("#heatmap");
    this.top = root.querySelector("#points");
    this.size = this.top.width;
    this.state = { task: "classification", view: "plane", classes: ["0", "1"] };
    this.data = { points: [], labels: [], train: [], valueScale: 1 };
    this.options = { showTestData: false, discretize: false };
    this.selected = null;
    this.frame = null;
    this.focus = null; // {layer, unit, output}
    this.top.addEventListener("click", (e) => {
      const r = this.top.getBoundingClientRect();
      const px = ((e.clientX - r.left) / r.width) * this.size;
      const py = ((e.clientY - r.top) / r.height) * this.size;
      onClick(this.toData(px, py), this.nearest(px, py));
    });
  }

  toPixel(x, y) {
    if (this.state.view === "curve") {
      const top = 1.25 * this.data.valueScale;
      return [((x + R) / (2 * R)) * this.size, ((top - y) / (2 * top)) * this.size];
    }
    return [((x + R) / (2 * R)) * this.size, ((R - y) / (2 * R)) * this.size];
  }

  toData(px, py) {
    const x = (px / this.size) * 2 * R - R;
    if (this.state.view === "curve") {
      const top = 1.25 * this.data.valueScale;
      return [x, top - (py / this.size) * 2 * top];
    }
    return [x, R - (py / this.size) * 2 * R];
  }

  // Where a point is drawn: its (x1, x2), or (x1, label) on a 1-D problem's curve.
  position(i) {
    const [x1, x2] = this.data.points[i];
    return this.state.view === "curve" ? this.toPixel(x1, this.data.labels[i]) : this.toPixel(x1, x2);
  }

  visible(i) {
    return this.data.train[i] || this.options.showTestData;
  }

  nearest(px, py, within = 8) {
    let best = null, bestD = within * within;
    for (let i = 0; i < this.data.points.length; i++) {
      if (!this.visible(i)) continue;
      const [qx, qy] = this.position(i);
      const d = (qx - px) ** 2 + (qy - py) ** 2;
      if (d <= bestD) { best = i; bestD = d; }
    }
    return best;
  }

  setState(state) { this.state = state; this.draw(); }
  setData(data) { this.data = data; this.selected = null; this.draw(); }
  setOptions(options) { Object.assign(this.options, options); this.draw(); }
  select(i) { this.selected = i; this.draw(); }
  setFocus(focus) { this.focus = focus; this.drawBackground(); }

  // A frame only repaints the heat map (or the curve); the points change far less often.
  setFrame(header, blocks) {
    this.frame = { header, blocks };
    if (this.state.view === "curve") this.drawCurve();
    else this.drawBackground();
  }

  draw() {
    if (this.state.view === "curve") return this.drawCurve();
    this.drawBackground();
    this.drawPoints(this.overlay());
  }

  drawBackground() {
    this.bg.style.visibility = this.state.view === "curve" ? "hidden" : "visible";
    const f = this.frame;
    if (this.state.view === "curve" || !f || !f.blocks.output) return;
    const focused = this.focus && f.blocks.focus;
    const src = focused ? f.blocks.focus : f.blocks.output;
    const [h, w] = src.shape;
    if (this.bg.width !== w) { this.bg.width = w; this.bg.height = h; }
    const ctx = this.bg.getContext("2d");
    if (!this.image || this.image.width !== w) this.image = ctx.createImageData(w, h);
    const px = this.image.data, v = src.data;
    const disc = this.options.discretize;
    const classes = this.state.task === "classification";
    const conf = f.blocks.confidence && f.blocks.confidence.data;
    const signedMap = focused ? !(this.focus.output && classes) : !classes;
    const unitLut = focused && !signedMap ? CLASS_LUTS[this.focus.unit] : null;
    for (let i = 0, n = w * h; i < n; i++) {
      let c;
      if (signedMap) c = SIGNED[disc ? (v[i] >= 128 ? 255 : 0) : v[i]];
      else if (unitLut) c = unitLut[disc ? (v[i] >= 128 ? 255 : 0) : v[i]];
      else c = CLASS_LUTS[v[i]][disc ? 255 : conf[i]];
      const j = 4 * i;
      px[j] = c[0]; px[j + 1] = c[1]; px[j + 2] = c[2]; px[j + 3] = 255;
    }
    ctx.putImageData(this.image, 0, 0);
  }

  overlay() {
    const ctx = this.top.getContext("2d");
    ctx.clearRect(0, 0, this.size, this.size);
    return ctx;
  }

  pointColor(i) {
    if (this.state.task === "classification") return CLASS_COLORS[this.data.labels[i]] || "#000";
    const v = Math.max(-1, Math.min(1, this.data.labels[i] / this.data.valueScale));
    return css(SIGNED[Math.round((v + 1) * 127.5)].map((x) => x * 0.85));
  }

  drawPoints(ctx) {
    for (let i = 0; i < this.data.points.length; i++) {
      if (!this.visible(i)) continue;
      const [x, y] = this.position(i);
      ctx.beginPath();
      ctx.arc(x, y, 3.5, 0, 2 * Math.PI);
      ctx.fillStyle = this.pointColor(i);
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = this.data.train[i] ? "#fff" : "#000";
      ctx.stroke();
    }
    if (this.selected !== null && this.selected < this.data.points.length) {
      const [x, y] = this.position(this.selected);
      ctx.beginPath();
      ctx.arc(x, y, 8, 0, 2 * Math.PI);
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = "#111";
      ctx.stroke();
    }
  }

  drawCurve() {
    this.drawBackground();
    const ctx = this.overlay();
    const s = this.size;
    ctx.fillStyle = "#fbfbfb";
    ctx.fillRect(0, 0, s, s);
    ctx.strokeStyle = "#ddd";
    ctx.lineWidth = 1;
    for (const v of [-1, 0, 1]) {
      const [, y] = this.toPixel(0, v * this.data.valueScale);
      ctx.beginPath(); ctx.moveTo(0, y); ctx.lineTo(s, y); ctx.stroke();
    }
    const [x0] = this.toPixel(0, 0);
    ctx.beginPath(); ctx.moveTo(x0, 0); ctx.lineTo(x0, s); ctx.stroke();
    this.drawPoints(ctx);
    const f = this.frame;
    if (f && f.blocks.curve) {
      const curve = f.blocks.curve.data;
      ctx.strokeStyle = css(mix(rgb("#333333"), rgb("#0877bd"), 0.5));
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      for (let i = 0; i < curve.length; i++) {
        const x = -R + (2 * R * i) / (curve.length - 1);
        const limit = 2 * this.data.valueScale;
        const [px, py] = this.toPixel(x, Math.max(-limit, Math.min(limit, curve[i])) || 0);
        if (i) ctx.lineTo(px, py); else ctx.moveTo(px, py);
      }
      ctx.stroke();
    }
  }
}
