"""The raw work of each phase, done as plainly as Python allows, without the protocol.

A phase's floor is the do-nothing provider's time through the same server and driver (the
protocol's own cost) plus one of these. The network ones run ``workers`` threads, the
driver's step workers; each thread holds one kept-alive ``requests.Session`` and takes the
next item until none is left. Hashing runs on one thread, as the engine's Checks are serial.
Each returns wall seconds from the first thread's start to the last one's end.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import TypeVar

import requests

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

    threads = [threading.Thread(target=loop, name=f"floor-{n}") for n in range(workers)]
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


def _checked(response: requests.Response, what: str) -> requests.Response:
    if response.status_code != 200:
        raise RuntimeError(f"floor {what}: HTTP {response.status_code} {response.text[:200]}")
    return response


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(256 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def upload(
    api_url: str, auth: tuple[str, str], assets: Sequence[Asset], workers: int,
    media_ids: dict[str, str] | None = None,
) -> float:
    """Read each file and POST it as a hand-built one-part multipart body.

    The media id of each upload goes into ``media_ids`` by asset name, if given.
    """
    url = f"{api_url}/v1/Account/{auth[0]}/Media/"

    def work(session: requests.Session, asset: Asset) -> None:
        with open(asset.path, "rb") as stream:
            data = stream.read()
        boundary = uuid.uuid4().hex
        head = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{asset.name}.png\"\r\nContent-Type: image/png\r\n\r\n"
        ).encode()
        body = b"".join((head, data, f"\r\n--{boundary}--\r\n".encode()))
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        answer = _checked(
            session.post(url, data=body, headers=headers, auth=auth, timeout=_TIMEOUT),
            f"upload of {asset.name}",
        )
        if media_ids is not None:
            media_ids[asset.name] = answer.json()["objects"][0]["media_id"]

    return run_threads(assets, workers, work, _session, _close)


def get(api_url: str, auth: tuple[str, str], media_ids: Sequence[str], workers: int) -> float:
    """GET each media's JSON description."""
    base = f"{api_url}/v1/Account/{auth[0]}/Media/"

    def work(session: requests.Session, media_id: str) -> None:
        _checked(session.get(f"{base}{media_id}/", auth=auth, timeout=_TIMEOUT),
                 f"GET {media_id}")

    return run_threads(media_ids, workers, work, _session, _close)


def hash_files(assets: Sequence[Asset]) -> float:
    """Read and sha256 each file in turn."""
    return run_threads(assets, 1, lambda _state, asset: sha256_file(asset.path), lambda: None)
