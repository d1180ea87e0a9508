"""Run the real server in a subprocess for tests that need real HTTP and several workers."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx

from app.core.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """`storefront serve` in its own process group, on a free port; `kill()` is a hard crash."""

    def __init__(self, workers: int = 2, env: dict[str, str] | None = None) -> None:
        port = free_port()
        server_env = {**os.environ, "DB_POOL_MAX": "10", "DB_POOL_MIN": "1", **(env or {})}
        command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        # Output goes to a file: an unread pipe would fill up and stall the server.
        self.log_path = PROJECT_ROOT / "test-artifacts" / f"server-{port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            cwd=PROJECT_ROOT,
            env=server_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not start, see {self.log_path}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL to every process of the server: no shutdown handler, no cleanup runs."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()


@contextlib.contextmanager
def running_server(workers: int = 2, env: dict[str, str] | None = None) -> Iterator[str]:
    server = ServerProcess(workers, env)
    try:
        yield server.base_url
    finally:
        server.stop()
