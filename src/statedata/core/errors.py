"""Domain errors. Services raise these; the web layer turns them into problem+json or a page.

Each error carries an HTTP status and a message a person can act on, so no adapter has to guess.
"""

from __future__ import annotations


class StatedataError(Exception):
    """Base of every error the project raises on purpose."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


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
