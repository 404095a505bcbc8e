// Pure formatting helpers (no DOM): label filters, times, blobs, diffs.

export function parseFilter(text) {
  // "k=v k2=v2 | k=w" -> [{k: "v", k2: "v2"}, {k: "w"}]; throws on a term without "="
  const groups = [];
  for (const group of text.split(/[|;]/)) {
    const ands = {};
    for (const term of group.split(/[\s,]+/).filter(Boolean)) {
      const at = term.indexOf("=");
      if (at <= 0) throw new Error(`"${term}" is not a key=value term`);
      ands[term.slice(0, at)] = term.slice(at + 1);
    }
    if (Object.keys(ands).length) groups.push(ands);
  }
  return groups;
}

export function matches(groups, labels) {
  if (!groups.length) return true;
  return groups.some((ands) => Object.entries(ands).every(([k, v]) => labels[k] === v));
}

export function filterText(groups) {
  return groups.map((g) => Object.entries(g).map(([k, v]) => `${k}=${v}`).join(" ")).join(" | ");
}

export function time(unix) {
  if (!unix) return "";
  const d = new Date(unix * 1000);
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function relative(seconds) {
  const s = Math.abs(seconds);
  const text = s < 1 ? `${Math.round(s * 1000)} ms` : s < 120 ? `${s.toFixed(1)} s`
    : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

export function pairs(map) {
  return Object.entries(map || {}).map(([k, v]) => `${k}=${v}`).join(" ");
}

export function base64Bytes(b64) {
  const raw = atob(b64);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

// A blob as the most readable of: pretty JSON, UTF-8 text, a hex dump.
export function renderBlob(bytes) {
  let text = null;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = null;
  }
  if (text !== null && !/[\u0000-\u0008\u000e-\u001f]/.test(text)) {
    try {
      return { kind: "json", text: JSON.stringify(JSON.parse(text), null, 2) };
    } catch {
      return { kind: "text", text };
    }
  }
  return { kind: "hex", text: hexDump(bytes) };
}

export function hexDump(bytes) {
  const lines = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const row = Array.from(bytes.slice(off, off + 16));
    const hex = row.map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const ascii = row.map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${off.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join("\n");
}

// Field-by-field changes between two versions of a state.
export function diff(before, after) {
  const rows = [];
  const flat = (s) => {
    const out = {};
    if (!s) return out;
    out["transition.to"] = s.transition.to || "(parked)";
    for (const [k, v] of Object.entries(s.labels)) out[`labels.${k}`] = v;
    for (const [k, v] of Object.entries(s.annotations)) out[`annotations.${k}`] = v;
    for (const [k, v] of Object.entries(s.transition.annotations)) out[`transition.annotations.${k}`] = v;
    return out;
  };
  const a = flat(before);
  const b = flat(after);
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (a[key] !== b[key]) rows.push({ field: key, before: a[key], after: b[key] });
  }
  return rows;
}

export const RECOVERY_ATTEMPT = "flowstate.recovery.attempt";
export const DATA_PREFIX = "flowstate.data.";
