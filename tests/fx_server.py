"""A local HTTP server that answers like the FX providers do (their documented formats), or breaks.

No outside network is reachable here, so the provider adapters are tested against this.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# The ECB's daily file, as published at https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml
ECB_XML = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
\t<gesmes:subject>Reference rates</gesmes:subject>
\t<gesmes:Sender>
\t\t<gesmes:name>European Central Bank</gesmes:name>
\t</gesmes:Sender>
\t<Cube>
\t\t<Cube time='{day}'>
{cubes}
\t\t</Cube>
\t</Cube>
</gesmes:Envelope>
"""


def ecb_xml(day: str, rates: dict[str, str]) -> str:
    cubes = "\n".join(f"\t\t\t<Cube currency='{c}' rate='{r}'/>" for c, r in rates.items())
    return ECB_XML.format(day=day, cubes=cubes)


def ratesapi_json(day: str, rates: dict[str, str]) -> str:
    """The ratesapi protocol forex-python speaks: {"base": "EUR", "date": ..., "rates": {...}}."""
    body = ", ".join(f'"{c}": {r}' for c, r in rates.items())
    return f'{{"base": "EUR", "date": "{day}", "rates": {{{body}}}}}'


@dataclass
class Reply:
    status: int = 200
    body: str = ""
    content_type: str = "application/xml"
    delay: float = 0.0


class FxServer:
    def __init__(self) -> None:
        self.routes: dict[str, Reply] = {}
        self.hits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                server.hits.append(self.path)
                reply = server.routes.get(path, Reply(404, "not found", "text/plain"))
                if reply.delay:
                    time.sleep(reply.delay)
                data = reply.body.encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@contextlib.contextmanager
def fx_server() -> Iterator[FxServer]:
    server = FxServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
