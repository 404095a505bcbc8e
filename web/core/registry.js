// The game kinds this client knows. Each kind is a plain object, its module's default export:
//
//   {
//     name: "go",                       // the server's game name (`Game.game`, `create {game}`)
//     title: "Go",                      // for people: lobby picker, badges, page titles
//     createForm() -> {fields, payload} // the lobby's create-form fields for this kind:
//                                       //   fields: an Element (labelled controls),
//                                       //   payload(): the `create` request's fields (without `game`)
//     badge(summary) -> Element         // optional: the lobby row's badge (default: the title)
//     meta(summary, {mine}) -> string   // optional: the lobby row's details ("9×9 · Chinese rules")
//     mount(root, ctx) -> view          // the game page; ctx = {conn, store, sound, gameId};
//                                       //   view has destroy(), online(), and optionally
//                                       //   render() and setStatus()
//     replay(moves, event) -> moves     // optional: append to `moves` from an update's event
//     consistent(game) -> boolean       // optional: a sanity check of the copy (false: resync)
//     quickMatch() -> {fields, payload(), describe(settings)}
//                                       // optional: the lobby's Quick match fields (Go: size,
//                                       //   time class); describe() words a wait's settings
//     describeResult(result) -> string  // optional: "B+R" -> "Black wins by resignation"
//     sgf: true                         // optional: api/games/<id>/sgf serves its record
//   }
//
// `summary` is core/lobby.js's summarize(GameSummary): {id, kind, phase, settings, seats
// (seat -> name or null), ids, creator, creatorId, moves, createdAt, openSeat, raw}.
// web/games/index.js lists the kinds; a new game adds one import and one entry there.

export class Registry {
  constructor(kinds = []) {
    this.byName = new Map();
    for (const k of kinds) this.add(k);
  }

  add(kind) {
    for (const key of ["name", "title", "createForm", "mount"]) {
      if (kind?.[key] == null) throw new Error(`a game kind needs "${key}" (got ${JSON.stringify(Object.keys(kind ?? {}))})`);
    }
    if (this.byName.has(kind.name)) throw new Error(`game kind "${kind.name}" is registered twice`);
    this.byName.set(kind.name, kind);
    return this;
  }

  get(name) { return this.byName.get(name) ?? null; }

  /** The first kind registered: the one a game of unknown kind is shown with. */
  get fallback() { return this.byName.values().next().value ?? null; }

  /** Every kind, in registration order. */
  all() { return [...this.byName.values()]; }

  /** The kinds a server serves (its names in its order) that this client has a page for. */
  served(names) {
    if (!Array.isArray(names)) return this.all();
    return names.map((n) => this.get(n)).filter(Boolean);
  }
}
