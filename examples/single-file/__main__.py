"""One image held by Plivo as MMS media, re-uploaded before Plivo would expire it."""

import pulumi

from plivo_media_provider import MediaFile

# Plivo deletes media that no MMS has used 6 hours after its upload. With reupload_after,
# a `pulumi up` run later than that replaces the media with a fresh upload.
logo = MediaFile("logo", path="logo.png", reupload_after="5h")

pulumi.export("media_url", logo.media_url)
pulumi.export("media_id", logo.media_id)
pulumi.export("expires_at", logo.expires_at)
