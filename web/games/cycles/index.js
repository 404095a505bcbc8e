// Light cycles (gameserver/games/cycles) as a game kind of the web client (see core/registry.js).

import { h } from "../../core/dom.js";
import { field, select } from "../../core/form.js";
import { CyclesView } from "./game.js";
import { replay } from "./arena.js";

function createForm() {
  const players = select([[2, "2"], [3, "3"], [4, "4"]], 2);
  const size = select([16, 24, 32, 48, 64].map((n) => [n, `${n}×${n}`]), 32);
  const speed = select([[10, "10 ticks/s"], [15, "15 ticks/s"], [20, "20 ticks/s"]], 10);
  const countdown = select([[1, "1 s"], [3, "3 s"], [5, "5 s"]], 3);
  const seat = select([["random", "Random"], ["red", "Red"], ["blue", "Blue"], ["green", "Green"], ["yellow", "Yellow"]], "random");
  players.id = "cy-players"; size.id = "cy-size"; speed.id = "cy-speed"; countdown.id = "cy-countdown"; seat.id = "cy-seat";
  const fields = h("div", { class: "form-grid" }, field("Riders", players), field("Grid size", size),
    field("Speed", speed), field("Countdown", countdown), field("Cycle colour", seat));
  const payload = () => ({ players: Number(players.value), size: Number(size.value), tick_rate: Number(speed.value),
    countdown: Number(countdown.value), seat: seat.value });
  return { fields, payload };
}

export default {
  name: "cycles",
  title: "Light cycles",
  createForm,
  badge(s) {
    const n = s.settings?.size ?? 32;
    return h("span", { class: "size-badge kind-badge" }, `Cycles · ${n}×${n}`);
  },
  meta(s, { running }) {
    const riders = `${s.settings?.players ?? 2} riders`;
    return running && s.moves != null ? `Light cycles · ${riders} · tick ${s.moves}` : `Light cycles · ${riders}`;
  },
  mount: (root, ctx) => new CyclesView(root, ctx),
  replay,
};
