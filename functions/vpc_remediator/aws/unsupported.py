"""Telling an endpoint that does not implement an operation (an emulator: moto answers some
calls with an HTTP 500 page, a 500 error, or raises in-process) from a real failure."""

from __future__ import annotations

from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

# Error codes an endpoint answers for an operation it does not know.
UNSUPPORTED_CODES = frozenset({"InvalidAction", "UnsupportedOperation", "NotImplemented"})
# What the adapter catches to ask `lacks_operation`.
CALL_ERRORS = (NotImplementedError, ResponseParserError, ClientError)


def lacks_operation(exc: Exception, *, also: frozenset[str] = frozenset()) -> bool:
    """Whether the error says the endpoint does not implement the call (`also`: codes that
    mean so for this operation); any other ClientError is a real failure."""
    if not isinstance(exc, ClientError):
        return isinstance(exc, CALL_ERRORS)
    return exc.response.get("Error", {}).get("Code") in UNSUPPORTED_CODES | also


def error_code(exc: Exception) -> str:
    return (
        str(exc.response.get("Error", {}).get("Code", "")) if isinstance(exc, ClientError) else ""
    )
