"""Contest platform: rules, data access and HTTP wiring behind app.py."""
