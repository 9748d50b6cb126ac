// The train/test loss chart: one point per frame, against the epoch.

const MAX_POINTS = 800;

export class LossChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.reset();
  }

  reset() {
    this.points = []; // [epoch, train, test]
    this.draw();
  }

  add(epoch, train, test) {
    const last = this.points[this.points.length - 1];
    if (last && last[0] > epoch) this.points = []; // a reset happened
    if (last && last[0] === epoch) this.points.pop();
    this.points.push([epoch, train, test]);
    if (this.points.length > MAX_POINTS) this.points = this.points.filter((_, i) => i % 2 === 0);
    this.draw();
  }

  draw() {
    const c = this.canvas, ctx = c.getContext("2d");
    const w = c.width, h = c.height, pad = 2;
    ctx.clearRect(0, 0, w, h);
    const pts = this.points;
    if (pts.length < 1) return;
    const values = pts.flatMap((p) => [p[1], p[2]]).filter((v) => v !== null && isFinite(v));
    const top = Math.max(1e-9, ...values) * 1.05;
    const first = pts[0][0], span = Math.max(1, pts[pts.length - 1][0] - first);
    const x = (e) => pad + ((e - first) / span) * (w - 2 * pad);
    const y = (v) => h - pad - (Math.min(v, top) / top) * (h - 2 * pad);
    for (const [col, color] of [[1, "#999"], [2, "#222"]]) {
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      let started = false;
      for (const p of pts) {
        if (p[col] === null) { started = false; continue; }
        if (started) ctx.lineTo(x(p[0]), y(p[col]));
        else { ctx.moveTo(x(p[0]), y(p[col])); started = true; }
      }
      ctx.stroke();
    }
  }
}
