// Go as a game kind of the web client (see core/registry.js): its create-form fields, how the
// lobby describes a Go game, its game page, and its part of the store.

import { h } from "../../core/dom.js";
import { createForm } from "./create.js";
import { describeTimeControl } from "./clock.js";
import { rulesetName, describeResult } from "./rules.js";
import { quickMatchForm } from "./quickmatch.js";
import { GameView } from "./game.js";
import { replay, consistent } from "./replay.js";

/** The Go settings of a lobby summary, in whatever shape the server sends them. */
function goSettings(s) {
  const g = s.raw ?? {};
  const st = s.settings ?? {};
  return {
    size: Number(g.size ?? st.size ?? 19),
    komi: g.komi ?? st.komi,
    handicap: Number(g.handicap ?? st.handicap ?? 0),
    ruleset: g.ruleset ?? st.ruleset ?? null,
    tc: g.time_control ?? st.time_control,
  };
}

export default {
  name: "go",
  title: "Go",
  createForm,
  badge(s) {
    const { size } = goSettings(s);
    return h("span", { class: `size-badge s${size}` }, `${size}×${size}`);
  },
  meta(s, { mine, running }) {
    const g = goSettings(s);
    if (running) {
      return [
        describeTimeControl(g.tc),
        rulesetName(g.ruleset) || null,
        s.moves != null ? `move ${s.moves}` : null,
        s.phase === "scoring" ? "scoring" : null,
      ].filter(Boolean).join(" · ");
    }
    return [
      describeTimeControl(g.tc),
      rulesetName(g.ruleset) || null,
      g.komi !== undefined ? `komi ${g.komi}` : null,
      g.handicap ? `handicap ${g.handicap}` : null,
      !mine && s.openSeat ? `you play ${s.openSeat}` : null,
    ].filter(Boolean).join(" · ");
  },
  who(s) {
    return [
      h("span", { class: "stone-icon black", "aria-hidden": "true" }), s.seats.black ?? "?",
      h("span", { class: "vs" }, " vs "),
      h("span", { class: "stone-icon white", "aria-hidden": "true" }), s.seats.white ?? "?",
    ];
  },
  mount: (root, ctx) => new GameView(root, ctx),
  quickMatch: quickMatchForm,
  describeResult,
  sgf: true,
  replay,
  consistent,
};
