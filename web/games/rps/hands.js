// Rock, paper, scissors' pure helpers (no DOM): texts for rounds and results. The game is
// examples/rps; its seats are "one" and "two", and each seat sees only its own hidden choice.

export const HANDS = ["rock", "paper", "scissors"];
export const SEATS = ["one", "two"];
export const otherSeat = (seat) => (seat === "one" ? "two" : "one");
export const handName = (hand) => (hand ? hand[0].toUpperCase() + hand.slice(1) : "No choice");

/** A seat's name for people: the player's name, else "Player 1" / "Player 2". */
export function seatLabel(game, seat) {
  return game.players?.[seat]?.name ?? (seat === "one" ? "Player 1" : "Player 2");
}

/** "Round 2: Rock against Scissors, Ann wins." */
export function describeRound(game, round, index) {
  const winner = round.one === round.two ? null
    : round.two == null || (round.one != null && { rock: "scissors", paper: "rock", scissors: "paper" }[round.one] === round.two) ? "one" : "two";
  const who = winner ? `${seatLabel(game, winner)} wins` : "a tie";
  return `Round ${index + 1}: ${handName(round.one)} against ${handName(round.two)}, ${who}.`;
}

/** The headline of a finished game: "Ann wins", "Game cancelled: nobody joined". */
export function describeResult(game) {
  const r = game.result;
  if (!r) return "";
  if (r === "Void") return "Game cancelled: nobody joined";
  const m = /^(one|two) wins$/.exec(r);
  return m ? `${seatLabel(game, m[1])} wins` : String(r);
}

/** What the player (or a spectator) is told about the round in progress. */
export function roundPrompt(game, mine) {
  if (game.phase === "waiting") return "Waiting for an opponent.";
  if (game.phase === "finished") return `${describeResult(game) || "Game over"}.`;
  if (!mine) {
    const done = SEATS.filter((s) => game.chosen?.[s]).map((s) => seatLabel(game, s));
    return done.length ? `${done.join(" and ")} chose.` : "Both players are choosing.";
  }
  if (game.mine) {
    return `You chose ${game.mine}. ${game.chosen?.[otherSeat(mine)] ? "" : `Waiting for ${seatLabel(game, otherSeat(mine))}…`}`.trim();
  }
  return game.chosen?.[otherSeat(mine)] ? `${seatLabel(game, otherSeat(mine))} has chosen. Your choice.` : "Your choice.";
}
