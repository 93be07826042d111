"""``pulumi-resource-plivo``: MediaFile as a native Pulumi provider plugin, for every language.

The plugin serves the resource ``plivo:index:MediaFile`` of the package ``plivo`` over
Pulumi's provider protocol, so programs in TypeScript, Go, C#, Java, YAML and Python can
declare Plivo media, each stack can use several Plivo accounts (one explicit provider per
account), and existing media can be imported. It is a second face over the same core as the
dynamic provider (:mod:`plivo_media_provider.core`): check, diff, create, read, update and
delete behave exactly as they do there.

**Launch.** ``pip install plivo-media-provider`` puts ``pulumi-resource-plivo`` on PATH;
the engine finds it there (as ``pulumi-resource-<package>``) and starts it as
``pulumi-resource-plivo [--logtostderr] [-v=N] [--tracing ADDR] <engine-address>``. It
prints its gRPC port on the first line of stdout, serves ``pulumirpc.ResourceProvider`` on
loopback, and sends its messages to the engine at ``<engine-address>``
(``pulumirpc.Engine.Log``). ``python -m plivo_media_provider.plugin`` is the same program.

**Configuration.** The provider's inputs, for the default provider the stack config
``plivo:authId``, ``plivo:authToken`` (secret), ``plivo:apiUrl``, ``plivo:readTimeout``,
``plivo:requestDeadline``, ``plivo:retries`` and ``plivo:backoffFactor``, and for an
explicit provider resource the same names as its inputs. A setting the provider's inputs
lack comes from the ``PLIVO_*`` environment of the plugin (``PLIVO_AUTH_ID``...), as for the
dynamic provider. An explicit provider never reads the stack's ``plivo:*`` config: the
engine hands it to every plugin process in ``PULUMI_CONFIG``, and the plugin ignores it.

* CheckConfig refuses a malformed setting (an ``authId`` not shaped like Plivo's, a
  ``readTimeout`` of ``"soon"``) on that property. Missing credentials are no failure: a
  preview checks files without them, and warns once that ``up`` needs them.
* DiffConfig: a new ``authId`` replaces every MediaFile of that provider (the media would
  live in another account); a new ``apiUrl``, timeout or retry setting is an update of the
  provider that replaces no media (a proxy in front of the same account serves the same
  media); a new ``authToken`` alone is no change at all, so rotating a token replaces
  nothing and ``pulumi preview --expect-no-changes`` still passes.

**Import.** ``pulumi import plivo:index:MediaFile NAME ID``, where ``ID`` is

* ``<media_id>``: the media's id as Plivo gives it (``plivo-media ls`` lists them); the
  generated code's ``path`` is then the media's file name, relative to the project; or
* ``<media_id>:<path>``: the id, a colon, and the local file that holds the media's bytes
  (split at the first colon; Plivo's media ids never hold one, so ``C:\\media\\a.png``
  works). The generated code names that path.

Either way the resource's id in state is the media id alone, and its outputs are Plivo's:
``contentSha256`` is the sha256 of the bytes Plivo serves, ``size``, ``fileName`` and
``contentType`` are Plivo's. The generated code sets ``path``, ``fileName`` and
``contentType``; once ``path`` names a file holding those bytes, the next ``pulumi up``
shows no change and uploads nothing. A path whose file is missing or holds other bytes
imports all the same, with a warning that the next ``up`` will fail or replace the media.
An id Plivo does not have fails the import in one line; nothing is imported.

**Preview.** The plugin announces preview support: during a preview, Create answers the
checked inputs with ``mediaId``, ``mediaUrl``, ``uploadTime`` and ``expiresAt`` unknown,
and uploads nothing; Update (a new ``reuploadAfter``) never uploads, so it answers as it
would in an ``up``. An input computed by another resource arrives unknown and is handled as
the dynamic provider handles it: what depends on it stays unknown.

**Concurrency and Cancel.** Every call runs as soon as it arrives, as many at once as the
engine sends (``--parallel``); the blocking work (hashing, uploads, reads) runs in a thread
pool of the plugin's own, large enough that the engine's default parallelism is never
capped. Cancel (Ctrl-C in ``pulumi up``) stops every wait and retry at once and sends no
new request; a request already on the wire finishes or times out. An upload whose outcome
is unknown stays in the upload journal, so the next run adopts it instead of uploading it
twice.

**Messages.** An expected failure (bad credentials, a changed file, Plivo unreachable) is
one line, with no traceback. Warnings (a ``reuploadAfter`` of 6 hours or more, missing
credentials) and the note on delete go to the engine's log with the resource's URN, so
``pulumi up`` shows them beside the resource; the plugin's own stderr is not shown to
users. The auth token appears in no output, log line or error.

Modules: :mod:`.schema` (the package schema), :mod:`.properties` (the engine's values to
the core's), :mod:`.config` (Configure, CheckConfig, DiffConfig), :mod:`.engine_log`
(``Engine.Log``), :mod:`.server` (the servicer) and :mod:`.main` (the executable).
"""
