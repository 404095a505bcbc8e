// Small DOM helpers. Every piece of user-provided text goes in through textContent
// (via h() children or text()), never through innerHTML.

/**
 * Build an element: h("button", {class: "btn", onclick: fn, "aria-label": "Pass"}, "Pass").
 * Attribute values of null/undefined/false are skipped; `on*` keys become listeners;
 * string children become text nodes.
 */
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith("svg:")
    ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace all children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Set text only when it changed (keeps screen readers and layout quiet). */
export function text(el, value) {
  const s = String(value ?? "");
  if (el.textContent !== s) el.textContent = s;
}

/** Toggle hidden only when it changed. */
export function show(el, visible) {
  if (el.hidden === visible) el.hidden = !visible;
}

let toastRegion = null;

/** A short message in the toast area (role=status, polite) that fades out. */
export function toast(message, kind = "info", ms = 3200) {
  toastRegion ??= document.getElementById("toasts");
  if (!toastRegion) return;
  const item = h("div", { class: `toast toast-${kind}` }, message);
  toastRegion.append(item);
  while (toastRegion.children.length > 2) toastRegion.firstElementChild.remove();
  setTimeout(() => item.classList.add("toast-out"), ms);
  setTimeout(() => item.remove(), ms + 400);
}

/**
 * Ask a yes/no question in a modal <dialog>. Resolves true for the confirm button.
 * Button names are given by the caller so they stay stable for tests.
 */
export function confirmDialog({ title, body, confirm, cancel = "Cancel", danger = false }) {
  return new Promise((resolve) => {
    const yes = h("button", { class: `btn ${danger ? "btn-danger" : "btn-primary"}`, value: "yes" }, confirm);
    const no = h("button", { class: "btn", value: "no", autofocus: true }, cancel);
    const dlg = h(
      "dialog",
      { class: "dialog", "aria-labelledby": "dlg-title" },
      h("form", { method: "dialog" },
        h("h2", { id: "dlg-title" }, title),
        body ? h("p", {}, body) : null,
        h("div", { class: "dialog-actions" }, no, yes)),
    );
    dlg.addEventListener("close", () => {
      resolve(dlg.returnValue === "yes");
      dlg.remove();
    });
    document.body.append(dlg);
    dlg.showModal();
  });
}

/** Relative-time-free clock text for chat lines. Accepts seconds, ms or ISO strings. */
export function timeOfDay(at) {
  let d;
  if (typeof at === "number") d = new Date(at < 1e11 ? at * 1000 : at);
  else if (typeof at === "string") d = new Date(at);
  else d = new Date();
  if (Number.isNaN(d.getTime())) d = new Date();
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
