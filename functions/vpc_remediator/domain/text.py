"""Words that come from resources and callers are data, never part of what the tool says.

A VPC's Name, a tag's value, a hold's note, a role session name or a user agent is written by
whoever can tag or call, and read by a busy person in an e-mail, a terminal or a chat. Shown
raw, a line break in a Name forges a line of the notice; a right-to-left override turns the
words around it; an escape sequence recolours a terminal. So every such text is shown through
`shown()`: one line, quoted, control and bidirectional characters escaped, cut to a sane length.
Snippets to paste into a launcher's config are made with `yaml_string()`, a double-quoted YAML
scalar that any Name leaves a single value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

NAME_LIMIT = 64  # characters of a resource's text shown (a Name tag holds up to 256)
# What AWS lets an id or an ARN hold: such a value is shown as it is.
_PLAIN = re.compile(r"[A-Za-z0-9_+=,.@:/*-]{1,2048}")
# Categories escaped besides the ASCII controls: other controls, format characters (the
# bidirectional overrides and isolates, zero-width joiners), line and paragraph separators,
# surrogates, private use and unassigned code points.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def _escape(char: str) -> str:
    if char == "\\":
        return "\\\\"
    if char == '"':
        return '\\"'
    if char in "\n\r\t":
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char]
    if unicodedata.category(char) in _ESCAPED_CATEGORIES:
        code = ord(char)
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return char


def escaped(value: str, limit: int = NAME_LIMIT) -> str:
    """The text on one line with nothing that acts on the reader, at most `limit` characters
    of it (then "..."), unquoted: for a field that is already set apart (JSON)."""
    cut = value[:limit]
    body = "".join(_escape(c) for c in cut)
    return body + ("..." if len(value) > limit else "")


def shown(value: str, limit: int = NAME_LIMIT) -> str:
    """Text from a resource or a caller as data in a sentence: quoted, one line, escaped, cut."""
    return f'"{escaped(value, limit)}"'


def ident(value: str) -> str:
    """An id or an ARN as it is where it has the form AWS gives them, else as data."""
    return value if _PLAIN.fullmatch(value) else shown(value)


def yaml_string(value: str) -> str:
    """A double-quoted YAML scalar holding exactly `value`, in printable ASCII: any Name stays
    one value of the key it is pasted under."""
    out = []
    for char in value:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def ascii_line(value: str, limit: int) -> str:
    """Printable ASCII on one line, at most `limit` characters: what an SNS Subject accepts."""
    printable = "".join(c if " " <= c <= "~" else "?" for c in value.replace("\n", " "))
    return printable if len(printable) <= limit else printable[: limit - 3] + "..."


# An id standing alone: not a piece of a longer word ("vpcr-public-vpc-0abc...").
_RESOURCE_ID = re.compile(r"(?<![\w-])(?:vpc|subnet|rtb|igw|nat|eigw)-[0-9a-f]{8,17}(?![\w-])")


def named(text: str, names: Mapping[str, str]) -> str:
    """Each resource id in `text` with its Name beside it (`"web-a" (subnet-...)`), shown as
    data; an id without a Name stays as it is."""
    return _RESOURCE_ID.sub(
        lambda m: (
            f"{shown(names[m.group(0)])} ({m.group(0)})" if m.group(0) in names else m.group(0)
        ),
        text,
    )
