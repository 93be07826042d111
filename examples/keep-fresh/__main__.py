"""A campaign's media kept fresh until it is sent; see README.md for the scheduled workflow.

Plivo deletes media that was never sent in an MMS 6 hours after its upload. A workflow runs
`pulumi up --refresh` every 4 hours; with ``reupload_after`` below that interval, each run
replaces media uploaded by the run before, so no media is ever older than one interval plus
the run's delay, well under 6 hours.
"""

import pulumi

from plivo_media_provider import MediaAssets

REUPLOAD_AFTER = "3h"
"""Below the 4-hour schedule, so that every scheduled run renews the media it finds."""

campaign = MediaAssets("campaign", directory="media", reupload_after=REUPLOAD_AFTER)

pulumi.export("media_urls", campaign.media_urls)
pulumi.export("media_ids", campaign.media_ids)
