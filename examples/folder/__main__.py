"""A folder of images, filtered by globs: one MediaFile per file that is left.

``media/`` holds photos, a sticker, a draft and a hidden note. The include globs take the
images at any depth, the exclude glob drops the ``drafts/`` folder, and ``.notes.txt`` is
hidden, so it is skipped without being named.
"""

import pulumi

from plivo_media_provider import MediaAssets

gallery = MediaAssets(
    "gallery",
    directory="media",
    include=["*.jpg", "*.png", "*.gif"],
    exclude=["drafts/"],
)

pulumi.export("media_urls", gallery.media_urls)
