"""Allowed hosts: a request naming any other Host is refused before it reaches the app.

Litestar's AllowedHostsMiddleware compares the Host header with its port, so a shop on a port
(development, tests, a proxy passing the port on) would have to list every port; this one
compares the host name only. Settings.allowed_hosts: PUBLIC_BASE_URL's host, ALLOWED_HOSTS, and
the loopback names outside production.
"""

from __future__ import annotations

from collections.abc import Iterable

from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

PROBLEM = b'{"type":"about:blank","title":"Invalid Host header","status":400,"code":"invalid_host"}'


def host_name(header: str) -> str:
    """The name in a Host header, without the port: `[::1]:8000` -> `::1`, `Shop.test:80` -> `shop.test`."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else ""
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class AllowedHostsMiddleware:
    def __init__(self, app: ASGIApp, hosts: Iterable[str]) -> None:
        self.app = app
        self.hosts = frozenset(hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
            if host_name(host) not in self.hosts:
                start: HTTPResponseStartEvent = {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [
                        (b"content-type", b"application/problem+json"),
                        (b"content-length", str(len(PROBLEM)).encode()),
                    ],
                }
                await send(start)
                body: HTTPResponseBodyEvent = {
                    "type": "http.response.body",
                    "body": PROBLEM,
                    "more_body": False,
                }
                await send(body)
                return
        await self.app(scope, receive, send)
