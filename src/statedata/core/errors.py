"""Domain errors. Services raise these; the web layer turns them into problem+json or a page.

Each error carries an HTTP status and a message a person can act on, so no adapter has to guess.
"""

from __future__ import annotations

import re

# The house's messages begin with what they are about ("limit: 5000 must be ..."), so that a
# person reading one line knows where to look; the error also keeps it as data.
_SUBJECT = re.compile(r"^([A-Za-z_$][\w$.\[\]-]{0,60}): ")


class StatedataError(Exception):
    """Base of every error the project raises on purpose.

    Besides the message, an error says as data what it is about, for adapters that place it (a
    problem+json ``field``, CKAN's error dict, a form's field): ``field`` (a parameter, setting,
    form field or SoQL clause), and for a value in a file or table its ``row`` (1 is the first
    row of data) and ``column``. An error raised without ``field`` takes the subject its message
    begins with, per the house convention.
    """

    status = 400
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if field is None:
            found = _SUBJECT.match(detail)
            field = found.group(1) if found else None
        self.field = field
        self.row = row
        self.column = column

    def located(self) -> dict[str, str | int]:
        """What the error is about, as data (only what is known)."""
        where: dict[str, str | int | None] = {
            "field": self.field,
            "row": self.row,
            "column": self.column,
        }
        return {k: v for k, v in where.items() if v is not None}


class ConfigError(StatedataError):
    """The configuration cannot work; the message names the setting."""

    status = 500
    title = "Configuration error"


class InvalidInput(StatedataError):
    """Input was refused; the message says which field and why."""

    status = 422
    title = "Invalid input"


class NotAuthenticated(StatedataError):
    """The request needs a signed-in user or a valid token."""

    status = 401
    title = "Sign-in required"


class Forbidden(StatedataError):
    """The actor is known but may not do this."""

    status = 403
    title = "Not allowed"


class NotFound(StatedataError):
    """The thing asked for does not exist (or the actor may not know it exists)."""

    status = 404
    title = "Not found"


class Conflict(StatedataError):
    """The change clashes with what is already there."""

    status = 409
    title = "Conflict"


class TooLarge(StatedataError):
    """The request body is over a configured limit; it was refused before being read whole."""

    status = 413
    title = "Too large"


class BadQuery(StatedataError):
    """A query (SoQL clause, SQL statement, parameter) was refused; the message names the token."""

    status = 400
    title = "Bad query"


class TooManyRequests(StatedataError):
    """The caller went over its request rate; ``retry_after`` says when to try again."""

    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
