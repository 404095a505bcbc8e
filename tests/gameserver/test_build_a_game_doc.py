"""docs/build-a-game.md shows real code: every block it attributes to a file is in that file,
word for word (the files are run by examples/rps/test_rps.py and e2e/test_rps.py)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "build-a-game.md"
BLOCK = re.compile(r"^`([\w./-]+)`:\n\n```\w+\n(.*?)```$", re.M | re.S)


def test_every_code_block_of_the_guide_is_in_the_file_it_names() -> None:
    blocks = BLOCK.findall(GUIDE.read_text())
    assert len(blocks) >= 10
    for path, code in blocks:
        assert code in (ROOT / path).read_text(), f"{path} no longer holds:\n{code}"


def test_the_guide_names_files_that_exist() -> None:
    text = GUIDE.read_text()
    for path in set(re.findall(r"`((?:examples|web|e2e|tests|gameserver)/[\w./-]+\.(?:py|js))`",
                               text)):
        assert (ROOT / path).is_file(), path
