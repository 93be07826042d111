"""Drift: what in a stack's state no longer matches Plivo or the local files, and why.

:mod:`.stack_export` reads the state, :mod:`.check` checks each MediaFile, and
:mod:`.report` says what was found (statuses, the JSON document, the table), which
:mod:`.junit` and :mod:`.markdown` write for CI tools. The ``plivo-media drift`` command is
:mod:`plivo_media_provider.cli.drift`.
"""
