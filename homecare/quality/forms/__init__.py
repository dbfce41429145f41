"""Quality forms, by topic (validation only; the services hold the rules)."""
