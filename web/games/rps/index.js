// Rock, paper, scissors (examples/rps, served with --games go,examples.rps.game) as a game kind
// of the web client (see core/registry.js).

import { h } from "../../core/dom.js";
import { field, select } from "../../core/form.js";
import { RpsView } from "./game.js";

function createForm() {
  const rounds = select([[1, "1"], [3, "3"], [5, "5"], [7, "7"]], 3);
  const seconds = select([[0, "No limit"], [10, "10 s"], [30, "30 s"], [60, "1 min"]], 0);
  const seat = select([["random", "Random"], ["one", "Player 1"], ["two", "Player 2"]], "random");
  rounds.id = "rps-rounds"; seconds.id = "rps-seconds"; seat.id = "rps-seat";
  return {
    fields: h("div", { class: "form-grid" }, field("Best of (rounds)", rounds), field("Time per round", seconds), field("Seat", seat)),
    payload: () => ({ rounds: Number(rounds.value), round_seconds: Number(seconds.value), seat: seat.value }),
  };
}

export default {
  name: "rps",
  title: "Rock, paper, scissors",
  createForm,
  badge: (s) => h("span", { class: "size-badge kind-badge" }, `RPS · best of ${s.settings?.rounds ?? 3}`),
  meta: (s, { running }) => (running && s.moves != null ? `Rock, paper, scissors · round ${s.moves + 1}` : "Rock, paper, scissors"),
  mount: (root, ctx) => new RpsView(root, ctx),
};
