"""Environment -> one frozen, validated Settings (docs/design.md section 7).

Read once, when the first invocation asks for it (never at import time). A bad value fails
loudly with the name of the variable, before any AWS call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from ..domain.policy import (
    DEFAULT_INTENT_TAG_KEY,
    DEFAULT_PRIVATE_NAME_WORDS,
    DEFAULT_PUBLIC_NAME_WORDS,
    DefaultVpc,
    Mode,
    Policy,
    RouteStrategy,
)
from ..domain.presence import families as launcher_families
from ..domain.provenance import CallerKind
from ..domain.settle import MAX_SETTLE_SECONDS

ENV_MODE = "VPCR_MODE"
ENV_ROUTE_STRATEGY = "VPCR_ROUTE_STRATEGY"
ENV_MAP_PUBLIC_IP = "VPCR_MAP_PUBLIC_IP"
ENV_CREATE_INTERNET_GATEWAY = "VPCR_CREATE_INTERNET_GATEWAY"
ENV_RESTORE_DEFAULT_VPC = "VPCR_RESTORE_DEFAULT_VPC"
ENV_INTENT_TAG_KEY = "VPCR_INTENT_TAG_KEY"
ENV_PRIVATE_NAME_WORDS = "VPCR_PRIVATE_NAME_WORDS"
ENV_ADD_PRIVATE_NAME_WORDS = "VPCR_ADD_PRIVATE_NAME_WORDS"
ENV_ADD_PUBLIC_NAME_WORDS = "VPCR_ADD_PUBLIC_NAME_WORDS"
ENV_PUBLIC_NAME_WORDS = "VPCR_PUBLIC_NAME_WORDS"
ENV_ASSIGN_IPV6 = "VPCR_ASSIGN_IPV6_ON_CREATION"
ENV_AUTO_INTENT_FROM = "VPCR_AUTO_INTENT_FROM"
ENV_DEFAULT_VPC = "VPCR_DEFAULT_VPC"
ENV_MEMORY_TABLE = "VPCR_MEMORY_TABLE"
ENV_IAC_TAG_KEYS = "VPCR_IAC_TAG_KEYS"
# Read by earlier versions (a regular expression matched anywhere in a Name): refused, so that
# a stack updated half way does not silently lose its setting.
ENV_RETIRED_PRIVATE_NAME_PATTERN = "VPCR_PRIVATE_NAME_PATTERN"
ENV_TOPIC_ARN = "VPCR_TOPIC_ARN"
ENV_EVENT_BUS = "VPCR_EVENT_BUS"
ENV_MULTI_NIC_SUBNETS = "VPCR_MULTI_NIC_SUBNETS"
ENV_LAUNCHERS = "VPCR_LAUNCHERS"
ENV_TAG_LOAD_BALANCER_SUBNETS = "VPCR_TAG_LOAD_BALANCER_SUBNETS"
ENV_SECURITY_HUB_FINDINGS = "VPCR_SECURITY_HUB_FINDINGS"
ENV_COORDINATE_WITH_SECURITY_HUB = "VPCR_COORDINATE_WITH_SECURITY_HUB"
ENV_CHAT_TOPIC_ARN = "VPCR_CHAT_TOPIC_ARN"
ENV_CENTRAL_TOPIC_ARN = "VPCR_CENTRAL_TOPIC_ARN"
ENV_OWN_ROLE_ARNS = "VPCR_OWN_ROLE_ARNS"
ENV_SWEEP_AUTO_INTENT = "VPCR_SWEEP_APPLIES_AUTO_INTENT"
ENV_DEAD_LETTER_QUEUE_URL = "VPCR_DEAD_LETTER_QUEUE_URL"
ENV_SETTLE_SECONDS = "VPCR_SETTLE_SECONDS"
ENV_SETTLE_QUEUE_URL = "VPCR_SETTLE_QUEUE_URL"
DEFAULT_SETTLE_SECONDS = 90

_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_QUEUE_URL = re.compile(r"^https?://[\w.:-]+/\d{12}/[\w-]{1,80}(\.fifo)?$")
_TAG_KEY = re.compile(r"^[\w .:/=+\-@]{1,128}$")
_WORD = re.compile(r"^[a-z0-9]{1,40}$")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class SettingsError(ValueError):
    """A setting has a value the remediator cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    policy: Policy
    topic_arn: str | None
    own_role_arns: frozenset[str]
    # The sweep enforces explicit intent; auto-intent gaps it only reports unless this is on.
    sweep_applies_auto_intent: bool = False
    # Where a notice goes when SNS refuses it, so that it is not lost with the invocation.
    dead_letter_queue_url: str | None = None
    # The DynamoDB table that remembers what was said and done (None: say everything).
    memory_table: str | None = None
    # Auto intent waits until a VPC has been quiet this long (0: reconcile every event at once);
    # the settle messages go to this queue (the one EventBridge delivers the VPC events to).
    settle_seconds: int = DEFAULT_SETTLE_SECONDS
    settle_queue_url: str | None = None
    # A topic in a central account (and maybe another region) that gets a copy of each notice.
    central_topic_arn: str | None = None
    # A topic a chat channel (Slack, Teams) is configured with in Amazon Q Developer in chat
    # applications: every notice is also published there as a custom notification.
    chat_topic_arn: str | None = None
    # The EventBridge bus every change and finding is put on (None: none).
    event_bus: str | None = None
    # Findings that need a person, and changes made, imported into Security Hub CSPM.
    security_hub_findings: bool = False
    # The EC2.15 finding of a subnet public by explicit intent suppressed, with why.
    coordinate_with_security_hub: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, require_topic: bool = True) -> Settings:
        if _raw(env, ENV_RETIRED_PRIVATE_NAME_PATTERN) is not None:
            raise SettingsError(
                f"{ENV_RETIRED_PRIVATE_NAME_PATTERN} is no longer read: names are matched as "
                f"words; set {ENV_PRIVATE_NAME_WORDS} (comma-separated words) instead"
            )
        policy = Policy(
            mode=_enum(env, ENV_MODE, Mode, Mode.REMEDIATE),
            route_strategy=_enum(env, ENV_ROUTE_STRATEGY, RouteStrategy, RouteStrategy.DEDICATED),
            map_public_ip=_bool(env, ENV_MAP_PUBLIC_IP, default=True),
            create_internet_gateway=_bool(env, ENV_CREATE_INTERNET_GATEWAY, default=False),
            restore_default_vpc=_bool(env, ENV_RESTORE_DEFAULT_VPC, default=False),
            intent_tag_key=_tag_key(env),
            # A list replaces the default one; the added words extend it.
            private_name_words=_words(env, ENV_PRIVATE_NAME_WORDS, DEFAULT_PRIVATE_NAME_WORDS)
            | _words(env, ENV_ADD_PRIVATE_NAME_WORDS, frozenset()),
            public_name_words=_words(env, ENV_PUBLIC_NAME_WORDS, DEFAULT_PUBLIC_NAME_WORDS)
            | _words(env, ENV_ADD_PUBLIC_NAME_WORDS, frozenset()),
            assign_ipv6_on_creation=_bool(env, ENV_ASSIGN_IPV6, default=True),
            iac_tag_keys=_tag_keys(env),
            auto_intent_from=_callers(env),
            default_vpc=_enum(env, ENV_DEFAULT_VPC, DefaultVpc, DefaultVpc.EXPECTED),
            multi_nic_subnets=parse_subnet_ids(
                _raw(env, ENV_MULTI_NIC_SUBNETS) or "none", ENV_MULTI_NIC_SUBNETS
            ),
            launchers=_launchers(env),
            tag_load_balancer_subnets=_bool(env, ENV_TAG_LOAD_BALANCER_SUBNETS, default=False),
        )
        if policy.restore_default_vpc and policy.default_vpc is DefaultVpc.ABSENT_BY_POLICY:
            raise SettingsError(
                f"{ENV_RESTORE_DEFAULT_VPC}=true contradicts {ENV_DEFAULT_VPC}=absent-by-policy: "
                "a default VPC absent by policy is not recreated"
            )
        topic_arn = _topic(env, required=require_topic)
        return cls(
            policy=policy,
            topic_arn=topic_arn,
            own_role_arns=_role_arns(env),
            sweep_applies_auto_intent=_bool(env, ENV_SWEEP_AUTO_INTENT, default=False),
            dead_letter_queue_url=_queue_url(env, ENV_DEAD_LETTER_QUEUE_URL),
            memory_table=_table_name(env),
            settle_seconds=_settle_seconds(env),
            settle_queue_url=_queue_url(env, ENV_SETTLE_QUEUE_URL),
            central_topic_arn=_central_topic(env, topic_arn),
            chat_topic_arn=_chat_topic(env, topic_arn),
            event_bus=_event_bus(env),
            security_hub_findings=_bool(env, ENV_SECURITY_HUB_FINDINGS, default=False),
            coordinate_with_security_hub=_bool(
                env, ENV_COORDINATE_WITH_SECURITY_HUB, default=False
            ),
        )

    def settling(self) -> tuple[int, str, str] | None:
        """The settle time, queue and table, or None to reconcile at once (settle time 0).
        Raises SettingsError when a settle time has no queue or table to settle with."""
        if self.settle_seconds == 0:
            return None
        if self.settle_queue_url is None or self.memory_table is None:
            raise SettingsError(
                f"{ENV_SETTLE_SECONDS}={self.settle_seconds} needs {ENV_SETTLE_QUEUE_URL} and "
                f"{ENV_MEMORY_TABLE} (the template sets both); set it to 0 to reconcile at once"
            )
        return self.settle_seconds, self.settle_queue_url, self.memory_table


def _raw(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    return value.strip() if value is not None and value.strip() else None


E = TypeVar("E", Mode, RouteStrategy, DefaultVpc)


def _enum(env: Mapping[str, str], name: str, kind: type[E], default: E) -> E:
    raw = _raw(env, name)
    if raw is None:
        return default
    try:
        return kind(raw.lower())
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise SettingsError(f"{name}={raw!r}: must be one of {allowed}") from None


def _bool(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = _raw(env, name)
    if raw is None:
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise SettingsError(f"{name}={raw!r}: must be true or false")


def _tag_key(env: Mapping[str, str]) -> str:
    raw = _raw(env, ENV_INTENT_TAG_KEY) or DEFAULT_INTENT_TAG_KEY
    if not _TAG_KEY.match(raw) or raw.lower().startswith("aws:"):
        raise SettingsError(f"{ENV_INTENT_TAG_KEY}={raw!r}: not a valid EC2 tag key")
    return raw


def parse_words(raw: str, name: str) -> frozenset[str]:
    """A comma-separated list of words, lower-cased; `none` for an empty list."""
    if raw.strip().lower() == "none":
        return frozenset()
    words = frozenset(w.strip().lower() for w in raw.split(",") if w.strip())
    bad = sorted(w for w in words if not _WORD.match(w))
    if bad or not words:
        shown = bad[0] if bad else raw
        raise SettingsError(
            f"{name}={shown!r}: must be comma-separated words of letters and digits (or none)"
        )
    return words


def parse_callers(raw: str, name: str) -> frozenset[CallerKind]:
    """Comma-separated caller kinds (console, cli, iac, aws-service, automation); none for none."""
    if raw.strip().lower() == "none":
        return frozenset()
    kinds = {k.strip().lower() for k in raw.split(",") if k.strip()}
    known = {k.value: k for k in CallerKind if k is not CallerKind.UNKNOWN}
    bad = sorted(kinds - set(known))
    if bad or not kinds:
        raise SettingsError(
            f"{name}={(bad[0] if bad else raw)!r}: must be comma-separated callers among "
            f"{', '.join(known)} (or none)"
        )
    return frozenset(known[k] for k in kinds)


def _callers(env: Mapping[str, str]) -> frozenset[CallerKind]:
    raw = _raw(env, ENV_AUTO_INTENT_FROM)
    return Policy().auto_intent_from if raw is None else parse_callers(raw, ENV_AUTO_INTENT_FROM)


def parse_tag_keys(raw: str, name: str) -> frozenset[str]:
    """Comma-separated tag keys; none for none."""
    return _listed(raw, name, _TAG_KEY, "a valid EC2 tag key")


_SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")


def parse_subnet_ids(raw: str, name: str) -> frozenset[str]:
    """Comma-separated subnet ids; none for none."""
    return _listed(raw, name, _SUBNET_ID, "a subnet id")


def _listed(raw: str, name: str, pattern: re.Pattern[str], what: str) -> frozenset[str]:
    if raw.strip().lower() == "none":
        return frozenset()
    values = frozenset(v.strip() for v in raw.split(",") if v.strip())
    bad = sorted(v for v in values if not pattern.match(v))
    if bad:
        raise SettingsError(f"{name}: {bad[0]!r} is not {what}")
    return values


def _tag_keys(env: Mapping[str, str]) -> frozenset[str]:
    raw = _raw(env, ENV_IAC_TAG_KEYS)
    return frozenset() if raw is None else parse_tag_keys(raw, ENV_IAC_TAG_KEYS)


def _words(env: Mapping[str, str], name: str, default: frozenset[str]) -> frozenset[str]:
    raw = _raw(env, name)
    return default if raw is None else parse_words(raw, name)


def _topic(env: Mapping[str, str], *, required: bool) -> str | None:
    raw = _raw(env, ENV_TOPIC_ARN)
    if raw is None:
        if required:
            raise SettingsError(f"{ENV_TOPIC_ARN} is not set: notices need an SNS topic ARN")
        return None
    if not _TOPIC_ARN.match(raw):
        raise SettingsError(f"{ENV_TOPIC_ARN}={raw!r}: not an SNS topic ARN")
    return raw


def _central_topic(env: Mapping[str, str], topic_arn: str | None) -> str | None:
    raw = _raw(env, ENV_CENTRAL_TOPIC_ARN)
    if raw is None:
        return None
    if not _TOPIC_ARN.match(raw) or raw.endswith(".fifo"):
        raise SettingsError(f"{ENV_CENTRAL_TOPIC_ARN}={raw!r}: not a standard SNS topic ARN")
    if topic_arn is None:
        raise SettingsError(
            f"{ENV_CENTRAL_TOPIC_ARN} is set without {ENV_TOPIC_ARN}: the central topic gets a "
            "copy of the notices the stack's own topic gets"
        )
    if raw == topic_arn:
        raise SettingsError(
            f"{ENV_CENTRAL_TOPIC_ARN}={raw!r} is the stack's own topic ({ENV_TOPIC_ARN}): "
            "each notice would be sent to it twice"
        )
    return raw


def _chat_topic(env: Mapping[str, str], topic_arn: str | None) -> str | None:
    raw = _raw(env, ENV_CHAT_TOPIC_ARN)
    if raw is None:
        return None
    if not _TOPIC_ARN.match(raw) or raw.endswith(".fifo"):
        raise SettingsError(f"{ENV_CHAT_TOPIC_ARN}={raw!r}: not a standard SNS topic ARN")
    if topic_arn is None:
        raise SettingsError(
            f"{ENV_CHAT_TOPIC_ARN} is set without {ENV_TOPIC_ARN}: the chat topic gets a "
            "copy of the notices the stack's own topic gets"
        )
    if raw == topic_arn:
        raise SettingsError(
            f"{ENV_CHAT_TOPIC_ARN}={raw!r} is the stack's own topic ({ENV_TOPIC_ARN}): its "
            "e-mail and queue subscribers would get the chat cards too"
        )
    return raw


# A bus name, or a bus ARN (another account's); "none" turns the events off.
_BUS = re.compile(
    r"^([A-Za-z0-9._-]{1,256}|arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus/[A-Za-z0-9._/-]{1,256})$"
)


def _event_bus(env: Mapping[str, str]) -> str | None:
    raw = _raw(env, ENV_EVENT_BUS)
    if raw is None or raw == "none":
        return None
    if not _BUS.match(raw) or raw.startswith("aws."):
        raise SettingsError(f"{ENV_EVENT_BUS}={raw!r}: not an EventBridge bus name (or none)")
    return raw


_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")


def _table_name(env: Mapping[str, str]) -> str | None:
    raw = _raw(env, ENV_MEMORY_TABLE)
    if raw is not None and not _TABLE_NAME.match(raw):
        raise SettingsError(f"{ENV_MEMORY_TABLE}={raw!r}: not a DynamoDB table name")
    return raw


def _queue_url(env: Mapping[str, str], name: str) -> str | None:
    raw = _raw(env, name)
    if raw is not None and not _QUEUE_URL.match(raw):
        raise SettingsError(f"{name}={raw!r}: not an SQS queue URL")
    return raw


def _settle_seconds(env: Mapping[str, str]) -> int:
    raw = _raw(env, ENV_SETTLE_SECONDS)
    if raw is None:
        return DEFAULT_SETTLE_SECONDS
    if not raw.isdigit() or int(raw) > MAX_SETTLE_SECONDS:
        raise SettingsError(
            f"{ENV_SETTLE_SECONDS}={raw!r}: must be whole seconds from 0 to {MAX_SETTLE_SECONDS} "
            "(SQS's longest message delay)"
        )
    return int(raw)


def _role_arns(env: Mapping[str, str]) -> frozenset[str]:
    raw = _raw(env, ENV_OWN_ROLE_ARNS) or ""
    arns = frozenset(a.strip() for a in raw.split(",") if a.strip())
    bad = sorted(a for a in arns if not _ROLE_ARN.match(a))
    if bad:
        raise SettingsError(f"{ENV_OWN_ROLE_ARNS}: {bad[0]!r} is not an IAM role ARN")
    return arns


def _launchers(env: Mapping[str, str]) -> frozenset[str]:
    """The launchers a notice speaks for besides those whose tags are present."""
    raw = _raw(env, ENV_LAUNCHERS)
    if raw is None:
        return Policy().launchers
    try:
        return launcher_families(raw)
    except ValueError as exc:
        raise SettingsError(f"{ENV_LAUNCHERS}: {exc}") from None
