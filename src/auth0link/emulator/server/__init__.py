"""The server and its command line: options, ``main``, the bind and banner, HTTPS, readiness files."""
