"""The wiring: the one ASGI app, its middlewares (guard, limits, framing, CSRF, faults) and control."""
