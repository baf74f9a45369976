"""Running the product: metrics, logs, traces, health, the schema check at start, backup and restore."""
