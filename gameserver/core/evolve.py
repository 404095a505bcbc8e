"""`evolve(value, **changes)`: `dataclasses.replace` for the frozen, slotted values on the move
path, at a fraction of its cost.

`dataclasses.replace` looks up the fields and runs the class's `__init__` on every call
(about 3.5 us for `Match`'s 20 fields, several times per move). `evolve` compiles, once per
class and set of changed fields, a function that copies the other slots straight into a new
instance and sets the changed ones (no per-field test of whether it changed). Unknown field
names raise `TypeError`, as with `replace`. Use it only for frozen dataclasses with
`slots=True` and no `__post_init__` (it does not run `__init__`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["evolve"]

T = TypeVar("T")

#: (class, changed field names in call order) -> the compiled copy; a class's fields never
#: change, so an entry never goes stale
_compiled: dict[tuple[type[Any], tuple[str, ...]], Callable[..., Any]] = {}


def evolve(value: T, **changes: Any) -> T:
    """A copy of `value` with `changes` applied."""
    key = (type(value), tuple(changes))
    fn = _compiled.get(key)
    if fn is None:
        fn = _compiled[key] = _compile(*key)
    result: T = fn(value, **changes)
    return result


def _compile(cls: type[Any], changed: tuple[str, ...]) -> Callable[..., Any]:
    if "__slots__" not in cls.__dict__ or hasattr(cls, "__post_init__"):
        raise TypeError(f"evolve() needs a slotted dataclass without __post_init__, "
                        f"not {cls.__name__}")
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = [name for name in changed if name not in names]
    if unknown:
        raise TypeError(f"evolve() got an unexpected keyword argument {unknown[0]!r} "
                        f"for {cls.__name__}")
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def evolve(o, *, {', '.join(changed)}):" if changed else "def evolve(o):",
             "    n = _new(_cls)"]
    for i, name in enumerate(names):
        scope[f"_set{i}"] = cls.__dict__[name].__set__
        lines.append(f"    _set{i}(n, {name})" if name in changed
                     else f"    _set{i}(n, o.{name})")
    lines.append("    return n")
    exec("\n".join(lines), scope)  # generated from the class's own field names
    fn: Callable[..., Any] = scope["evolve"]
    return fn
