"""The question bank: organizers' management (service) and its routes (docs/api.md,
"Question bank")."""
