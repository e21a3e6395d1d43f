"""Rendering: the only package that imports rich.

Data goes to stdout, everything else (status, warnings, errors, prompts) to stderr. Data is
rendered three ways: a rich table when stdout is a terminal, TSV (with a header unless
``--no-header``) when it is not, and ``--json`` with stable keys for scripts. Colour is off
when ``NO_COLOR`` is set or the stream is not a terminal. Every value shown is stripped of
control characters, so a display name cannot smuggle terminal escapes: :func:`clean` turns a
value into one safe line, and every write to a stream (status lines, data, errors, the
``--debug`` log) passes :func:`safe_text`, which removes C0 and C1 controls, DEL and bidi marks
whatever the caller did; JSON escapes them (:func:`dumps`).

Layout: :mod:`._streams` (streams, TTY state, tables, rows), :mod:`._render` (the domain views:
identities, link plans, sessions, doctor, login prompts), :mod:`._progress` (batch progress) and
:mod:`._svg` (README screenshots; only the docs generator loads it).
"""

from __future__ import annotations

from auth0link.output._render import Renderings
from auth0link.output._streams import IDENTITY_COLUMNS, debug_log_handler, write_error
from auth0link.output._text import clean, dumps, safe_text

__all__ = ["IDENTITY_COLUMNS", "Output", "clean", "debug_log_handler", "dumps", "safe_text", "write_error"]


class Output(Renderings):
    """Streams and TTY state, injected (tests pass StringIO and flags), and every rendering."""
