"""Several Plivo accounts in one run: one explicit provider, one plugin process, per account.

The emulator serves two accounts. Each plugin is configured only through Configure (its
environment holds no ``PLIVO_*`` credentials), while ``PULUMI_CONFIG``, which the engine
hands to every plugin process, names a third account at an address that answers nothing:
an explicit provider must use only its own inputs.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from plivo_media_provider.api.client import MediaClient
from plivo_media_provider.emulator import Emulator
from tests.conftest import provider_env
from tests.support import files
from tests.support.engine import Outcome
from tests.support.plugin_engine import EngineService, PluginEngine, PluginProcess, secret

BRAND_A = ("MABRANDACCOUNT000001", "tok-BRAND-A-11aa22bb-never-print")
BRAND_B = ("SABRANDSUBACCOUNT002", "tok-BRAND-B-33cc44dd-never-print")
STACK_CONFIG = {"plivo:authId": "MASTACKCONFIGACCOUNT", "plivo:authToken": "tok-STACK-config",
                "plivo:apiUrl": "http://127.0.0.1:9"}


@pytest.fixture
def brands() -> Iterator[Emulator]:
    with Emulator(auth_id=BRAND_A[0], auth_token=BRAND_A[1], rate_limit=None,
                  accounts={BRAND_B[0]: BRAND_B[1]}) as emulator:
        yield emulator


def plugin_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in provider_env(url).items()
           if k not in ("PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN", "PLIVO_API_URL")}
    env["PULUMI_CONFIG"] = json.dumps(STACK_CONFIG)
    return env


def held(url: str, account: tuple[str, str]) -> dict[str, str]:
    """File name to sha256 of every media the account holds."""
    with MediaClient(*account, url) as client:
        return {m.file_name: hashlib.sha256(client.download(m)).hexdigest()
                for m in client.iter_media()}


def test_two_explicit_providers_upload_to_their_own_accounts_in_one_run(
    brands: Emulator, tmp_path: Path
) -> None:
    service = EngineService()
    programs = {
        brand: {f"{brand}-{i}": {"path": str(files.random_png(
            tmp_path / brand / f"{brand}-{i}.png", 600 + i, seed=10 * n + i))}
            for i in range(3)}
        for n, brand in enumerate(("a", "b"))
    }
    outcomes: dict[str, Outcome] = {}
    try:
        with PluginProcess(service, plugin_env(brands.url), cwd=tmp_path) as plugin_a, \
                PluginProcess(service, plugin_env(brands.url), cwd=tmp_path) as plugin_b:
            engines = {}
            for brand, plugin, (auth_id, token) in (("a", plugin_a, BRAND_A),
                                                    ("b", plugin_b, BRAND_B)):
                plugin.configure({"authId": auth_id, "authToken": secret(token),
                                  "apiUrl": brands.url})
                engines[brand] = PluginEngine(plugin)

            def up(brand: str) -> None:
                outcomes[brand] = engines[brand].up(programs[brand])

            threads = [threading.Thread(target=up, args=(b,)) for b in engines]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            stderr = plugin_a.stderr_text() + plugin_b.stderr_text()
    finally:
        service.close()
    for brand in ("a", "b"):
        assert outcomes[brand].ok, outcomes[brand].errors
        assert sorted(outcomes[brand].created) == sorted(programs[brand])
    expected = {
        brand: {Path(p["path"]).name: hashlib.sha256(Path(p["path"]).read_bytes()).hexdigest()
                for p in programs[brand].values()}
        for brand in programs
    }
    assert held(brands.url, BRAND_A) == expected["a"]
    assert held(brands.url, BRAND_B) == expected["b"]
    for account, engine in ((BRAND_A, engines["a"]), (BRAND_B, engines["b"])):
        for entry in engine.state.values():
            assert f"/Account/{account[0]}/Media/{entry.id}" in entry.outputs["mediaUrl"]
    texts = stderr + json.dumps([o.errors for o in outcomes.values()])
    assert not [t for t in (BRAND_A[1], BRAND_B[1], "tok-STACK-config") if t in texts]


def test_a_provider_without_credentials_never_falls_back_to_pulumi_config(
    brands: Emulator, tmp_path: Path
) -> None:
    service = EngineService()
    try:
        with PluginProcess(service, plugin_env(brands.url), cwd=tmp_path) as plugin:
            plugin.configure({"apiUrl": brands.url})
            logo = files.random_png(tmp_path / "logo.png", 700, seed=1)
            outcome = PluginEngine(plugin).up({"logo": {"path": str(logo)}})
    finally:
        service.close()
    error = outcome.errors["logo"]
    assert "credentials are missing" in error and "PLIVO_AUTH_ID" in error
    assert STACK_CONFIG["plivo:authId"] not in error
