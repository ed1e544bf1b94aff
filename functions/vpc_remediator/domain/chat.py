"""A notice as a chat channel shows it: the custom-notification format of Amazon Q Developer in
chat applications (formerly AWS Chatbot), published to the SNS topic a Slack or Teams channel is
configured with (docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html):

    {"version": "1.0", "source": "custom", "id": ...,
     "content": {"textType": "client-markdown", "title": ..., "description": ...,
                 "nextSteps": [...], "keywords": [...]},
     "metadata": {"threadId": ..., "summary": ..., "eventType": ...,
                  "relatedResources": [...], "additionalContext": {...}}}

`version` must be "1.0" and `source` "custom"; `client-markdown` is the one text type. One VPC's
notices share a `threadId`, so they thread together. Everything that comes from a resource
(Names, tag values, hold notes) is in the text escaped for Markdown: shown as written, never
rendered as a link, a mention or emphasis. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

VERSION = "1.0"
SOURCE = "custom"
TEXT_TYPE = "client-markdown"
# Our own bounds, to keep a card short on a phone: the format's page names no limits beyond
# the SNS message's (256 KB).
TITLE_LIMIT = 250
DESCRIPTION_LIMIT = 4000
NEXT_STEPS_LIMIT = 5
STEP_LIMIT = 500

# The characters that make emphasis, code, links, mentions (`<!channel>`, `@here`), tables
# or headings anywhere in a line. Each line starts with our own words, so the ones that
# matter only at a line's start (a list's "-", "1.") never meet a resource's text there.
_MARKDOWN = re.compile(r"([\\`*_~\[\]()<>|#@])")


def escaped(text: str) -> str:
    """Text shown as written: each Markdown character escaped with a backslash."""
    return _MARKDOWN.sub(r"\\\1", text)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def card(
    *,
    title: str,
    lines: Sequence[str],
    steps: Sequence[str],
    keywords: Sequence[str],
    thread: str,
    event_type: str,
    resources: Sequence[str],
    context: dict[str, str],
    event_id: str = "",
) -> dict[str, Any]:
    """A custom notification. `lines` and `steps` are plain text (escaped here)."""
    description = _cut("\n".join(escaped(line) for line in lines), DESCRIPTION_LIMIT)
    content: dict[str, Any] = {
        "textType": TEXT_TYPE,
        "title": _cut(escaped(title), TITLE_LIMIT),
        "description": description,
        "keywords": [k for k in dict.fromkeys(keywords) if k],
    }
    if steps:
        content["nextSteps"] = [
            _cut(escaped(step), STEP_LIMIT) for step in list(steps)[:NEXT_STEPS_LIMIT]
        ]
    document: dict[str, Any] = {
        "version": VERSION,
        "source": SOURCE,
        "content": content,
        "metadata": {
            "threadId": thread,
            "summary": _cut(title, TITLE_LIMIT),
            "eventType": event_type,
            "relatedResources": list(dict.fromkeys(r for r in resources if r)),
            "additionalContext": {k: v for k, v in context.items() if v},
        },
    }
    if event_id:
        document["id"] = event_id
    return document
