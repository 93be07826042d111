"""A provider server in a subprocess, started and stopped as the engine does.

The engine starts a provider (the SDK's dynamic server, or a plugin), reads the gRPC port
from the first line of its stdout, keeps reading that stdout for as long as it runs (a
provider that prints must not block on a full pipe), and talks to it over a channel.
:class:`ServerProcess` does exactly that; ``tests/support/engine.py`` and
``tests/support/plugin_engine.py`` add the RPCs of each kind of server.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
from collections.abc import Mapping, Sequence

import grpc
from pulumi.runtime.proto import provider_pb2_grpc


class ServerProcess:
    """``argv`` running, its port read, a ``ResourceProvider`` stub to it.

    ``stop`` is how :meth:`close` ends it: ``"kill"`` (SIGKILL, as the engine stops a
    plugin) or ``"terminate"`` (SIGTERM, then SIGKILL after 10 s). Its stderr is kept for
    :meth:`stderr_text`, and what it printed after the port is in ``stdout_rest``.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        what: str,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        stop: str = "terminate",
    ) -> None:
        self._stop = stop
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        self.stdout_rest: list[bytes] = []
        self.process = subprocess.Popen(
            list(argv), stdout=subprocess.PIPE, stderr=self._stderr,
            env=dict(os.environ if env is None else env), cwd=cwd,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode().strip()
        if not line.isdigit():
            self.close()
            raise RuntimeError(f"{what} did not print its port: {line!r}")
        self.port = int(line)
        self._drain = threading.Thread(target=self._read_stdout, name=f"{what}-stdout",
                                       daemon=True)
        self._drain.start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        self.stdout_rest.append(self.process.stdout.read())

    def close(self) -> None:
        if getattr(self, "channel", None) is not None:
            self.channel.close()
        if self.process.poll() is None:
            if self._stop == "kill":
                self.process.kill()
            else:
                self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        drain = getattr(self, "_drain", None)
        if drain is not None:
            drain.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()

    def stderr_text(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")
