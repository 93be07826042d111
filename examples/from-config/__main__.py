"""Media declared in stack config: this program never changes, Pulumi.<stack>.yaml does.

The config object ``assets`` maps logical names to a path, or to an object with ``path``
and optionally ``file_name``, ``content_type``, ``adopt_media_id`` and ``reupload_after``.
See ``Pulumi.example.yaml``.
"""

import pulumi

from plivo_media_provider import MediaAssets

assets = MediaAssets.from_config("campaign", config=pulumi.Config(), key="assets")

pulumi.export("media_urls", assets.media_urls)
pulumi.export("media_ids", assets.media_ids)
