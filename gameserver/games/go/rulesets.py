"""The rulesets a Go server offers, as data: one frozen :class:`Ruleset` per rule text.

The six are the ones online-go.com lets players choose: Japanese, Korean, Chinese, AGA,
New Zealand and Ing. Each says how the game is counted, which suicides and repetitions are
allowed, the default komi, what White gets back for Black's handicap stones, whether those
stones may be placed freely, and how points in seki count. ``docs/go-rules.md`` names the rule
text each choice follows.

Nothing here plays or counts anything: ``game.py`` and ``scoring.py`` read these values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from gameserver.games.go.errors import SettingsError

__all__ = [
    "RULESETS",
    "Compensation",
    "Placement",
    "Ruleset",
    "RulesetName",
    "Scoring",
    "Suicide",
    "Superko",
    "ruleset",
    "ruleset_from_sgf",
]

RulesetName = Literal["japanese", "korean", "chinese", "aga", "new_zealand", "ing"]
#: area: stones + surrounded points; territory: surrounded points + prisoners
Scoring = Literal["area", "territory"]
#: forbidden; multi_stone: a play may remove its own chain of two or more stones (a lone stone
#: left without a liberty is still refused); allowed: any self-capture, a lone stone included
Suicide = Literal["forbidden", "multi_stone", "allowed"]
#: none: simple ko only; positional: no earlier board may recur; situational: no earlier board
#: with the same player to move may recur
Superko = Literal["positional", "situational", "none"]
#: what White gets for Black's N handicap stones: nothing, N points, or N - 1 points
Compensation = Literal["none", "per_stone", "per_stone_after_first"]
#: fixed: the star points (the GTP ``fixed_handicap`` layout); free: Black puts them anywhere
Placement = Literal["fixed", "free"]


@dataclass(frozen=True, slots=True)
class Ruleset:
    """One rule text, reduced to the choices the rules library makes."""

    name: RulesetName
    #: how people call it ("New Zealand")
    title: str
    scoring: Scoring
    suicide: Suicide
    superko: Superko
    #: komi of an even game, and of a handicap game (both when the players do not say)
    komi: float
    handicap_komi: float
    compensation: Compensation
    #: where handicap stones go unless the players say otherwise
    placement: Placement
    #: whether Black may place handicap stones anywhere (else only the fixed layout)
    free_placement: bool
    #: whether the empty points of a group in seki (its eyes) count for it
    seki_points: bool
    #: two passes end play only when White passes second (AGA: White passes last)
    white_passes_last: bool
    #: the SGF ``RU`` value written for it
    sgf: str

    def default_komi(self, handicap: int) -> float:
        """Komi when the players give none: ``handicap_komi`` once there are stones."""
        return self.handicap_komi if handicap >= 2 else self.komi

    def handicap_compensation(self, handicap: int) -> int:
        """Points White adds to its score for ``handicap`` stones (none below 2 stones)."""
        if handicap < 2 or self.compensation == "none":
            return 0
        return handicap if self.compensation == "per_stone" else handicap - 1


RULESETS: dict[str, Ruleset] = {
    r.name: r for r in (
        Ruleset("japanese", "Japanese", "territory", "forbidden", "none", 6.5, 0.5, "none",
                "fixed", False, False, False, "Japanese"),
        Ruleset("korean", "Korean", "territory", "forbidden", "none", 6.5, 0.5, "none",
                "fixed", False, False, False, "Korean"),
        Ruleset("chinese", "Chinese", "area", "forbidden", "positional", 7.5, 0.5, "per_stone",
                "free", True, True, False, "Chinese"),
        Ruleset("aga", "AGA", "area", "forbidden", "situational", 7.5, 0.5,
                "per_stone_after_first", "fixed", True, True, True, "AGA"),
        Ruleset("new_zealand", "New Zealand", "area", "allowed", "situational", 7.0, 0.0,
                "none", "free", True, True, False, "NZ"),
        Ruleset("ing", "Ing", "area", "multi_stone", "positional", 7.5, 0.5, "none",
                "free", True, True, False, "GOE"),
    )
}

_EXPECTED = ", ".join(f'"{name}"' for name in RULESETS)

#: words of an SGF ``RU`` value (lower case) -> ruleset
_SGF_WORDS: dict[str, RulesetName] = {
    "japanese": "japanese", "japan": "japanese", "jp": "japanese",
    "korean": "korean", "korea": "korean",
    "chinese": "chinese", "china": "chinese", "cn": "chinese",
    "aga": "aga",
    "nz": "new_zealand", "zealand": "new_zealand",
    "goe": "ing", "ing": "ing", "sst": "ing",
}


def ruleset(name: object) -> Ruleset:
    """The ruleset called ``name``; a :class:`SettingsError` naming the choices otherwise."""
    found = RULESETS.get(name) if isinstance(name, str) else None
    if found is None:
        raise SettingsError("ruleset", name, _EXPECTED)
    return found


def ruleset_from_sgf(value: str) -> Ruleset:
    """The ruleset an SGF ``RU`` value names (``Japanese``, ``NZ``, ``GOE``, ``new_zealand``,
    ...), by its first word that names one; Chinese when none does."""
    text = value.strip().lower()
    if text in RULESETS:
        return RULESETS[text]
    for word in re.findall(r"[a-z]+", text):
        if word in _SGF_WORDS:
            return RULESETS[_SGF_WORDS[word]]
    return RULESETS["chinese"]
