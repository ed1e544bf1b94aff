"""The README reads in the order a platform engineer needs it (issue 20): what it is and what it
changes in their account, on the first screen; trying it; deploying; settings; how it decides;
the launchers; the organisation; then what contributors need."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
FIRST_SCREEN = 40  # lines


def test_the_sections_come_in_the_order_a_user_needs_them() -> None:
    sections = re.findall(r"^## (.+)$", README, flags=re.MULTILINE)
    expected = [
        "Try it in a minute",
        "Deploy",
        "Settings",
        "How it decides",
        "The launchers",
        "The organisation",
        "For contributors",
    ]
    found = [next((s for s in sections if s.startswith(e)), "") for e in expected]
    assert all(found), dict(zip(expected, found, strict=True))
    assert [sections.index(s) for s in found] == sorted(sections.index(s) for s in found)
    assert len(sections) == len(expected)  # nothing between them at this level


def test_what_it_changes_in_an_account_is_on_the_first_screen() -> None:
    screen = README.splitlines()[:FIRST_SCREEN]
    table = [line for line in screen if line.startswith("| ")]
    assert table[0].startswith("| it may | when | never |")
    changes = " ".join(table[1:])
    for change in ("route table", "0.0.0.0/0", "MapPublicIpOnLaunch", "internet gateway", "tag"):
        assert change in changes, change
    assert any("## Try it in a minute" in line for line in screen)


def test_trying_it_on_an_account_comes_before_anything_about_deploying() -> None:
    audit = README.index("vpc-remediator audit --region")
    assert audit < README.index("## Deploy") and audit < README.index("make deploy")
    assert README.index("make demo") < README.index("## Deploy")


def test_every_template_parameter_is_in_the_settings_table_with_its_flag() -> None:
    table = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    template = (Path(__file__).resolve().parents[2] / "template.yaml").read_text()
    block = re.split(r"^[A-Z]\w*:", template.split("\nParameters:\n", 1)[1], flags=re.MULTILINE)[0]
    parameters = re.findall(r"^  ([A-Z][A-Za-z0-9]+):$", block, flags=re.MULTILINE)
    assert parameters
    named = {row.split("`")[1]: row.split(" | ")[2] for row in rows}
    assert set(parameters) <= set(named), set(parameters) - set(named)
    assert named["DefaultVpc"] == "`--default-vpc`"
