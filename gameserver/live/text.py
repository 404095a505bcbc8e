"""What people type that other people see: display names and chat lines, made safe to show.

Pure functions. Both drop the characters that change how the text around them looks without
being seen themselves: bidirectional controls (U+202E turns "\u202egnp.exe" into what looks
like "exe.png") and zero-width characters (every format character, Unicode category Cf).

Names are also NFKC-normalized (full-width and other compatibility forms become plain ones,
so "\uff21lice" is "Alice"), may hold letters, digits, space and `_-.'` only, no invisible
letters (the Hangul fillers, which count as letters), no letters of two of the scripts that
look alike (Latin, Greek, Cyrillic: "\u0410lice" with a Cyrillic A), and no name a bot plays
under.
"""

from __future__ import annotations

import re
import unicodedata

from gameserver.wire.errors import BadRequest

NAME_PUNCTUATION = frozenset(" _-.'")
#: letters that show as nothing (Hangul fillers: U+115F, U+1160, U+3164, U+FFA0)
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
#: scripts whose letters are mistaken for one another; a name keeps to one of them
LOOKALIKE_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")
#: names that bots play under, or that look like one (compared case-folded, spaces squeezed)
_BOT_NAME = re.compile(r"(built-?in|gnu ?go|server|admin|system)\b.*|(.* )?bot( .*)?|bot\d*")


def strip_invisible(text: str) -> str:
    """`text` without format characters (Cf: bidi controls, zero-width space/joiners, BOM,
    word joiner, soft hyphen...)."""
    if text.isascii():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _script(ch: str) -> str | None:
    if ch.isascii():
        return "LATIN" if ch.isalpha() else None
    name = unicodedata.name(ch, "")
    for script in LOOKALIKE_SCRIPTS:
        if name.startswith(script + " "):
            return script
    return None


def reserved_name(name: str) -> bool:
    """Whether `name` is one a bot plays under (or could pass for one)."""
    return _BOT_NAME.fullmatch(" ".join(name.casefold().split())) is not None


def clean_name(name: str, max_length: int) -> str:
    """A display name, normalized, or `BadRequest` saying what is wrong with it."""
    name = " ".join(strip_invisible(unicodedata.normalize("NFKC", name)).split())
    if not name:
        raise BadRequest("the name is empty")
    if len(name) > max_length:
        raise BadRequest(f"the name is longer than {max_length} characters")
    scripts = set()
    for ch in name:
        if ch in INVISIBLE_LETTERS:
            raise BadRequest(f"the name may not hold invisible letters (U+{ord(ch):04X})")
        if not (ch.isalnum() or ch in NAME_PUNCTUATION):
            raise BadRequest(f"the name may only hold letters, digits, spaces and _-.' "
                             f"(not {ch!r})")
        script = _script(ch)
        if script is not None:
            scripts.add(script)
    if len(scripts) > 1:
        raise BadRequest(f"the name mixes letters of look-alike scripts "
                         f"({', '.join(sorted(s.title() for s in scripts))})")
    if reserved_name(name):
        raise BadRequest(f"the name {name!r} is kept for the server's bots")
    return name


def clean_chat(text: str) -> str:
    """A chat line without invisible format characters, trimmed (may come back empty)."""
    return strip_invisible(unicodedata.normalize("NFC", text)).strip()
