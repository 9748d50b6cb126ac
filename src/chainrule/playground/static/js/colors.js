// Colours: TF Playground's orange-grey-blue for signed values, and class colours that stay
// distinct (its orange and blue first, then three from the Okabe-Ito palette).

export const CLASS_COLORS = ["#f59322", "#0877bd", "#009e73", "#cc79a7", "#d5a200"];
const NEGATIVE = "#f59322", ZERO = "#e8eaeb", POSITIVE = "#0877bd";

export function rgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function mix(a, b, t) {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));
}

export function css([r, g, b]) {
  return `rgb(${r},${g},${b})`;
}

// byte 0..255 (value -1..1) -> [r, g, b]
export const SIGNED = Array.from({ length: 256 }, (_, i) => {
  const v = i / 127.5 - 1;
  return v < 0 ? mix(rgb(ZERO), rgb(NEGATIVE), -v) : mix(rgb(ZERO), rgb(POSITIVE), v);
});

export function signed(value) {
  const v = Number.isFinite(value) ? Math.max(-1, Math.min(1, value)) : 0; // NaN after a divergence
  return css(SIGNED[Math.round((v + 1) * 127.5)]);
}

// The background of class k where the network is this confident (0..1).
const WHITE = [255, 255, 255];
export function classShade(k, confidence) {
  return mix(WHITE, rgb(CLASS_COLORS[k]), 0.12 + 0.55 * confidence);
}

// classShade for every confidence byte 0..255, per class: a frame is 10,000 look-ups.
export const CLASS_LUTS = CLASS_COLORS.map((_, k) =>
  Array.from({ length: 256 }, (_, b) => classShade(k, b / 255)));
