"""The floors: the unavoidable work of each phase, done as plainly as Python allows.

Every floor runs ``workers`` threads; each thread holds one kept-alive ``requests.Session``
and takes the next item until none is left. The time measured is wall time from the first
thread's start to the last one's end. ``rpcs`` adds that many GetPluginInfo round trips per
item to the provider server (the cheapest real RPC it serves: no properties, no provider).
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import requests
from google.protobuf import empty_pb2

from tests.benchmarks.workload import Asset

T = TypeVar("T")
S = TypeVar("S")

_TIMEOUT = 60.0


def run_threads(
    items: Sequence[T],
    workers: int,
    work: Callable[[S, T], None],
    open_state: Callable[[], S],
    close_state: Callable[[S], None] = lambda _state: None,
) -> float:
    """Process ``items`` on ``workers`` threads, each with its own ``open_state()``; seconds.

    The first exception of any thread is re-raised here once every thread has stopped.
    """
    lock = threading.Lock()
    position = [0]
    errors: list[BaseException] = []

    def loop() -> None:
        state = open_state()
        try:
            while not errors:
                with lock:
                    index = position[0]
                    position[0] += 1
                if index >= len(items):
                    return
                work(state, items[index])
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            errors.append(exc)
        finally:
            close_state(state)

    threads = [threading.Thread(target=loop, name=f"bench-{n}") for n in range(workers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return elapsed


def _session() -> requests.Session:
    return requests.Session()


def _close(session: requests.Session) -> None:
    session.close()


def _checked(response: requests.Response, what: str) -> bytes:
    if response.status_code != 200:
        raise RuntimeError(f"floor {what}: HTTP {response.status_code} {response.text[:200]}")
    return response.content


def _round_trips(stub: Any, rpcs: int) -> None:
    for _ in range(rpcs):
        stub.GetPluginInfo(empty_pb2.Empty())


def _sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(256 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def upload(
    api_url: str, auth: tuple[str, str], assets: Sequence[Asset], workers: int,
    *, rpcs: int = 0, stub: Any = None,
) -> float:
    """Read each file and POST it as a hand-built one-part multipart body."""
    url = f"{api_url}/v1/Account/{auth[0]}/Media/"

    def work(session: requests.Session, asset: Asset) -> None:
        _round_trips(stub, rpcs)
        with open(asset.path, "rb") as stream:
            data = stream.read()
        boundary = uuid.uuid4().hex
        head = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{asset.name}.png\"\r\nContent-Type: image/png\r\n\r\n"
        ).encode()
        body = b"".join((head, data, f"\r\n--{boundary}--\r\n".encode()))
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        _checked(
            session.post(url, data=body, headers=headers, auth=auth, timeout=_TIMEOUT),
            f"upload of {asset.name}",
        )

    return run_threads(assets, workers, work, _session, _close)


def get(
    api_url: str, auth: tuple[str, str], media: Sequence[tuple[str, Asset]], workers: int,
    *, rpcs: int = 0, stub: Any = None, hash_files: bool = False,
) -> float:
    """GET each media's JSON description; with ``hash_files``, also sha256 its local file."""
    base = f"{api_url}/v1/Account/{auth[0]}/Media/"

    def work(session: requests.Session, item: tuple[str, Asset]) -> None:
        media_id, asset = item
        _round_trips(stub, rpcs)
        _checked(
            session.get(f"{base}{media_id}/", auth=auth, timeout=_TIMEOUT), f"GET {media_id}"
        )
        if hash_files:
            _sha256_file(asset.path)

    return run_threads(media, workers, work, _session, _close)


def hash_files(assets: Sequence[Asset], workers: int, *, rpcs: int = 0, stub: Any = None) -> float:
    """Read and sha256 each file, with ``rpcs`` round trips per file."""

    def work(_state: None, asset: Asset) -> None:
        _sha256_file(asset.path)
        _round_trips(stub, rpcs)

    return run_threads(assets, workers, work, lambda: None)
