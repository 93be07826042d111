"""MediaFile's behaviour, defined once for every way of serving it.

:mod:`.schema` is the one field schema, :mod:`.content` inspects local files, :mod:`.inputs`
validates what a program declares, and the behaviour itself (check, diff, create, read,
update, delete) works on plain Python values. Nothing here imports Pulumi: the dynamic
provider (:mod:`plivo_media_provider.provider`) is a face that translates the SDK's calls
to this core and does nothing else.
"""
