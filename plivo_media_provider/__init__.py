"""Plivo MMS media as Pulumi infrastructure, diffed by content hash."""

__version__ = "0.1.0"
