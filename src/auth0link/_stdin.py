"""Reading stdin safely: a closed, unreadable or non-UTF-8 stdin is a one-line usage error (exit 2).

Every command that reads stdin goes through here: ``link --id-token -``, ``unlink -``,
``batch-link -`` and ``login --machine --client-secret -``. Bytes are read from the binary
buffer and decoded strictly, so the result does not depend on the locale or on Python's UTF-8
mode (which would let undecodable bytes through as lone surrogates). Nothing read from stdin is
ever put into an error message: it may be a secret.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

from auth0link.errors import Fix, UsageError

if TYPE_CHECKING:
    from collections.abc import Iterator


def read_text(stdin: IO[str] | None, *, what: str, hint: Fix | str) -> str:
    """All of stdin as text, with newlines normalised as text mode does.

    ``what`` names the expected input ("an ID token"); ``hint`` says how to provide it.
    """
    binary = _binary(stdin, what=what, hint=hint)
    try:
        data = binary.read()
    except (OSError, ValueError):
        raise _closed(what, hint) from None
    try:
        text = _as_bytes(data).decode("utf-8")
    except UnicodeError:
        raise UsageError(f"stdin is not UTF-8 text (expected {what}).", hint=hint) from None
    if "\x00" in text:
        raise UsageError(f"stdin contains NUL bytes (expected {what}).", hint=hint)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def iter_lines(stdin: IO[str] | None, *, what: str, hint: Fix | str) -> Iterator[bytes]:
    """Stream stdin's lines as bytes (the reader decodes each one and reports a bad line itself).

    A closed stdin is refused here, before anything is read; a read error later ends the stream
    with the same usage error.
    """
    binary = _binary(stdin, what=what, hint=hint)

    def lines() -> Iterator[bytes]:
        try:
            for line in binary:
                yield _as_bytes(line)
        except (OSError, ValueError):
            raise _closed(what, hint) from None

    return lines()


def _binary(stdin: IO[str] | None, *, what: str, hint: Fix | str) -> Any:
    """The byte stream under ``stdin`` (or ``stdin`` itself when it has none, as some test harnesses)."""
    if stdin is None:  # Python sets sys.stdin to None when file descriptor 0 is closed
        raise _closed(what, hint)
    return getattr(stdin, "buffer", stdin)


def _as_bytes(data: bytes | str) -> bytes:
    """Bytes as they are; text from a stream without a buffer, with its surrogates kept (so they fail)."""
    return data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")


def _closed(what: str, hint: Fix | str) -> UsageError:
    return UsageError(f"stdin is closed (expected {what}).", hint=hint)
