"""Real servers for tests, each on 127.0.0.1 and stopped when the test ends."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from statedata.core.config import Settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve_app(app: Any, **options: Any) -> Iterator[str]:
    """Run an ASGI app with uvicorn in a thread (with uvicorn ``options``); yields its base URL."""
    port = free_port()
    options = {"log_level": "warning", **options}
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", **options)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not found:
        raise RuntimeError(
            "PostgreSQL is not installed; `make test` installs it (apt-get install postgresql)"
        )
    return Path(found[-1])


def _as_postgres(command: list[str]) -> list[str]:
    # initdb refuses to run as root; the cluster runs as the postgres system user then.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a free loopback port; yields a server URL without a database."""
    bindir = _postgres_bin()
    root = Path(tempfile.mkdtemp(prefix="statedata-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", free_port()
    subprocess.run(
        _as_postgres(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    subprocess.run(
        _as_postgres(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "log"),
                "-w",
                "-o",
                options,
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_postgres(
                [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
            ),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def redis_server() -> Iterator[str]:
    """A redis-server on a free loopback port with no persistence; yields its URL."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError(
            "redis-server is not installed; `make test` installs it (apt-get install redis-server)"
        )
    port = free_port()
    command = [
        executable,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    with _loopback_process(command, port):
        yield f"redis://127.0.0.1:{port}/0"


@contextmanager
def s3_server() -> Iterator[str]:
    """moto's S3-compatible server as its own process on a free loopback port; yields its URL.

    A separate process, not moto's in-process thread: delta-rs calls it while Python holds the
    interpreter for the batches it streams, and the threaded server then never answers.
    """
    executable = Path(sys.executable).with_name("moto_server")
    port = free_port()
    with _loopback_process([str(executable), "-H", "127.0.0.1", "-p", str(port)], port):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def _loopback_process(command: list[str], port: int) -> Iterator[None]:
    """Run a server process until its port answers; stop it (by its own id) when the test ends."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"{Path(command[0]).name} did not start") from None
            time.sleep(0.05)
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def serve_files(routes: dict[str, tuple[int, dict[str, str], bytes]]) -> Iterator[str]:
    """A plain HTTP server answering ``path -> (status, headers, body)``; yields its base URL.

    ``routes`` may be changed while it runs (a source whose content changes between pulls).
    """
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body = routes.get(self.path, (404, {}, b"not here"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class MailServer:
    """A real SMTP server (aiosmtpd) and what it received."""

    host: str
    port: int
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # recipients answered with 550


@contextmanager
def smtp_server(*, login: tuple[str, str] | None = None) -> Iterator[MailServer]:
    """An SMTP server on a free loopback port; with ``login``, it asks for that user and password."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    mail = MailServer("127.0.0.1", free_port())

    class Handler:
        async def handle_RCPT(
            self, server: Any, session: Any, envelope: Any, address: str, options: Any
        ) -> str:
            if address in mail.refuse:
                return "550 5.1.1 no such mailbox here"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            mail.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            mail.received.append(message_from_bytes(envelope.content, policy=default))  # type: ignore[arg-type]
            return "250 Message accepted"

    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and login == (
            data.login.decode(),
            data.password.decode(),
        )
        return AuthResult(success=ok, handled=False)  # False: the server answers 535 itself

    options: dict[str, Any] = {}
    if login is not None:
        options = {
            "authenticator": authenticate,
            "auth_required": True,
            "auth_require_tls": False,
            "auth_exclude_mechanism": ["LOGIN"],  # smtplib then signs in with PLAIN alone
        }
    controller = Controller(Handler(), hostname=mail.host, port=mail.port, **options)
    controller.start()
    try:
        yield mail
    finally:
        controller.stop()


@contextmanager
def statedata_process(
    settings: Settings, *args: str, **env: str
) -> Iterator[subprocess.Popen[str]]:
    """``python -m statedata ARGS`` on the instance's home and database, stopped at the end."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("STATEDATA_")}
    environment |= {
        "STATEDATA_HOME": str(settings.home),
        "STATEDATA_DATABASE_URL": settings.resolved_database_url,
        "STATEDATA_SECRET_KEY": "process-test-key-" + "y" * 32,
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "statedata", *args],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_up(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"the server exited: {process.stdout.read() if process.stdout else ''}"
            )
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("the server did not come up")
