"""Security headers on every response, including a Content Security Policy that allows nothing
from outside the portal: every script, style, font and image is served from /static."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# The API explorer (Swagger UI, served from /static) starts itself with an inline script.
API_DOCS_POLICY = CONTENT_SECURITY_POLICY.replace(
    "script-src 'self'", "script-src 'self' 'unsafe-inline'"
).replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
API_DOCS_PATH = "/api/v1/docs"

FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def tile_origins(tile_url: str) -> tuple[str, ...]:
    """The origin of a configured map tile server, which maps may load images from."""
    if not tile_url:
        return ()
    parts = urlsplit(tile_url)
    return (f"{parts.scheme}://{parts.netloc}",)


class SecurityHeadersMiddleware:
    """Adds the headers without touching bodies (a plain ASGI middleware, so streaming stays streaming)."""

    def __init__(
        self, app: ASGIApp, image_sources: tuple[str, ...] = (), *, https_only: bool = False
    ) -> None:
        self.app = app
        self.fixed = dict(FIXED_HEADERS)
        if https_only:  # cookies go only over HTTPS: tell browsers never to try plain HTTP
            self.fixed["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        self.policy = CONTENT_SECURITY_POLICY
        if image_sources:  # only the tile server the operator named, never the web at large
            listed = " ".join(image_sources)
            self.policy = self.policy.replace(
                "img-src 'self' data:", f"img-src 'self' data: {listed}"
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.fixed.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", self.policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)
