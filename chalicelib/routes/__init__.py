"""Chalice blueprints; each view is a few lines that call a service."""
