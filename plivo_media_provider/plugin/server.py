"""The plugin's ``pulumirpc.ResourceProvider`` servicer: the engine's calls, served by the core.

Each call runs on a thread of the gRPC server's pool (see :data:`.main.POOL_SIZE`), which
starts a thread whenever every thread it has is busy: calls run as many at once as the
engine sends, and ``Cancel`` finds a thread even while every other call waits on Plivo.
(An asyncio server was measured at twice the CPU per call of gRPC's threaded one, with
nothing gained: the work is blocking work.) The translation is :mod:`.properties` (values)
and :mod:`.config` (settings); the behaviour is
:class:`~plivo_media_provider.core.media_file.MediaFiles`, and nothing else.

Errors: a :class:`~plivo_media_provider.errors.PlivoMediaError` (an expected failure) ends
the call with its one-line message, properties named as the program names them. Anything
else is a bug, reported with its traceback.
"""

from __future__ import annotations

import functools
import json
import traceback
from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from .._version import __version__
from ..cancel import CANCEL
from ..core.media_file import MediaFiles
from ..errors import PlivoMediaError
from . import config
from .engine_log import INFO, WARNING, EngineLog
from .properties import decode, encode, to_core, to_wire, wire_name, wire_text
from .schema import package_schema

Handler = Callable[[Any, Any, grpc.ServicerContext], Any]

UNSUPPORTED = ("Attach", "Call", "Construct", "GetMapping", "GetMappings", "Handshake",
               "Invoke", "List", "Parameterize")
"""RPCs the plugin does not serve; each answers UNIMPLEMENTED, which the engine expects.
``Handshake`` among them on purpose: a plugin that answers it is taken to support preview
whatever Configure says, and Configure is where this one says so."""

_DIFF_NONE = provider_pb2.DiffResponse.DIFF_NONE
_DIFF_SOME = provider_pb2.DiffResponse.DIFF_SOME


def _answered(method: Handler) -> Handler:
    """End ``method``'s call with one line for an expected failure, a traceback for a bug."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return method(self, request, context)
        except PlivoMediaError as err:
            context.abort(grpc.StatusCode.UNKNOWN, wire_text(str(err)))
        except Exception:  # noqa: BLE001 - a bug: the traceback is what a report needs
            context.abort(
                grpc.StatusCode.INTERNAL,
                f"plivo: internal error in {method.__name__}; please report it:\n"
                f"{traceback.format_exc()}",
            )
        raise AssertionError("unreachable: context.abort raises")

    return wrapper


def _property_diff(changed: list[str], replaces: list[str]) -> dict[str, provider_pb2.PropertyDiff]:
    return {
        key: provider_pb2.PropertyDiff(
            kind=provider_pb2.PropertyDiff.UPDATE_REPLACE if key in replaces
            else provider_pb2.PropertyDiff.UPDATE
        )
        for key in changed
    }


class MediaFileServicer(provider_pb2_grpc.ResourceProviderServicer):
    """Serves ``plivo:index:MediaFile`` for one provider configuration (one per process);
    ``log`` is the engine's log."""

    def __init__(self, log: EngineLog) -> None:
        self.log = log
        self.files = MediaFiles({})
        """The core for this provider's configuration: settings from Configure, the rest
        from the ``PLIVO_*`` environment."""

    def _warn(self, warnings: list[str], urn: str) -> None:
        for warning in warnings:
            self.log.log(WARNING, wire_text(warning), urn)

    def _files_for(self, urn: str) -> MediaFiles:
        """The core for one call: what it warns of outside check (Plivo's clock far off, the
        journal's fallback folder) goes to the engine's log with the call's URN."""
        return MediaFiles(self.files.config, sources=self.files.sources,
                          warn=lambda message: self._warn([message], urn))

    # -- about the plugin ---------------------------------------------------------------------

    def GetPluginInfo(self, request: Any, context: Any) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=__version__)

    def GetSchema(
        self, request: provider_pb2.GetSchemaRequest, context: Any
    ) -> provider_pb2.GetSchemaResponse:
        return provider_pb2.GetSchemaResponse(schema=json.dumps(package_schema()))

    def Cancel(self, request: Any, context: Any) -> empty_pb2.Empty:
        """Stop every wait and retry of this process now; see :mod:`~..cancel`."""
        CANCEL.cancel()
        return empty_pb2.Empty()

    # -- the provider's configuration ---------------------------------------------------------

    @_answered
    def CheckConfig(
        self, request: provider_pb2.CheckRequest, context: Any
    ) -> provider_pb2.CheckResponse:
        """The settings as given (no environment merged in: they go to state), and a failure
        on each that cannot work."""
        news, _ = decode(request.news)
        name = request.name or request.urn.rpartition("::")[2]
        failures = [provider_pb2.CheckFailure(property=f.property_, reason=f.reason)
                    for f in config.check_config(news, config.sources_for(name))]
        return provider_pb2.CheckResponse(inputs=request.news, failures=failures)

    @_answered
    def DiffConfig(
        self, request: provider_pb2.DiffRequest, context: Any
    ) -> provider_pb2.DiffResponse:
        olds, _ = decode(request.old_inputs if request.HasField("old_inputs") else request.olds)
        news, _ = decode(request.news)
        diff = config.diff_config(olds, news)
        shown = diff.changed if diff.changes else []
        return provider_pb2.DiffResponse(
            changes=_DIFF_SOME if diff.changes else _DIFF_NONE,
            replaces=diff.replaces, diffs=shown,
            detailedDiff=_property_diff(shown, diff.replaces), hasDetailedDiff=True,
        )

    @_answered
    def Configure(
        self, request: provider_pb2.ConfigureRequest, context: Any
    ) -> provider_pb2.ConfigureResponse:
        """Keep the settings; announce secrets and preview support."""
        if request.HasField("args"):
            args, _ = decode(request.args)
        else:
            args = config.args_of_variables(request.variables)
        self.files = MediaFiles(config.core_config(args),
                                sources=config.sources_for(request.name))
        return provider_pb2.ConfigureResponse(
            acceptSecrets=True, supportsPreview=True, acceptResources=False,
            acceptOutputs=False,
        )

    # -- MediaFile ------------------------------------------------------------------------------

    @_answered
    def Check(
        self, request: provider_pb2.CheckRequest, context: Any
    ) -> provider_pb2.CheckResponse:
        news, secrets = decode(request.news)
        checked = self.files.check(to_core(news), name=request.urn.rpartition("::")[2] or None)
        self._warn(checked.warnings, request.urn)
        return provider_pb2.CheckResponse(
            inputs=encode(to_wire(checked.inputs), secrets),
            failures=[provider_pb2.CheckFailure(property=wire_name(f.property_),
                                                reason=wire_text(f.reason))
                      for f in checked.failures],
        )

    @_answered
    def Diff(
        self, request: provider_pb2.DiffRequest, context: Any
    ) -> provider_pb2.DiffResponse:
        olds, _ = decode(request.olds)
        news, _ = decode(request.news)
        planned = self._files_for(request.urn).diff(to_core(olds), to_core(news))
        replaces = [wire_name(key) for key in planned.replaces]
        changed = [*replaces, *(wire_name(key) for key in planned.updates)]
        return provider_pb2.DiffResponse(
            changes=_DIFF_SOME if planned.changes else _DIFF_NONE,
            replaces=replaces, diffs=changed, deleteBeforeReplace=False,
            detailedDiff=_property_diff(changed, replaces), hasDetailedDiff=True,
        )

    @_answered
    def Create(
        self, request: provider_pb2.CreateRequest, context: Any
    ) -> provider_pb2.CreateResponse:
        """Upload exactly once; in a preview, upload nothing and leave Plivo's values
        unknown."""
        props, secrets = decode(request.properties)
        if request.preview:
            outputs = MediaFiles.preview_create(to_core(props))
            return provider_pb2.CreateResponse(id="", properties=encode(to_wire(outputs), secrets))
        stored = self._files_for(request.urn).create(to_core(props))
        return provider_pb2.CreateResponse(
            id=stored.id_, properties=encode(to_wire(stored.outputs), secrets)
        )

    @_answered
    def Read(
        self, request: provider_pb2.ReadRequest, context: Any
    ) -> provider_pb2.ReadResponse:
        """Refresh from Plivo; with no state (``pulumi import``, ``MediaFile.get``), read the
        media named by the import id. An empty answer (no id) only on proof it is gone."""
        props, secrets = decode(request.properties)
        files = self._files_for(request.urn)
        if not props:
            imported = files.import_(request.id)
            self._warn(imported.warnings, request.urn)
            return provider_pb2.ReadResponse(
                id=imported.id_, properties=encode(to_wire(imported.outputs)),
                inputs=encode(to_wire(imported.inputs or {})),
            )
        stored = files.read(request.id, to_core(props))
        if stored is None:
            return provider_pb2.ReadResponse()
        return provider_pb2.ReadResponse(
            id=stored.id_, properties=encode(to_wire(stored.outputs), secrets)
        )

    @_answered
    def Update(
        self, request: provider_pb2.UpdateRequest, context: Any
    ) -> provider_pb2.UpdateResponse:
        """Rewrite state; never uploads, so a preview's answer is the same."""
        olds, _ = decode(request.olds)
        news, secrets = decode(request.news)
        outputs = self.files.update(to_core(olds), to_core(news))
        return provider_pb2.UpdateResponse(properties=encode(to_wire(outputs), secrets))

    @_answered
    def Delete(self, request: provider_pb2.DeleteRequest, context: Any) -> empty_pb2.Empty:
        """Forget the media (Plivo has no delete API); the note goes to the engine's log."""
        props, _ = decode(request.properties)
        self.log.log(INFO, MediaFiles.delete(request.id, to_core(props)), request.urn)
        return empty_pb2.Empty()


def _unsupported(name: str) -> Handler:
    def refuse(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, f"{name} is not implemented")

    refuse.__name__ = name
    return refuse


for _name in UNSUPPORTED:
    setattr(MediaFileServicer, _name, _unsupported(_name))
