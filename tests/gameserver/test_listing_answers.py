"""Encoded listing answers are kept while the listing's version stays, and bounded."""

from collections.abc import Callable

from gameserver.live.listing import Answers


def test_answers_are_built_once_per_version_and_key() -> None:
    """A kept answer is given while the version stays; a new version builds anew; no more
    than `kept` are held."""
    answers = Answers(kept=2)
    built: list[str] = []

    def make(text: str) -> Callable[[], bytes]:
        def build() -> bytes:
            built.append(text)
            return text.encode()
        return build

    assert answers.get(1, "a", make("a1")) == b"a1"
    assert answers.get(1, "a", make("never")) == b"a1"
    assert answers.get(2, "a", make("a2")) == b"a2"
    assert answers.get(2, "b", make("b2")) == b"b2"
    assert answers.get(2, "c", make("c2")) == b"c2"  # over `kept`: the others are dropped
    assert answers.get(2, "a", make("a2 again")) == b"a2 again"
    assert built == ["a1", "a2", "b2", "c2", "a2 again"] and answers.made == 5
