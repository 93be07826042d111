"""The demo's MMS campaign: every file in ``assets/`` becomes Plivo media.

Run by the root project (``Pulumi.yaml`` at the repository root, ``main: examples/campaign/``).
Pulumi runs a program in its own folder, so ``assets`` is this folder's ``assets/``. Each
file gets a ``MediaFile`` named ``campaign/<path inside assets>``, such as
``campaign/images/logo.png``; its logical name (``images/logo.png``) keys the outputs.
"""

import pulumi

from plivo_media_provider import MediaAssets

campaign = MediaAssets("campaign", directory="assets")

pulumi.export("media_urls", campaign.media_urls)
pulumi.export("media_ids", campaign.media_ids)
