"""Background jobs: run by the arq worker with Redis, or in-process without it."""
