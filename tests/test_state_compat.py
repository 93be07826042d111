"""State written by 0.1.0 keeps working: preview shows no change, refresh and delete succeed.

``tests/fixtures/state-v0.1.0.json`` is a ``pulumi stack export --show-secrets`` (deployment
version 3) written by version 0.1.0 through the SDK's provider server, with its real
``__provider`` blob; ``tests/fixtures/make_state_v0_1_0.py`` records how. It must never be
regenerated: these tests must stay green for every later version.

The emulator cannot take media ids, so each test uploads the fixture's files and rewrites,
in a copy of the state, the fields Plivo chose (id, media_id, media_url, upload_time,
expires_at) to the new uploads'. Everything the provider wrote itself (inputs, hashes,
sizes, the pickled provider) is used exactly as 0.1.0 wrote it. Rewriting the upload time
also keeps ``reupload_after`` from seeing the fixture's age, so no test reads today's date.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from plivo_media_provider.api.client import MediaClient, UploadFile, format_time
from plivo_media_provider.core.schema import SCHEMA_KEY, STATE_SCHEMA_VERSION
from plivo_media_provider.emulator import Emulator
from plivo_media_provider.facts import UNSENT_RETENTION
from tests.conftest import provider_env
from tests.fixtures.make_state_v0_1_0 import RESOURCES
from tests.support.engine import PROVIDER_KEY, Engine, ProviderProcess, StateEntry

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE = FIXTURES / "state-v0.1.0.json"
PROJECT = FIXTURES / "state-v0.1.0"
V0_BLOB = ("gASVPQAAAAAAAACMHXBsaXZvX21lZGlhX3Byb3ZpZGVyLnByb3ZpZGVylIwRTWVkaWFGaWxlUHJvdmlk"
           "ZXKUk5QpgZR9lGIu")
PLIVO_CHOSEN = ("media_id", "media_url", "upload_time", "expires_at")


def fixture_resources() -> list[dict[str, Any]]:
    export = json.loads(FIXTURE.read_text())
    assert export["version"] == 3
    return list(export["deployment"]["resources"])


def unwrapped(props: dict[str, Any]) -> dict[str, Any]:
    """Props with the ``--show-secrets`` wrapper of ``__provider`` removed."""
    out = dict(props)
    out[PROVIDER_KEY] = json.loads(props[PROVIDER_KEY]["plaintext"])
    return out


def restore(client: MediaClient) -> dict[str, StateEntry]:
    """The fixture's state, pointed at fresh uploads of its files in ``emulator``."""
    state: dict[str, StateEntry] = {}
    for resource in fixture_resources():
        inputs, outputs = unwrapped(resource["inputs"]), unwrapped(resource["outputs"])
        data = (PROJECT / inputs["path"]).read_bytes()
        [media] = client.upload([UploadFile(inputs["file_name"], data, inputs["content_type"])])
        outputs = copy.deepcopy(outputs)
        outputs.update(media_id=media.media_id, media_url=media.media_url,
                       upload_time=format_time(media.upload_time),
                       expires_at=format_time(media.upload_time + UNSENT_RETENTION))
        name = resource["urn"].rsplit("::", 1)[1]
        state[name] = StateEntry(resource["urn"], media.media_id, inputs, outputs)
    return state


@pytest.fixture
def engine(emulator: Emulator, client: MediaClient) -> Any:
    with ProviderProcess(provider_env(emulator.url), cwd=PROJECT) as provider:
        engine = Engine(provider)
        engine.state = restore(client)
        yield engine


def test_the_fixture_is_what_0_1_0_wrote() -> None:
    resources = fixture_resources()
    assert sorted(r["urn"].rsplit("::", 1)[1] for r in resources) == sorted(RESOURCES)
    for resource in resources:
        for key in ("inputs", "outputs"):
            assert unwrapped(resource[key])[PROVIDER_KEY] == V0_BLOB
        assert SCHEMA_KEY not in resource["outputs"]


def test_a_preview_of_0_1_0_state_shows_no_change(engine: Engine) -> None:
    outcome = engine.preview(RESOURCES)
    assert outcome.ok, outcome
    assert not outcome.changed and sorted(outcome.same) == sorted(RESOURCES)


def test_a_refresh_of_0_1_0_state_keeps_everything_and_records_the_schema(
    engine: Engine,
) -> None:
    before = {name: dict(entry.outputs) for name, entry in engine.state.items()}
    outcome = engine.refresh()
    assert outcome.ok and outcome.deleted == [] and sorted(engine.state) == sorted(RESOURCES)
    for name, entry in engine.state.items():
        assert entry.outputs[SCHEMA_KEY] == STATE_SCHEMA_VERSION
        assert entry.outputs[PROVIDER_KEY] == V0_BLOB
        assert {k: v for k, v in entry.outputs.items() if k != SCHEMA_KEY} == before[name]
    again = engine.preview(RESOURCES)
    assert again.ok and not again.changed


def test_0_1_0_state_can_be_destroyed(engine: Engine) -> None:
    outcome = engine.up({})
    assert outcome.ok and sorted(outcome.deleted) == sorted(RESOURCES)
    assert engine.state == {}


def test_an_up_today_still_writes_every_output_and_input_0_1_0_wrote(engine: Engine) -> None:
    """Renaming or dropping a recorded field would replace or break every existing stack."""
    engine.state = {}
    outcome = engine.up(RESOURCES)
    assert outcome.ok and sorted(outcome.created) == sorted(RESOURCES)
    assert all(e.outputs[SCHEMA_KEY] == STATE_SCHEMA_VERSION for e in engine.state.values())
    for resource in fixture_resources():
        name = resource["urn"].rsplit("::", 1)[1]
        entry = engine.state[name]
        for key, written in (("outputs", entry.outputs), ("inputs", entry.inputs)):
            recorded = resource[key]
            assert set(recorded) <= set(written), (name, key, set(recorded) - set(written))
            for field, value in recorded.items():
                if field not in (PROVIDER_KEY, *PLIVO_CHOSEN):
                    assert written[field] == value, (name, key, field)


def test_an_update_of_0_1_0_state_records_the_schema(engine: Engine) -> None:
    changed = {**RESOURCES, "logo": {**RESOURCES["logo"], "reupload_after": "4h"}}
    outcome = engine.up(changed)
    assert outcome.ok and outcome.updated == ["logo"] and sorted(outcome.same) == sorted(
        set(RESOURCES) - {"logo"})
    assert engine.state["logo"].outputs[SCHEMA_KEY] == STATE_SCHEMA_VERSION
    assert SCHEMA_KEY not in engine.state["menu"].outputs  # a "same" step keeps old outputs
