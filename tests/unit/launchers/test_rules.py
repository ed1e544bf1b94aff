"""Each launcher's rules, pure, over the layouts that decide them (tests/launch_expectations).

Every row cites the rule of the launcher's source it checks; the launcher modules cite the
file and function. `make crosscheck` runs the same rows through the launchers' own code.
"""

from __future__ import annotations

import pytest

from tests.launch_expectations import ROWS, Row
from tests.launch_scenarios import SCENARIOS, keys, view
from vpc_remediator.domain.launchers import LAUNCHERS
from vpc_remediator.domain.launchers.view import LaunchMode

DECIDE = {launcher.name: launcher.decide for launcher in LAUNCHERS}


@pytest.mark.parametrize("expected", ROWS, ids=lambda r: r.id)
def test_the_launcher_decides_as_its_own_code(expected: Row) -> None:
    decision = DECIDE[expected.launcher](
        view(SCENARIOS[expected.scenario]), LaunchMode(expected.mode), expected.config
    )
    assert decision.ready is expected.ready, (expected.rule, decision.reason)
    if expected.ready:
        assert keys({}, decision.vpc_id) == expected.vpc, expected.rule
        assert keys({}, decision.subnet_ids) == expected.subnets, expected.rule
    else:
        assert (decision.vpc_id, decision.subnet_ids) == (None, ())


def test_every_launcher_and_mode_has_rows_and_every_layout_is_used() -> None:
    covered = {(r.launcher, r.mode) for r in ROWS}
    assert covered == {(launcher.name, str(m)) for launcher in LAUNCHERS for m in LaunchMode}
    assert {r.scenario for r in ROWS} == set(SCENARIOS)


SOURCES = ("EKS-NET", "EKS-MNG", "EKS-PRIV", "EKS-TAG", "LBC", "BATCH", "PC-VAL", "PC-NET", "KARP")


def test_every_row_of_a_launcher_that_takes_subnets_as_given_cites_its_source() -> None:
    """Their rules are not code one can run here (Go, or a service): each row names the
    documentation or source it follows (the keys are listed in tests/launch_expectations)."""
    given = {"eks", "batch", "parallelcluster", "karpenter"}
    rows = [r for r in ROWS if r.launcher in given]
    assert {r.launcher for r in rows} == given
    uncited = [r.id for r in rows if not r.rule.startswith(SOURCES)]
    assert uncited == []
