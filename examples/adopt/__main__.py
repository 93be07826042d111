"""Adopt existing Plivo media by id: no upload, as long as its bytes are this file's.

``pulumi import`` cannot import a dynamic resource, so adoption is an input: on create the
provider fetches media ``mediaId``, checks that its bytes hash like ``logo.png`` and that its
file name and type match, and records it. Set the id with ``pulumi config set mediaId <id>``.
"""

import pulumi

from plivo_media_provider import MediaFile

config = pulumi.Config()
logo = MediaFile("logo", path="logo.png", adopt_media_id=config.require("mediaId"))

pulumi.export("media_url", logo.media_url)
pulumi.export("media_id", logo.media_id)
