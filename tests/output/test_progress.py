"""The batch progress display: a rich bar on a terminal, plain periodic lines otherwise."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

import pytest

from auth0link.errors import UsageError
from auth0link.output import Output

if TYPE_CHECKING:
    from collections.abc import Iterator


def test_plain_lines_when_stderr_is_not_a_terminal() -> None:
    """Not a TTY: a line with count, total, rate and ETA (interval 0 prints every time), no escapes."""
    err = io.StringIO()
    progress = Output(stdout=io.StringIO(), stderr=err, stderr_isatty=False).progress(
        total=4, label="batch-link", interval=0.0
    )
    for _ in range(2):
        progress.advance("linked")
    progress.close()
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("batch-link: 1/4 (")
    assert "ETA" in lines[0]
    assert lines[0].endswith("linked")
    assert "\x1b" not in err.getvalue()


def test_pairs_done_by_an_earlier_run_are_not_in_the_rate_or_the_total(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--resume: 8 of 10 pairs done before, 1 linked in 2 s: "1/2 (0.5/s, ETA 2 s)", not 9 pairs' rate."""
    import time

    now = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    err = io.StringIO()
    progress = Output(stdout=io.StringIO(), stderr=err, stderr_isatty=False).progress(
        total=10, label="batch-link", interval=0.0
    )
    for _ in range(8):
        progress.skip()
    assert err.getvalue() == ""  # skipping says nothing and does not count as progress
    now[0] = 102.0
    progress.advance("linked")
    assert err.getvalue().splitlines()[0] == "batch-link: 1/2 (0.5/s, ETA 2 s) linked"


def test_the_bar_total_shrinks_for_pairs_done_earlier() -> None:
    """On a TTY, skip() lowers the bar's total: M/N is this run's work."""
    err = io.StringIO()
    progress = Output(stdout=io.StringIO(), stderr=err, stderr_isatty=True, width=120).progress(
        total=5, label="batch-link"
    )
    progress.skip()
    progress.skip()
    progress.advance("linked")
    progress.close()
    assert "1/3" in err.getvalue()


def test_rich_bar_on_a_terminal() -> None:
    """On a TTY the rich bar shows done/total and the status, and closes cleanly."""
    err = io.StringIO()
    progress = Output(stdout=io.StringIO(), stderr=err, stderr_isatty=True, width=120).progress(
        total=3, label="batch-link"
    )
    for _ in range(3):
        progress.advance("linked")
    progress.close()
    text = err.getvalue()
    assert "3/3" in text
    assert "linked" in text


def test_rows_stream_tsv_json_and_table() -> None:
    """rows(): TSV with header when piped, JSON lines with --json, a table on a terminal."""
    columns = ("primary_id", "secondary_id")
    out = io.StringIO()
    assert Output(stdout=out, stderr=io.StringIO(), stdout_isatty=False).rows(columns, [("a|1", "b|2")]) == 1
    assert out.getvalue() == "primary_id\tsecondary_id\na|1\tb|2\n"
    out = io.StringIO()
    Output(stdout=out, stderr=io.StringIO(), stdout_isatty=False).rows(
        columns, [("a|1", "b|2")], as_json=True
    )
    assert out.getvalue() == '{"primary_id": "a|1", "secondary_id": "b|2"}\n'
    out = io.StringIO()
    Output(stdout=out, stderr=io.StringIO(), stdout_isatty=True, no_color=True, width=80).rows(
        columns, [("a|1", "b|2")]
    )
    assert "a|1" in out.getvalue()
    assert "primary_id" in out.getvalue()


def test_a_failure_before_the_first_row_prints_no_header() -> None:
    """Piped rows: an error while reading the first row comes before the header (stdout stays empty)."""

    def failing() -> Iterator[tuple[str, str]]:
        yield from ()  # a generator: the error comes when the first row is read
        raise UsageError("bad export")

    out = io.StringIO()
    with pytest.raises(UsageError):
        Output(stdout=out, stderr=io.StringIO(), stdout_isatty=False).rows(("a", "b"), failing())
    assert out.getvalue() == ""
    Output(stdout=out, stderr=io.StringIO(), stdout_isatty=False).rows(("a", "b"), [])
    assert out.getvalue() == "a\tb\n"  # no rows at all: still the header, for cut and friends


def test_update_sets_the_position_and_total() -> None:
    """update(): the position and a total learnt late show on plain lines and on the bar."""
    err = io.StringIO()
    progress = Output(stdout=io.StringIO(), stderr=err, stderr_isatty=False).progress(
        total=None, label="download", interval=0.0
    )
    progress.update(10, status="KiB")
    progress.update(30, total=40)
    progress.close()
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("download: 10 (")
    assert lines[1].startswith("download: 30/40 (")
    assert lines[1].endswith("KiB")
    err = io.StringIO()
    bar = Output(stdout=io.StringIO(), stderr=err, stderr_isatty=True, width=120).progress(
        total=100, label="export job"
    )
    bar.update(55, status="processing")
    bar.close()
    assert "55/100" in err.getvalue()
    assert "processing" in err.getvalue()


def test_a_progress_line_says_what_it_counts() -> None:
    """suggest's scan: "scanning users: 2 pages (… pages/s), 200 users read", not "2 (…/s) 200 users"."""
    err = io.StringIO()
    progress = Output(stdout=io.StringIO(), stderr=err, stderr_isatty=False).progress(
        total=None, label="scanning users", interval=0.0, unit="page"
    )
    progress.advance("100 users read")
    progress.advance("200 users read")
    first, second = err.getvalue().splitlines()[:2]
    assert re.fullmatch(r"scanning users: 1 page \(\d+\.\d pages/s\), 100 users read", first), first
    assert re.fullmatch(r"scanning users: 2 pages \(\d+\.\d pages/s\), 200 users read", second), second
