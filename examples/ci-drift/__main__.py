"""One MediaFile whose drift a scheduled CI job watches; see README.md and .github/."""

import pulumi

from plivo_media_provider import MediaFile, MediaFileArgs

# A relative path is recorded in state as written and resolved from this folder, the
# project directory: `plivo-media drift` resolves it the same way (its --root, default ".").
offer = MediaFile("offer", MediaFileArgs(path="media/offer.txt"))

pulumi.export("offer_media_id", offer.media_id)
pulumi.export("offer_media_url", offer.media_url)
pulumi.export("offer_expires_at_if_unsent", offer.expires_at)
