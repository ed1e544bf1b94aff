"""Nothing in the repository cites a document the repository lacks: every `*.md` a file names
(a path from the repository's root, from docs/, or from the citing file's folder) is there."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CITED = re.compile(r"[A-Za-z0-9_./-]*[A-Za-z0-9_-]+\.md\b")


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files"],  # noqa: S607 - git, on this repository
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.split()
    skipped = (".png", ".zip")
    return [ROOT / p for p in listed if not p.endswith(skipped) and (ROOT / p).is_file()]


def test_every_cited_document_is_in_the_repository() -> None:
    missing = []
    for path in _tracked_text_files():
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for cited in set(CITED.findall(text)):
            places = (ROOT, ROOT / "docs", path.parent)
            if not any((place / cited).exists() for place in places):
                missing.append(f"{path.relative_to(ROOT)} cites {cited}")
    assert not missing, missing


def test_the_check_would_see_a_missing_one() -> None:
    missing = "DESIGN" + ".md"  # spelt apart, so that this file does not cite it
    assert CITED.findall(f"see {missing} section 4") == [missing]
    assert not (ROOT / missing).exists()
