"""Starting the emulator: checked options, the listening socket, readiness, one-line failures.

A start that cannot happen raises :class:`StartupError`, whose message is one line naming
the option, its value, what went wrong and what to do, so the command line can print it
as it is. Readiness is announced once the socket listens: :func:`serve` prints ``Plivo
Media emulator listening on URL`` (flushed) and, with ``ready_file``, writes the URL to that
file atomically (a reader never sees it half written) and removes it on the way out.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import tempfile
from collections.abc import Iterable
from pathlib import Path

MAX_PORT = 65535
"""The highest TCP port; 0 asks the system for any free one."""

LISTEN_BACKLOG = 128
_KERNEL_FILE_SYSTEMS = ("/proc", "/sys", "/dev")


class StartupError(OSError):
    """The emulator cannot start with this ``option`` (``port``, ``host``, ``data_dir``...)."""

    def __init__(self, option: str, value: object, problem: str, fix: str) -> None:
        self.option, self.value, self.problem, self.fix = option, value, problem, fix
        super().__init__(f"{option} {value}: {problem}; {fix}.")

    def for_flags(self) -> str:
        """The message with the option spelled as the command line's flag (``--data-dir``)."""
        return f"--{self.option.replace('_', '-')} {self.value}: {self.problem}; {self.fix}."


def check_port(port: int) -> int:
    """``port`` if it is 0 to 65535; ValueError with the limit and what to do otherwise."""
    if not 0 <= port <= MAX_PORT:
        raise ValueError(
            f"{port} is not a TCP port: use 1 to {MAX_PORT}, or 0 for any free port"
        )
    return port


def check_host(host: str) -> str:
    """``host`` if it can name an address to bind: a name or an IP, without scheme or port."""
    text = host.strip()
    problem = None
    if not text:
        problem = "is empty"
    elif "://" in text or "/" in text:
        problem = "is a URL, not a host"
    elif any(ch.isspace() for ch in text):
        problem = "holds a space"
    elif text.count(":") == 1:
        problem = "holds a port; give the port with --port"
    if problem is not None:
        raise ValueError(
            f"{host!r} {problem}: give a host name or an IP address of this machine, like "
            "127.0.0.1, 0.0.0.0 or ::1"
        )
    return text.strip("[]")


def check_data_dir(path: str) -> str:
    """``path`` if it can hold the emulator's data: a folder, or a path that can become one."""
    resolved = os.path.realpath(path)
    top = next((top for top in _KERNEL_FILE_SYSTEMS
                if resolved == top or resolved.startswith(top + "/")), None)
    if top is not None:
        raise ValueError(
            f"{path!r} is under {top}, a kernel file system that cannot hold the emulator's "
            "files; choose a folder of your own, like ./.emulator-data"
        )
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(
            f"{path!r} is a file, not a folder; choose a folder (it is created if missing)"
        )
    return path


def check_ready_file(path: str) -> str:
    """``path`` if a file can be written there: its folder exists and it is no folder."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise ValueError(f"{path!r} is a folder; give a file path, like /tmp/emulator.ready")
    if not os.path.isdir(folder):
        raise ValueError(f"the folder {folder!r} does not exist; create it or choose another path")
    return path


def parse_account(text: str) -> tuple[str, str]:
    """``ID:TOKEN`` as ``(auth_id, auth_token)``, split at the first colon; ValueError, one
    line that never repeats the token, if either part is missing."""
    auth_id, separator, token = text.partition(":")
    if not separator or not auth_id.strip() or not token:
        raise ValueError(
            f"account {auth_id.strip() or '(no id)'}: write it as ID:TOKEN, an auth id and its "
            "token joined by a colon, like MAEMULATOR0000000002:my-token"
        )
    return auth_id.strip(), token


def merge_accounts(
    auth_id: str, auth_token: str, more: Iterable[tuple[str, str]]
) -> dict[str, str]:
    """Every account, ``auth_id``'s first, then ``more`` (id and token pairs); ValueError if
    one is given with two tokens."""
    accounts = {auth_id: auth_token}
    for extra, token in more:
        if accounts.get(extra, token) != token:
            raise ValueError(f"account {extra} is given twice, with two tokens; give it once")
        accounts[extra] = token
    return accounts


def bind(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``; StartupError naming ``port`` or ``host`` if not.

    The address family follows the host as Werkzeug's does: IPv6 when it holds a colon.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if os.name != "nt":  # As Werkzeug does: a restart may reuse a port in TIME_WAIT.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(LISTEN_BACKLOG)
    except socket.gaierror as exc:
        sock.close()
        raise StartupError(
            "host", host, f"cannot be resolved to an address ({exc.strerror})",
            "give a host name or an IP address of this machine, like 127.0.0.1",
        ) from None
    except OSError as exc:
        sock.close()
        raise _bind_error(host, port, exc) from None
    return sock


def _bind_error(host: str, port: int, exc: OSError) -> StartupError:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EADDRINUSE:
        return StartupError(
            "port", port, f"{host}:{port} is already in use by another program",
            "stop that program, or choose another port (--port 0 takes any free one)",
        )
    if exc.errno == errno.EACCES:
        return StartupError(
            "port", port, f"binding {host}:{port} was refused ({reason})",
            "ports below 1024 need privileges: choose one from 1024 to 65535",
        )
    return StartupError(
        "host", host, f"cannot listen there ({reason})",
        "use an address of this machine, like 127.0.0.1 or 0.0.0.0",
    )


def write_ready_file(path: str | os.PathLike[str], url: str) -> None:
    """Write ``url`` and a newline to ``path`` atomically: a temporary file, then a rename."""
    target = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(url + "\n")
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def remove_ready_file(path: str | os.PathLike[str], url: str) -> None:
    """Remove the ready file if it still holds ``url``, so no stale file signals readiness."""
    with contextlib.suppress(OSError):
        if Path(path).read_text(encoding="utf-8").strip() == url:
            os.unlink(path)


__all__ = [
    "MAX_PORT",
    "StartupError",
    "bind",
    "check_data_dir",
    "check_host",
    "check_port",
    "check_ready_file",
    "merge_accounts",
    "parse_account",
    "remove_ready_file",
    "write_ready_file",
]
