"""Request rates per caller: the public by address, token holders by token, with 429 beyond.

Every route is limited (the app applies :func:`check_rate` to all of them), pages and refusals
included, so no anonymous caller can make the portal do unbounded work or write an unbounded
audit log. An app token (``X-App-Token`` header or ``$$app_token`` parameter, as Socrata clients
send) is any live API token; it raises the caller's limit without acting as its owner. The
counts are rolling limits (``core.limits``), in the process or, with Redis, shared by every
server process.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from statedata.core.errors import Forbidden, TooManyRequests
from statedata.core.limits import Buckets, MemoryBuckets
from statedata.identity.actor import Actor
from statedata.identity.tokens import live_token_id
from statedata.web.deps import client_ip, get_actor, get_db

WINDOW_SECONDS = 60
APP_TOKEN_HEADER = "X-App-Token"  # noqa: S105 (a header name)


class RateLimiter:
    """Requests a minute per caller key, counted in ``buckets``."""

    def __init__(
        self, anonymous_per_minute: int, token_per_minute: int, buckets: Buckets | None = None
    ) -> None:
        self.anonymous_per_minute = anonymous_per_minute
        self.token_per_minute = token_per_minute
        self.buckets = buckets if buckets is not None else MemoryBuckets()

    def hit(self, key: str, limit: int) -> int | None:
        """Count a request; the whole seconds to wait when it is over ``limit``, else None.

        A refused request is not counted, so a caller who waits as told is served.
        """
        return self.buckets.take("rate:" + key, limit, WINDOW_SECONDS)


def _app_token(request: Request) -> str:
    return (
        request.headers.get(APP_TOKEN_HEADER) or request.query_params.get("$$app_token") or ""
    ).strip()


def check_rate(
    request: Request,
    actor: Annotated[Actor, Depends(get_actor)],
    session: Annotated[Session, Depends(get_db, scope="function")],
) -> None:
    """Refuse with 429 and ``Retry-After`` a caller over its requests per minute."""
    enforce_rate(request, actor, session)


def enforce_rate(request: Request, actor: Actor, session: Session) -> None:
    """:func:`check_rate` for an adapter that finds its caller itself (the CKAN API)."""
    limiter: RateLimiter = request.app.state.rate_limiter
    app_token = _app_token(request)
    if actor.is_authenticated:
        key, limit = f"user:{actor.user_id}", limiter.token_per_minute
    elif app_token:
        token_id = live_token_id(session, secret=app_token)
        if token_id is None:
            raise Forbidden("The app token is not known, or was revoked or has expired.")
        key, limit = f"app:{token_id}", limiter.token_per_minute
    else:
        key, limit = f"ip:{client_ip(request)}", limiter.anonymous_per_minute
    wait = limiter.hit(key, limit)
    if wait is not None:
        advice = "" if actor.is_authenticated or app_token else " Send an app token for more."
        raise TooManyRequests(
            f"More than {limit} requests a minute; try again in {wait} seconds.{advice}", wait
        )


RateLimited = Depends(check_rate)
