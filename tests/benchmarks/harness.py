"""What the benchmark runs on: the emulator (in a subprocess or inline) and /proc readings."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from types import TracebackType

from plivo_media_provider.emulator import DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN, Emulator

EMULATOR_MODES = ("process", "inline")


class BenchEmulator:
    """The emulator on a free loopback port with the rate limit off, answering after
    ``latency`` seconds.

    ``process`` (the default) runs ``plivo-media emulator`` in its own interpreter, so its
    request handling never competes for the GIL with the floors or the engine stand-in;
    ``inline`` runs ``Emulator`` in a thread of this process.
    """

    def __init__(self, mode: str = "process", latency: float = 0.0) -> None:
        if mode not in EMULATOR_MODES:
            raise ValueError(f"emulator mode must be one of {EMULATOR_MODES}, got {mode!r}")
        self.mode = mode
        self.latency = latency
        self.auth = (DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN)
        self.pid = os.getpid()
        self._inline: Emulator | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        if mode == "inline":
            self._inline = Emulator(port=0, rate_limit=None, latency=latency).start()
            self.url = self._inline.url
            return
        self._process = subprocess.Popen(
            [sys.executable, "-u", "-m", "plivo_media_provider", "emulator", "--port", "0",
             "--no-rate-limit", "--latency", f"{latency * 1000:g}ms"],
            stdout=subprocess.PIPE, stderr=self._log,
            env={k: v for k, v in os.environ.items() if not k.startswith("PLIVO_")},
        )
        assert self._process.stdout is not None
        first = self._process.stdout.readline().decode().strip()
        if "listening on " not in first:
            self.close()
            raise RuntimeError(f"the emulator did not start: {first!r}")
        self.url = first.rsplit(" ", 1)[1]
        self.pid = self._process.pid

    def close(self) -> None:
        if self._inline is not None:
            self._inline.stop()
            self._inline = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
        self._log.close()

    def __enter__(self) -> BenchEmulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of ``pid`` in KiB, from /proc/<pid>/status."""
    found = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds ``pid`` has used, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
