// The whole setup in the URL's hash, in TF Playground's format: key=value&key=value, with
// booleans as true/false and lists comma-separated, so its links work here too.

export function serialize(settings, points = null) {
  const parts = [];
  for (const [key, value] of Object.entries(settings)) {
    if (value === null || value === undefined) continue;
    const text = Array.isArray(value) ? value.join(",") : String(value);
    parts.push(`${key}=${encodeURIComponent(text)}`);
  }
  if (points) parts.push(`points=${encodeURIComponent(points.map((p) => p.join(",")).join(";"))}`);
  return parts.join("&");
}

// Your own points, as the link carries them: x1,x2,label,train;... (or null).
export function parsePoints(hash) {
  const pair = hash.replace(/^#/, "").split("&").find((p) => p.startsWith("points="));
  if (!pair) return null;
  const text = decodeURIComponent(pair.slice("points=".length));
  return text ? text.split(";").map((row) => row.split(",").map(Number)) : [];
}

// The hash's settings, typed after the defaults; keys the server does not know are left out
// (TF Playground's own extras such as hideText). A bad value goes to the server as it is and
// comes back as an error message naming it.
export function parse(hash, defaults) {
  const out = {};
  for (const pair of hash.replace(/^#/, "").split("&")) {
    if (!pair) continue;
    const [key, raw = ""] = pair.split("=");
    if (!(key in defaults)) continue;
    const text = decodeURIComponent(raw);
    const kind = defaults[key];
    if (Array.isArray(kind)) {
      const items = text.trim() === "" ? [] : text.split(",");
      out[key] = key === "networkShape" ? items.map(Number) : items;
    } else if (typeof kind === "boolean") out[key] = text !== "false";
    else if (typeof kind === "number") out[key] = text.trim() === "" ? null : Number(text);
    else out[key] = text;
  }
  for (const key of Object.keys(out)) {
    if (typeof out[key] === "number" && !Number.isFinite(out[key])) out[key] = String(out[key]);
  }
  return out;
}
