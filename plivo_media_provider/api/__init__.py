"""Plivo's Media API as this package sees it: the HTTP client and what only it knows.

The client (:mod:`.client`) and the modules under it (:mod:`.transport`, :mod:`.wire`,
:mod:`.deadline`, :mod:`.answers`) are the only code that imports ``requests``.
:mod:`.media` describes what the API returns, :mod:`.plivo_clock` learns Plivo's clock from
its answers, :mod:`.order` the list's order from its pages, :mod:`.pool` keeps one client
per settings per process, :mod:`.listing` answers many reads from one list page, and
:mod:`.proof` decides when a media is gone. Nothing here knows Pulumi.
"""
