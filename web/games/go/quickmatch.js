// Go's quick-match fields (core/quickmatch.js draws the card): a board size and a time class.

import { h } from "../../core/dom.js";
import { describeTimeControl } from "./clock.js";

export const TIME_CLASSES = [
  { id: "blitz", label: "Blitz · 3 min + 10 s", tc: { system: "fischer", main: 180, increment: 10, max: 600 } },
  { id: "rapid", label: "Rapid · 10 min + 5×30 s", tc: { system: "byoyomi", main: 600, periods: 5, period: 30 } },
  { id: "live", label: "Live · 20 min + 30 s", tc: { system: "fischer", main: 1200, increment: 30, max: 2400 } },
  { id: "none", label: "No time limit", tc: { system: "none" } },
];

/** {fields, payload(), describe(settings)} for the Quick match card. */
export function quickMatchForm() {
  const size = h("select", { id: "qm-size" }, [[9, "9 × 9"], [13, "13 × 13"], [19, "19 × 19"]].map(
    ([v, label]) => h("option", { value: v, selected: v === 19 }, label)));
  const time = h("select", { id: "qm-time" }, TIME_CLASSES.map((c) => h("option", { value: c.id, selected: c.id === "rapid" }, c.label)));
  const fields = [
    h("div", { class: "field" }, h("label", { for: "qm-size" }, "Size"), size),
    h("div", { class: "field" }, h("label", { for: "qm-time" }, "Time class"), time),
  ];
  return {
    fields,
    payload() {
      const tc = TIME_CLASSES.find((c) => c.id === time.value) ?? TIME_CLASSES[0];
      return { size: Number(size.value), time_control: tc.tc };
    },
    describe(settings) {
      if (!settings) return "a game";
      const s = settings.size ? `${settings.size}×${settings.size}` : "";
      return [s, describeTimeControl(settings.time_control)].filter(Boolean).join(", ");
    },
  };
}
