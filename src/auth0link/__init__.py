"""auth0link: link and unlink Auth0 user accounts from the terminal.

auth0link is a command-line tool first. It has no public Python API: the modules are private and
may change in any release. ``import auth0link`` is deliberately cheap (it imports neither click,
httpx, rich, keyring nor jwt), so the CLI starts fast.
"""

from __future__ import annotations

__all__ = ["__version__", "version_line"]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from auth0link._version import __version__

        return __version__
    raise AttributeError(name)


def version_line() -> str:
    """``auth0link X.Y.Z``: what ``--version`` prints (the console script's entry and the click group)."""
    from auth0link._version import __version__

    return f"auth0link {__version__}"
