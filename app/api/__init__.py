"""The REST adapter: FastAPI routers that parse input, call a service, and shape output."""
