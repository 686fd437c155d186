"""Private, throw-away PostgreSQL and Redis servers for fault tests.

Fault tests stop and restart servers; doing that to the shared ones would
break every other connection on the machine, so each test starts its own on
a free loopback port and removes it afterwards.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, up: bool = True, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.1)
    raise TimeoutError(f"port {port} did not come {'up' if up else 'down'} in {timeout} s")


def postgres_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(found[-1]) if found else None


def _as_postgres(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    # initdb and postgres refuse to run as root.
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(prefix + args, check=True, capture_output=True, text=True, **kwargs)


@dataclass
class PrivatePostgres:
    bindir: str
    datadir: str
    port: int

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        _as_postgres(
            [
                f"{self.bindir}/pg_ctl",
                "-D",
                self.datadir,
                "-w",
                "-t",
                "60",
                *args,
                "-o",
                f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off",
            ],
        )

    def start(self) -> None:
        self._ctl("start", "-l", os.path.join(self.datadir, "server.log"))
        wait_for_port(self.port)

    def stop(self) -> None:
        _as_postgres([f"{self.bindir}/pg_ctl", "-D", self.datadir, "-w", "-m", "fast", "stop"])
        wait_for_port(self.port, up=False)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    bindir = postgres_bin()
    if not bindir:
        raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql")
    root = tempfile.mkdtemp(prefix="ssb-pg-")
    os.chmod(root, 0o777)
    datadir = os.path.join(root, "data")
    _as_postgres([f"{bindir}/initdb", "-D", datadir, "-U", "postgres", "--auth=trust", "-E", "UTF8"])
    server = PrivatePostgres(bindir, datadir, free_port())
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class PrivateRedis:
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
        wait_for_port(self.port, up=False)


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    if not shutil.which("redis-server"):
        raise RuntimeError("redis-server not found")
    server = PrivateRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
