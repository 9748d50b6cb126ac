// Text panels: the banner for errors and notices, the metrics (accuracy and confusion
// matrices, or R²), and the backprop panel of one example.

import { CLASS_COLORS } from "./colors.js";

export function fmt(v, digits = 3) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") {
    if (!isFinite(v)) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e4)) return v.toExponential(2);
    return (Math.round(v * 10 ** digits) / 10 ** digits).toFixed(digits);
  }
  if (Array.isArray(v) && Array.isArray(v[0])) return `[${v.map((r) => fmt(r, digits)).join(", ")}]`;
  if (Array.isArray(v)) return `[${v.map((x) => fmt(x, digits)).join(", ")}]`;
  return String(v);
}

// A value as the page shows it: a number, a vector in brackets, a matrix as rows.
export function valueNode(v, digits = 3) {
  if (!(Array.isArray(v) && Array.isArray(v[0]))) return node("span", fmt(v, digits), "bp-value");
  const table = node("table", undefined, "matrix bp-value");
  for (const row of v) {
    const tr = node("tr");
    for (const x of row) tr.appendChild(node("td", fmt(x, digits)));
    table.appendChild(tr);
  }
  return table;
}

function node(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

export class Banner {
  constructor(root) {
    this.root = root;
    this.text = root.querySelector(".text");
    root.querySelector(".close").addEventListener("click", () => this.hide());
    this.timer = null;
  }

  show(message, level = "error", sticky = false) {
    this.text.textContent = message;
    this.root.className = `banner ${level}`;
    this.root.hidden = false;
    clearTimeout(this.timer);
    if (!sticky) this.timer = setTimeout(() => this.hide(), 12000);
  }

  hide() {
    this.root.hidden = true;
  }
}

export function renderMetrics(root, header, state) {
  root.innerHTML = "";
  if (state.task === "classification") {
    const acc = node("div", "", "metric-row");
    acc.append(node("span", "Accuracy", "muted"),
      node("span", `train ${fmt(header.train.accuracy * 100, 1)}%`, "train-acc"),
      node("span", `test ${fmt(header.test.accuracy * 100, 1)}%`, "test-acc"));
    if (header.train.accuracy === null) acc.children[1].textContent = "train –";
    if (header.test.accuracy === null) acc.children[2].textContent = "test –";
    root.appendChild(acc);
    const grid = node("div", "", "confusions");
    for (const split of ["train", "test"]) grid.appendChild(confusion(header[split].confusion, state.classes, split));
    root.appendChild(grid);
    root.appendChild(node("div", "confusion matrices: rows are the true class, columns the predicted one", "muted small"));
  } else {
    const r2 = node("div", "", "metric-row");
    r2.append(node("span", "R²", "muted"), node("span", `train ${fmt(header.train.r2)}`, "train-r2"),
      node("span", `test ${fmt(header.test.r2)}`, "test-r2"));
    root.appendChild(r2);
  }
}

function confusion(matrix, classes, split) {
  const table = node("table", undefined, "confusion");
  table.appendChild(node("caption", split));
  if (!matrix) return table;
  const head = node("tr");
  head.appendChild(node("th", ""));
  classes.forEach((c, j) => {
    const th = node("th", c);
    th.style.color = CLASS_COLORS[j];
    head.appendChild(th);
  });
  table.appendChild(head);
  const total = matrix.flat().reduce((a, b) => a + b, 0) || 1;
  matrix.forEach((row, i) => {
    const tr = node("tr");
    const th = node("th", classes[i]);
    th.style.color = CLASS_COLORS[i];
    tr.appendChild(th);
    row.forEach((n, j) => {
      const td = node("td", String(n));
      const alpha = Math.min(0.85, (n / total) * classes.length * 0.9);
      td.style.background = i === j ? `rgba(8,119,189,${alpha})` : `rgba(245,147,34,${alpha})`;
      tr.appendChild(td);
    });
    table.appendChild(tr);
  });
  return table;
}

// The backprop panel: forward values, the slide's lines with their numbers, what one SGD
// step on this example changed, and the whole trace as chainrule explain prints it.
export function renderBackprop(root, msg, state) {
  root.hidden = false;
  const label = state.task === "classification" ? `class ${state.classes[msg.target ?? 0] ?? ""}` : "";
  root.querySelector(".bp-title").textContent =
    `Point ${msg.point + 1} (${msg.train ? "training" : "test"} point), J = ${fmt(msg.loss, 4)} ${label}`;
  const fwd = root.querySelector(".bp-forward");
  fwd.innerHTML = "";
  for (const f of msg.forward) {
    const row = node("div", "", "bp-row");
    row.append(node("span", f.name, "bp-lhs"), valueNode(f.value));
    fwd.appendChild(row);
  }
  const lines = root.querySelector(".bp-lines");
  lines.innerHTML = "";
  msg.lines.forEach((l, i) => {
    const tr = node("tr", undefined, "bp-line");
    const value = node("td");
    value.appendChild(valueNode(l.value));
    tr.append(node("td", `${i + 1}.`, "muted"), node("td", l.lhs, "bp-lhs"), node("td", "="),
      node("td", l.rhs, "bp-rhs"), node("td", "=", "muted"), value);
    lines.appendChild(tr);
  });
  const ch = root.querySelector(".bp-changes");
  ch.innerHTML = "";
  if (msg.changes) {
    const c = msg.changes;
    ch.appendChild(node("div",
      `One SGD step on this example (η = ${c.learningRate}): J ${fmt(c.lossBefore, 4)} → ${fmt(c.lossAfter, 4)}.`
      + (c.regularized ? " (The step also applied the regularization term.)" : "")));
    const t = node("table", undefined, "bp-delta");
    const head = node("tr");
    head.append(node("th", "parameter"), node("th", "change"), node("th", "−η ∂J/∂θ"));
    t.appendChild(head);
    for (const p of c.params) {
      const tr = node("tr");
      const [d, e] = [node("td"), node("td")];
      d.appendChild(valueNode(p.delta, 4));
      e.appendChild(valueNode(p.expected, 4));
      tr.append(node("td", p.name, "bp-lhs"), d, e);
      t.appendChild(tr);
    }
    ch.appendChild(t);
  }
  root.querySelector(".bp-text").textContent = msg.text;
}
