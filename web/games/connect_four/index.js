// Connect four as a game kind of the web client (see core/registry.js).

import { h } from "../../core/dom.js";
import { field, select } from "../../core/form.js";
import { ConnectFourView } from "./game.js";
import { replay, consistent, seatName } from "./grid.js";

function createForm() {
  const columns = select([4, 5, 6, 7, 8, 9, 10, 11, 12].map((n) => [n, String(n)]), 7);
  const rows = select([4, 5, 6, 7, 8, 9, 10, 11, 12].map((n) => [n, String(n)]), 6);
  const seat = select([["random", "Random"], ["red", "Red (drops first)"], ["yellow", "Yellow"]], "random");
  const opponent = select([["person", "A person"], ["bot", "The bot"]], "person");
  columns.id = "c4-columns"; rows.id = "c4-rows"; seat.id = "c4-seat"; opponent.id = "c4-opponent";
  const fields = h("div", { class: "form-grid" },
    field("Columns", columns), field("Rows", rows), field("Disc colour", seat), field("Opponent", opponent));
  const payload = () => {
    const p = { columns: Number(columns.value), rows: Number(rows.value), seat: seat.value };
    if (opponent.value === "bot") p.opponent = "bot";
    return p;
  };
  return { fields, payload };
}

export default {
  name: "connect_four",
  title: "Connect four",
  createForm,
  badge(s) {
    const c = s.settings?.columns ?? 7, r = s.settings?.rows ?? 6;
    return h("span", { class: "size-badge kind-badge" }, `4 in a row · ${c}×${r}`);
  },
  meta(s, { mine, running }) {
    if (running) return s.moves != null ? `Connect four · move ${s.moves}` : "Connect four";
    return ["Connect four", !mine && s.openSeat ? `you play ${seatName(s.openSeat).toLowerCase()}` : null].filter(Boolean).join(" · ");
  },
  mount: (root, ctx) => new ConnectFourView(root, ctx),
  replay,
  consistent,
};
