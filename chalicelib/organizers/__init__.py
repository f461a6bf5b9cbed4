"""Organizers: personal accounts, their sessions, and the role policy every admin route asks."""
