"""Abuse resistance that needs a third-party library: the registration proof of work."""
