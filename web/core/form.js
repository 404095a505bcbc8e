// Form helpers shared by the lobby and every game kind's create-form fields: a labelled field
// (the label names the control for screen readers and tests) and a <select> from pairs.

import { h } from "./dom.js";

/** A labelled control: <div class="field"><label for=id>label</label>control<small>hint</small></div>. */
export function field(label, control, hint) {
  const id = control.id || `f-${label.toLowerCase().replace(/\W+/g, "-")}`;
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hint ? h("small", { class: "hint" }, hint) : null);
}

/** A <select> of [value, label] pairs with `value` selected. */
export function select(options, value) {
  return h("select", {}, options.map(([v, label]) => h("option", { value: v, selected: String(v) === String(value) }, label)));
}

/** A whole-number input. */
export function integer(value, min, max) {
  return h("input", { type: "number", min, max, step: "1", value, inputmode: "numeric" });
}
