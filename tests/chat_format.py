"""The custom-notification format of Amazon Q Developer in chat applications, as a JSON Schema
written from its documentation (docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html,
"Event schema" and "Parameter details"): `version` must be "1.0", `source` must be "custom",
`content.textType` is "client-markdown" (the only one supported), `content.description` is
required; `nextSteps`, `keywords` and `relatedResources` are lists of strings,
`additionalContext` maps strings to strings. No other keys are documented, so none is allowed.
"""

from __future__ import annotations

from typing import Any

STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string", "minLength": 1}}

CUSTOM_NOTIFICATION: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["version", "source", "content"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": "1.0"},
        "source": {"const": "custom"},
        "id": {"type": "string"},
        "content": {
            "type": "object",
            "required": ["description"],
            "additionalProperties": False,
            "properties": {
                "textType": {"const": "client-markdown"},
                "title": {"type": "string", "minLength": 1},
                "description": {"type": "string", "minLength": 1},
                "nextSteps": STRINGS,
                "keywords": STRINGS,
            },
        },
        "metadata": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "threadId": {"type": "string", "minLength": 1},
                "summary": {"type": "string"},
                "eventType": {"type": "string"},
                "relatedResources": STRINGS,
                "additionalContext": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                },
            },
        },
    },
}
