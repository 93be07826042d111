"""Uploads stored exactly once: the protocol (:mod:`.protocol`) and its write-ahead journal
(:mod:`.journal`). Built on the API client; knows nothing of Pulumi."""
