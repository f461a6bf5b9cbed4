"""Data access: every PynamoDB model and query lives in this package."""
