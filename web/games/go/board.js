// SVG goban. Pure rendering plus the board's own keyboard focus handling: it draws what it is
// given and reports which intersection the user activated. It never talks to the server.
//
//   const view = new BoardView(container);
//   view.render({size, board, last, ko, dead, territory, ghost, pending, numbers});
//   view.addEventListener("activate", (e) => e.detail /* {x, y, via: "pointer"|"keyboard"} */);
//
// Every intersection is an element with role=button, a roving tabindex and an accessible name
// made of its coordinate and content ("D4", "D4 black"); extra facts (last move, ko, dead) go in
// aria-description so names stay stable.

import { key, pointName, columnName, starPoints } from "./rules.js";

const SVG = "http://www.w3.org/2000/svg";
let instances = 0;

function el(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.append(node);
  return node;
}

const CONTENT = { X: "black", O: "white" };

export class BoardView extends EventTarget {
  constructor(container) {
    super();
    this.container = container;
    this.uid = `gb${++instances}`;
    this.size = 0;
    this.focus = { x: 0, y: 0 };
    this.hover = null;
    this.model = null;
    this.stones = new Map(); // key -> {char, dead, node}
  }

  build(size) {
    this.size = size;
    this.stones.clear();
    this.animate = false;
    const id = this.uid;
    const pad = 1;
    const svg = el("svg", {
      class: "goban",
      viewBox: `${-pad} ${-pad} ${size - 1 + 2 * pad} ${size - 1 + 2 * pad}`,
      role: "group",
      "aria-label": `Go board, ${size} by ${size}`,
      "aria-description": "Arrow keys move between points; Enter or Space plays or marks the point.",
    });
    const defs = el("defs", {}, svg);
    defs.innerHTML = `
      <radialGradient id="${id}-b" cx="0.5" cy="0.5" fx="0.34" fy="0.3" r="0.62">
        <stop offset="0" stop-color="#84868a"/><stop offset="0.22" stop-color="#3b3d40"/>
        <stop offset="0.7" stop-color="#151617"/><stop offset="1" stop-color="#050505"/></radialGradient>
      <radialGradient id="${id}-w" cx="0.5" cy="0.5" fx="0.34" fy="0.3" r="0.62">
        <stop offset="0" stop-color="#ffffff"/><stop offset="0.45" stop-color="#f4f2ec"/>
        <stop offset="0.85" stop-color="#d9d4c9"/><stop offset="1" stop-color="#b9b3a6"/></radialGradient>
      <linearGradient id="${id}-wood" x1="0" y1="0" x2="1" y2="1">
        <stop offset="0" stop-color="#ebc57f"/><stop offset="0.5" stop-color="#dfb266"/>
        <stop offset="1" stop-color="#d0a052"/></linearGradient>
      <filter id="${id}-grain" x="0" y="0" width="1" height="1">
        <feTurbulence type="fractalNoise" baseFrequency="0.03 0.9" numOctaves="4" seed="11"/>
        <feColorMatrix type="matrix" values="0 0 0 0 0.42  0 0 0 0 0.25  0 0 0 0 0.08  0 0 0 1.6 -0.62"/>
        <feComposite in2="SourceGraphic" operator="in"/></filter>
      <filter id="${id}-shadow" x="-0.5" y="-0.5" width="2" height="2">
        <feGaussianBlur stdDeviation="0.05"/></filter>`;
    // Static parts are built from numbers only, so innerHTML above never sees user text.
    const lo = -pad, span = size - 1 + 2 * pad;
    el("rect", { x: lo, y: lo, width: span, height: span, rx: 0.18, fill: `url(#${id}-wood)` }, svg);
    el("rect", { x: lo, y: lo, width: span, height: span, rx: 0.18, fill: "#000", filter: `url(#${id}-grain)`, class: "grain" }, svg);

    const lines = [];
    for (let i = 0; i < size; i++) {
      lines.push(`M0 ${i}H${size - 1}`, `M${i} 0V${size - 1}`);
    }
    const grid = el("g", { class: "grid", "aria-hidden": "true" }, svg);
    el("path", { d: lines.join(""), class: "lines" }, grid);
    el("rect", { x: 0, y: 0, width: size - 1, height: size - 1, class: "edge" }, grid);
    for (const [sx, sy] of starPoints(size)) el("circle", { cx: sx, cy: sy, r: size >= 19 ? 0.11 : 0.09, class: "star" }, grid);

    const labels = el("g", { class: `coords coords-${size >= 19 ? "large" : size >= 13 ? "medium" : "small"}`, "aria-hidden": "true",
      "font-size": size >= 19 ? 0.36 : size >= 13 ? 0.31 : 0.27 }, svg);
    const off = 0.62;
    for (let i = 0; i < size; i++) {
      const letter = columnName(i);
      const num = String(size - i);
      el("text", { x: i, y: -off }, labels).textContent = letter;
      el("text", { x: i, y: size - 1 + off }, labels).textContent = letter;
      el("text", { x: -off, y: i }, labels).textContent = num;
      el("text", { x: size - 1 + off, y: i }, labels).textContent = num;
    }

    this.territoryLayer = el("g", { class: "territory", "aria-hidden": "true" }, svg);
    this.shadowLayer = el("g", { class: "shadows", filter: `url(#${id}-shadow)`, "aria-hidden": "true" }, svg);
    this.stoneLayer = el("g", { class: "stones", "aria-hidden": "true" }, svg);
    this.markLayer = el("g", { class: "marks", "aria-hidden": "true" }, svg);
    this.ghost = el("circle", { r: 0.47, class: "ghost", visibility: "hidden", "aria-hidden": "true" }, svg);
    this.focusRing = el("circle", { r: 0.5, class: "focus-ring", visibility: "hidden", "aria-hidden": "true" }, svg);

    const hits = el("g", { class: "points", tabindex: -1 }, svg); // not a tab stop itself
    this.points = [];
    for (let y = 0; y < size; y++) {
      const row = [];
      for (let x = 0; x < size; x++) {
        const g = el("g", { role: "button", tabindex: -1, "aria-label": pointName(x, y, size), "data-x": x, "data-y": y }, hits);
        el("rect", { x: x - 0.5, y: y - 0.5, width: 1, height: 1 }, g);
        row.push(g);
      }
      this.points.push(row);
    }
    this.focus = { x: Math.floor(size / 2), y: Math.floor(size / 2) };
    this.points[this.focus.y][this.focus.x].setAttribute("tabindex", "0");

    hits.addEventListener("click", (ev) => this.onClick(ev));
    hits.addEventListener("pointermove", (ev) => this.onHover(ev));
    hits.addEventListener("pointerleave", () => { this.hover = null; this.drawGhost(); });
    hits.addEventListener("keydown", (ev) => this.onKey(ev));
    hits.addEventListener("focusin", (ev) => this.onFocus(ev));
    hits.addEventListener("focusout", () => { this.focusRing.setAttribute("visibility", "hidden"); });

    this.svg = svg;
    this.container.replaceChildren(svg);
  }

  pointFrom(ev) {
    const g = ev.target.closest?.("[data-x]");
    if (!g) return null;
    return { x: Number(g.dataset.x), y: Number(g.dataset.y), g };
  }

  onClick(ev) {
    const p = this.pointFrom(ev);
    if (!p) return;
    this.moveFocus(p.x, p.y, false);
    this.emitActivate(p.x, p.y, ev.detail === 0 ? "keyboard" : "pointer");
  }

  emitActivate(x, y, via) {
    this.dispatchEvent(new CustomEvent("activate", { detail: { x, y, via } }));
  }

  onHover(ev) {
    if (ev.pointerType === "touch") return;
    const p = this.pointFrom(ev);
    const next = p ? { x: p.x, y: p.y } : null;
    if (next?.x === this.hover?.x && next?.y === this.hover?.y) return;
    this.hover = next;
    this.drawGhost();
  }

  onFocus(ev) {
    const p = this.pointFrom(ev);
    if (!p) return;
    this.moveFocus(p.x, p.y, false); // keep exactly one point in the tab order
    if (p.g.matches(":focus-visible")) {
      this.focusRing.setAttribute("cx", p.x);
      this.focusRing.setAttribute("cy", p.y);
      this.focusRing.setAttribute("visibility", "visible");
      this.hover = { x: p.x, y: p.y };
      this.drawGhost();
    }
  }

  onKey(ev) {
    const { x, y } = this.focus;
    const last = this.size - 1;
    const moves = {
      ArrowLeft: [x - 1, y], ArrowRight: [x + 1, y], ArrowUp: [x, y - 1], ArrowDown: [x, y + 1],
      Home: [0, y], End: [last, y], PageUp: [x, 0], PageDown: [x, last],
    };
    if (ev.key in moves) {
      ev.preventDefault();
      const [nx, ny] = moves[ev.key];
      this.moveFocus(Math.min(last, Math.max(0, nx)), Math.min(last, Math.max(0, ny)), true);
    } else if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      if (!ev.repeat) this.emitActivate(x, y, "keyboard");
    }
  }

  moveFocus(x, y, focusIt) {
    const prev = this.points[this.focus.y]?.[this.focus.x];
    if (prev) prev.setAttribute("tabindex", "-1");
    this.focus = { x, y };
    const g = this.points[y][x];
    g.setAttribute("tabindex", "0");
    if (focusIt) g.focus();
  }

  /**
   * Draw a position. model: {size, board: [row strings], last: {x,y}|null, ko: {x,y}|null,
   * dead: Set(key), territory: Map(key -> "X"|"O")|null, ghost: "black"|"white"|null
   * (colour of the hover stone, null when the user cannot play), pending: {x,y}|null,
   * numbers: Map(key -> move number)|null (drawn on the stones, and said as "move N")}.
   */
  render(model) {
    if (model.size !== this.size) this.build(model.size);
    this.model = model;
    const { size, board } = model;
    const dead = model.dead ?? new Set();
    for (let y = 0; y < size; y++) {
      const row = board[y] ?? "";
      for (let x = 0; x < size; x++) {
        const c = row[x] === "X" || row[x] === "O" ? row[x] : ".";
        this.drawStone(x, y, c, dead.has(key(x, y)));
        const name = c === "." ? pointName(x, y, size) : `${pointName(x, y, size)} ${CONTENT[c]}`;
        const g = this.points[y][x];
        if (g.getAttribute("aria-label") !== name) g.setAttribute("aria-label", name);
        const notes = [];
        if (dead.has(key(x, y))) notes.push("dead");
        if (model.last && model.last.x === x && model.last.y === y) notes.push("last move");
        if (model.ko && model.ko.x === x && model.ko.y === y) notes.push("ko");
        const n = c !== "." ? model.numbers?.get(key(x, y)) : undefined;
        if (n !== undefined) notes.push(`move ${n}`);
        const t = model.territory?.get(key(x, y));
        if (t && (c === "." || dead.has(key(x, y)))) notes.push(`${CONTENT[t]} territory`);
        const desc = notes.join(", ");
        if ((g.getAttribute("aria-description") ?? "") !== desc) {
          if (desc) g.setAttribute("aria-description", desc);
          else g.removeAttribute("aria-description");
        }
      }
    }
    this.animate = true;
    this.drawMarks(model, dead);
    this.drawTerritory(model, dead);
    this.drawGhost();
  }

  drawStone(x, y, c, isDead) {
    const k = key(x, y);
    const cur = this.stones.get(k);
    if (cur && cur.char === c && cur.dead === isDead) return;
    if (cur) { cur.node?.remove(); cur.shadow?.remove(); }
    if (c === ".") { this.stones.delete(k); return; }
    const colour = CONTENT[c];
    const shadow = isDead ? null : el("circle", { cx: x + 0.05, cy: y + 0.07, r: 0.47, class: "shadow" }, this.shadowLayer);
    const node = el("circle", {
      cx: x, cy: y, r: 0.475,
      fill: `url(#${this.uid}-${colour === "black" ? "b" : "w"})`,
      class: `stone stone-${colour}${isDead ? " dead" : ""}${cur || !this.animate ? "" : " fresh"}`,
    }, this.stoneLayer);
    this.stones.set(k, { char: c, dead: isDead, node, shadow });
  }

  drawMarks(model, dead) {
    this.markLayer.replaceChildren();
    const { board } = model;
    const numbers = model.numbers ?? null;
    if (numbers) {
      for (const [k, n] of numbers) {
        const [x, y] = k.split(",").map(Number);
        const c = board[y]?.[x];
        if (c !== "X" && c !== "O") continue;
        const isLast = model.last && model.last.x === x && model.last.y === y;
        const label = el("text", { x, y, class: `move-number on-${CONTENT[c]}${isLast ? " last" : ""}`,
          "font-size": n >= 100 ? 0.38 : 0.48 }, this.markLayer);
        label.textContent = String(n);
      }
    }
    if (model.last && !(numbers && numbers.has(key(model.last.x, model.last.y)))) {
      const c = board[model.last.y]?.[model.last.x];
      if (c === "X" || c === "O") {
        el("circle", { cx: model.last.x, cy: model.last.y, r: 0.2, class: `last-mark on-${CONTENT[c]}` }, this.markLayer);
      }
    }
    if (model.ko) {
      el("rect", { x: model.ko.x - 0.22, y: model.ko.y - 0.22, width: 0.44, height: 0.44, class: "ko-mark" }, this.markLayer);
    }
    for (const k of dead) {
      const [x, y] = k.split(",").map(Number);
      const c = board[y]?.[x];
      if (c !== "X" && c !== "O") continue;
      const d = 0.16;
      el("path", { d: `M${x - d} ${y - d}L${x + d} ${y + d}M${x + d} ${y - d}L${x - d} ${y + d}`, class: `dead-mark on-${CONTENT[c]}` }, this.markLayer);
    }
    if (model.pending) {
      el("circle", { cx: model.pending.x, cy: model.pending.y, r: 0.47, class: `pending pending-${model.ghost ?? "black"}` }, this.markLayer);
    }
  }

  drawTerritory(model) {
    this.territoryLayer.replaceChildren();
    if (!model.territory) return;
    for (const [k, owner] of model.territory) {
      const [x, y] = k.split(",").map(Number);
      const s = 0.26;
      el("rect", { x: x - s / 2, y: y - s / 2, width: s, height: s, rx: 0.04, class: `terr terr-${CONTENT[owner]}` }, this.territoryLayer);
    }
  }

  drawGhost() {
    const m = this.model;
    const h = this.hover;
    const ok = m && h && m.ghost && (m.board[h.y]?.[h.x] ?? ".") === "." &&
      !(m.ko && m.ko.x === h.x && m.ko.y === h.y) &&
      !(m.pending && m.pending.x === h.x && m.pending.y === h.y);
    if (!ok) { this.ghost.setAttribute("visibility", "hidden"); return; }
    this.ghost.setAttribute("cx", h.x);
    this.ghost.setAttribute("cy", h.y);
    this.ghost.setAttribute("class", `ghost ghost-${m.ghost}`);
    this.ghost.setAttribute("visibility", "visible");
  }
}
