"""Where changes and findings go besides the notice: an EventBridge bus (`EventBusName`), for
other automation to react to, and Security Hub (`SecurityHubFindings`, and
`CoordinateWithSecurityHub` for its EC2.15 findings), where security teams look. Each outlet
sends what the service gives it after the notices; a failure is logged and counted, never a
failed invocation (the notice is out, and a retry would say it again)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..domain import asff, events
from ..domain.memory import Memory
from ..domain.outcomes import Report

if TYPE_CHECKING:
    from .clients import AwsClients


class EventBridgeOutlet:
    name = "Events"

    def __init__(self, clients: AwsClients, bus: str, account: str) -> None:
        self._clients = clients
        self.bus = bus
        self._account = account

    def send(
        self,
        changes: Sequence[Mapping[str, Any]],
        news: Sequence[Report],
        reports: Sequence[Report],
        *,
        listed: frozenset[str] | None = None,
    ) -> int:
        """Every change and the findings that are news on the bus; the number put. Raises if
        EventBridge refused any entry (with why)."""
        entries = events.change_events(changes, self._account) + events.finding_events(news)
        if not entries:
            return 0
        refused: list[str] = []
        for batch in events.batches([e | {"EventBusName": self.bus} for e in entries]):
            answer = self._clients.events.put_events(Entries=batch)  # type: ignore[arg-type]  # dicts built in the domain
            refused += [
                f"{e.get('ErrorCode')}: {e.get('ErrorMessage')}"
                for e in answer.get("Entries", ())
                if e.get("ErrorCode")
            ]
        if refused:
            raise RuntimeError(f"EventBridge refused {len(refused)} event(s): {refused[0]}")
        return len(entries)


class _InSecurityHub:
    """An outlet to the account's Security Hub, with a memory of what it told it."""

    def __init__(self, clients: AwsClients, account: str, memory: Memory) -> None:
        self._clients = clients
        self._account = account
        self._memory = memory


class SecurityHubOutlet(_InSecurityHub):
    """Findings that need a person, and changes made, in Security Hub CSPM (domain/asff.py);
    what was imported is remembered, so that each reconcile imports only what moved."""

    name = "SecurityHub"

    def send(
        self,
        changes: Sequence[Mapping[str, Any]],
        news: Sequence[Report],
        reports: Sequence[Report],
        *,
        listed: frozenset[str] | None = None,
    ) -> int:
        region = self._clients.region
        prefix = f"{region}:"
        before = {
            key[len(prefix) :]: value.get("ids", {})
            for key, value in self._memory.recall_all(asff.KIND, prefix=prefix).items()
        }
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        planned = asff.imports(
            reports, changes, before, account=self._account, region=region, now=now, listed=listed
        )
        for batch in asff.batches(planned.findings):
            answer = self._clients.securityhub.batch_import_findings(Findings=batch)  # type: ignore[arg-type]  # built in the domain
            if answer.get("FailedCount"):
                failed = answer.get("FailedFindings", [{}])[0]
                raise RuntimeError(
                    f"Security Hub refused {answer['FailedCount']} finding(s): "
                    f"{failed.get('ErrorCode')}: {failed.get('ErrorMessage')}"
                )
        for vpc, ids in planned.remembered.items():
            if ids:
                self._memory.remember(asff.KIND, f"{prefix}{vpc}", {"ids": ids}, days=None)
            else:
                self._memory.forget(asff.KIND, f"{prefix}{vpc}")
        return len(planned.findings)


class SecurityHubCoordination(_InSecurityHub):
    """With CoordinateWithSecurityHub=true: the EC2.15 finding of a subnet whose own intent tag
    says public is suppressed, with a note saying why (Automated Security Response skips suppressed
    findings), so that the two tools agree instead of one undoing the other. Each finding is
    suppressed once (remembered)."""

    name = "SecurityHubCoordination"

    def send(
        self,
        changes: Sequence[Mapping[str, Any]],
        news: Sequence[Report],
        reports: Sequence[Report],
        *,
        listed: frozenset[str] | None = None,
    ) -> int:
        region = self._clients.region
        public = asff.tagged_public(reports)
        prefix = f"{region}:"
        done = set(self._memory.keys(asff.SUPPRESSED_KIND, prefix=prefix))
        wanted = {
            asff.subnet_arn(s, region, self._account): (s, why)
            for s, why in public.items()
            if f"{prefix}{s}" not in done
        }
        if not wanted:
            return 0
        hub = self._clients.securityhub
        found = [
            f
            for page in hub.get_paginator("get_findings").paginate(
                Filters=asff.ec2_15_filters(wanted)  # type: ignore[arg-type]  # built in the domain
            )
            for f in page["Findings"]
        ]
        suppressed = 0
        for finding in found:
            arns = [r["Id"] for r in finding["Resources"] if r["Id"] in wanted]
            if not arns:
                continue
            subnet, why = wanted[arns[0]]
            answer = hub.batch_update_findings(
                FindingIdentifiers=[{"Id": finding["Id"], "ProductArn": finding["ProductArn"]}],
                Workflow={"Status": "SUPPRESSED"},
                Note={"Text": asff.suppression_note(subnet, why), "UpdatedBy": "vpc-remediator"},
            )
            if answer.get("UnprocessedFindings"):
                failed = answer["UnprocessedFindings"][0]
                raise RuntimeError(
                    f"Security Hub did not suppress {finding['Id']}: "
                    f"{failed.get('ErrorCode')}: {failed.get('ErrorMessage')}"
                )
            self._memory.remember(
                asff.SUPPRESSED_KIND, f"{prefix}{subnet}", {"finding": finding["Id"]}, days=None
            )
            suppressed += 1
        return suppressed
