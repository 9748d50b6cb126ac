// The output map: the network's heat map over [-6, 6]² (or, for a 1-D problem, its curve
// along x1) with the data on top. Clicking picks a point or adds one (app.js decides).

import { CLASS_COLORS, SIGNED, classShade, css, mix, rgb } from "./colors.js";

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
  setFrame(header, blocks) { this.frame = { header, blocks }; this.draw(); }
  select(i) { this.selected = i; this.draw(); }
  setFocus(focus) { this.focus = focus; this.draw(); }

  draw() {
    if (this.state.view === "curve") this.drawCurve();
    else this.drawPlane();
  }

  drawPlane() {
    this.bg.style.visibility = "visible";
    const f = this.frame;
    if (f && f.blocks.output) {
      const focused = this.focus && f.blocks.focus;
      const src = focused ? f.blocks.focus : f.blocks.output;
      const [h, w] = src.shape;
      this.bg.width = w;
      this.bg.height = h;
      const ctx = this.bg.getContext("2d");
      const img = ctx.createImageData(w, h);
      const px = img.data;
      const disc = this.options.discretize;
      const regression = this.state.task === "regression";
      for (let i = 0; i < w * h; i++) {
        let c;
        if (focused && !(this.focus.output && !regression)) {
          const b = disc ? (src.data[i] >= 128 ? 255 : 0) : src.data[i];
          c = SIGNED[b];
        } else if (focused) {
          c = classShade(this.focus.unit, disc ? (src.data[i] >= 128 ? 1 : 0) : src.data[i] / 255);
        } else if (regression) {
          c = SIGNED[disc ? (src.data[i] >= 128 ? 255 : 0) : src.data[i]];
        } else {
          c = classShade(src.data[i], disc ? 1 : f.blocks.confidence.data[i] / 255);
        }
        px[4 * i] = c[0]; px[4 * i + 1] = c[1]; px[4 * i + 2] = c[2]; px[4 * i + 3] = 255;
      }
      ctx.putImageData(img, 0, 0);
    }
    const ctx = this.overlay();
    this.drawPoints(ctx);
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
    this.bg.style.visibility = "hidden";
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
