"""Say it once, as pure rules (domain/memory.py), on an in-memory store."""

from __future__ import annotations

from tests.fakes import FakeMemory
from vpc_remediator.domain.findings import Finding, FindingCode, Severity
from vpc_remediator.domain.outcomes import Report
from vpc_remediator.domain.plan import Plan
from vpc_remediator.domain.policy import Mode
from vpc_remediator.domain.said import Recollection, worth_saying

CONFLICT = Finding(FindingCode.ROUTE_CONFLICT, "subnet-1", "conflict", Severity.WARNING, True)
OTHER = Finding(FindingCode.SHARED_ROUTE_TABLE, "subnet-2", "shared", Severity.WARNING, True)
QUIET = Finding(FindingCode.UNDECIDED_SUBNET, "subnet-3", "left alone")


def report(*findings: Finding) -> Report:
    return Report(
        "eu-south-1", Mode.REMEDIATE, "vpc-1", (Plan(Mode.REMEDIATE, "vpc-1", findings=findings),)
    )


def told(memory: FakeMemory, r: Report) -> bool:
    recollection = Recollection(memory, [r])
    news = recollection.news(r)
    recollection.commit()
    return news


def test_a_finding_is_news_once_until_it_changes_or_comes_back() -> None:
    memory = FakeMemory()
    assert told(memory, report(CONFLICT))
    assert not told(memory, report(CONFLICT))
    assert told(memory, report(CONFLICT, OTHER))  # something new alongside
    assert not told(memory, report(OTHER, CONFLICT))
    assert not told(memory, report())  # resolved: forgotten, nothing to say
    assert memory.recall("said", "eu-south-1:vpc-1") is None
    assert told(memory, report(CONFLICT))  # back again


def test_only_what_needs_a_person_is_remembered_and_nothing_is_written_for_no_change() -> None:
    memory = FakeMemory()
    assert worth_saying(report(QUIET)) == frozenset()
    assert not told(memory, report(QUIET))
    assert memory.writes == 0
    told(memory, report(CONFLICT))
    writes = memory.writes
    told(memory, report(CONFLICT))
    assert memory.writes == writes


def test_without_a_store_everything_worth_a_notice_is_said() -> None:
    recollection = Recollection(None, [report(CONFLICT)])
    assert recollection.news(report(CONFLICT))
    assert not recollection.news(report(QUIET))
    recollection.commit()  # nothing to write to
