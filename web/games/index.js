// Every game kind this client has a page for, in the order the lobby offers them (the first is
// the default). A new game: write web/games/<name>/index.js (see core/registry.js) and add it here.

import { Registry } from "../core/registry.js";
import go from "./go/index.js";
import connectFour from "./connect_four/index.js";
import rps from "./rps/index.js";

export const GAMES = new Registry([go, connectFour, rps]);
