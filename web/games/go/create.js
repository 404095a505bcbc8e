// Go's fields of the lobby's create form: board size, komi, handicap, rules, time control,
// colour and opponent. The lobby (core/lobby.js) puts them in its form and sends `payload()`.

import { h, show } from "../../core/dom.js";
import { field, select } from "../../core/form.js";
import { RULESETS } from "./rules.js";

export const PRESETS = [
  { id: "rapid", label: "Rapid · 10 min + 5 × 30 s byo-yomi", tc: { system: "byoyomi", main: 600, periods: 5, period: 30 } },
  { id: "blitz", label: "Blitz · 3 min + 10 s Fischer", tc: { system: "fischer", main: 180, increment: 10, max: 600 } },
  { id: "live", label: "Live · 20 min + 30 s Fischer", tc: { system: "fischer", main: 1200, increment: 30, max: 2400 } },
  { id: "canadian", label: "Canadian · 10 min + 25 stones / 5 min", tc: { system: "canadian", main: 600, stones: 25, period: 300 } },
  { id: "absolute", label: "Sudden death · 15 min", tc: { system: "absolute", main: 900 } },
  { id: "none", label: "No time limit", tc: { system: "none" } },
  { id: "custom", label: "Custom…", tc: null },
];

export function createForm() {
  const size = select([[9, "9 × 9"], [13, "13 × 13"], [19, "19 × 19"]], 19);
  const komi = h("input", { type: "number", step: "0.5", min: "-50", max: "50", value: "6.5", inputmode: "decimal" });
  const handicap = select([[0, "None"], ...[2, 3, 4, 5, 6, 7, 8, 9].map((n) => [n, `${n} stones`])], 0);
  const ruleset = select(RULESETS.map((r) => [r.id, r.label]), "japanese");
  const placement = select([["fixed", "Fixed (star points)"], ["free", "Free (Black places them)"]], "fixed");
  const placementField = h("div", { class: "span-2" }, field("Handicap stones", placement));
  const time = select(PRESETS.map((p) => [p.id, p.label]), "rapid");
  const colour = select([["random", "Random"], ["black", "Black"], ["white", "White"]], "random");
  const opponent = select([["person", "A person"], ["bot", "The bot"]], "person");

  const system = select([["byoyomi", "Byo-yomi"], ["fischer", "Fischer"], ["canadian", "Canadian"], ["absolute", "Sudden death"], ["none", "None"]], "byoyomi");
  const num = (value, min = 0) => h("input", { type: "number", min, step: "1", value, inputmode: "numeric" });
  // Main time may be a fraction of a minute (0.5 = 30 s); the rest are whole numbers.
  const main = h("input", { type: "number", min: 0, step: "any", value: 10, inputmode: "decimal" });
  const increment = num(10), max = num(20), periods = num(5, 1), period = num(30, 1), stones = num(25, 1);
  const timeFields = {
    main: field("Main time (minutes)", main),
    increment: field("Increment (seconds)", increment),
    max: field("Maximum (minutes)", max),
    periods: field("Periods", periods),
    period: field("Period (seconds)", period),
    stones: field("Stones per period", stones),
  };
  const custom = h("fieldset", { class: "custom-time", hidden: true },
    h("legend", {}, "Custom time"), field("System", system), ...Object.values(timeFields));
  const uses = {
    byoyomi: ["main", "periods", "period"], fischer: ["main", "increment", "max"],
    canadian: ["main", "stones", "period"], absolute: ["main"], none: [],
  };
  const syncCustom = () => {
    show(custom, time.value === "custom");
    for (const [k, f] of Object.entries(timeFields)) show(f, uses[system.value].includes(k));
  };
  time.addEventListener("change", syncCustom);
  system.addEventListener("change", syncCustom);
  syncCustom();

  let komiTouched = false;
  komi.addEventListener("input", () => { komiTouched = true; });
  const rules = () => RULESETS.find((r) => r.id === ruleset.value) ?? RULESETS[0];
  const defaults = () => {
    const r = rules();
    if (!komiTouched) komi.value = String(Number(handicap.value) > 0 ? r.handicapKomi : r.komi);
    // Free placement is offered only where the rules allow it.
    show(placementField, Number(handicap.value) > 0 && r.free);
    if (!r.free) placement.value = "fixed";
  };
  const rulesChanged = () => {
    placement.value = rules().freeByDefault ? "free" : "fixed";
    defaults();
  };
  handicap.addEventListener("change", defaults);
  ruleset.addEventListener("change", rulesChanged);
  rulesChanged();

  const timeControl = () => {
    if (time.value !== "custom") return PRESETS.find((p) => p.id === time.value).tc;
    const n = (input) => Math.max(0, Number(input.value) || 0);
    const mainS = Math.round(n(main) * 60 * 1000) / 1000; // whole ms, no 6.000000000000001
    switch (system.value) {
      case "byoyomi": return { system: "byoyomi", main: mainS, periods: Math.max(1, n(periods)), period: Math.max(1, n(period)) };
      case "fischer": return { system: "fischer", main: mainS, increment: n(increment), max: n(max) * 60 };
      case "canadian": return { system: "canadian", main: mainS, stones: Math.max(1, n(stones)), period: Math.max(1, n(period)) };
      case "absolute": return { system: "absolute", main: mainS || 60 };
      default: return { system: "none" };
    }
  };
  const fields = h("div", { class: "form-grid" },
    field("Board size", size), field("Komi", komi), field("Handicap", handicap), field("Rules", ruleset),
    placementField,
    h("div", { class: "span-2" }, field("Time control", time)), custom,
    field("Colour", colour), field("Opponent", opponent));
  const payload = () => {
    const p = {
      size: Number(size.value),
      komi: Number(komi.value) || 0,
      handicap: Number(handicap.value),
      ruleset: ruleset.value,
      handicap_placement: placement.value,
      time_control: timeControl(),
      color: colour.value,
    };
    if (opponent.value === "bot") p.opponent = "bot";
    return p;
  };
  return { fields, payload };
}
