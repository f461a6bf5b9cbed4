"""The contest's rules as pure functions: no HTTP, no DynamoDB, no clock of their own."""
