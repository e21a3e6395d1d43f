"""batch-link input: TSV and JSON lines, the header and comments, invalid lines with their numbers."""

from __future__ import annotations

import pytest

from auth0link.infra.journal import pair_key
from auth0link.infra.pipe_format import InvalidLine, Pair, parse_line, read_pairs


def test_parse_tsv_json_header_and_comments() -> None:
    """TSV and JSON lines parse; the header, comments and blank lines are ignored."""
    assert parse_line("primary_id\tsecondary_id\temail\treason", 1) is None
    assert parse_line("# comment", 2) is None
    assert parse_line("   ", 3) is None
    assert parse_line("auth0|a\tgoogle-oauth2|1\ta@x\twhy", 4) == Pair("auth0|a", "google-oauth2|1", 4, "a@x")
    assert parse_line('{"primary_id": "auth0|a", "secondary_id": "github|2"}', 5) == Pair(
        "auth0|a", "github|2", 5, None
    )


def test_email_column_is_kept_for_the_one_request_read() -> None:
    """The email (TSV third column or JSON "email") rides along; an empty column is no email."""
    assert parse_line("auth0|a\tgithub|2\t\twhy", 1) == Pair("auth0|a", "github|2", 1, None)
    assert parse_line("auth0|a\tgithub|2", 1) == Pair("auth0|a", "github|2", 1, None)
    json_line = '{"primary_id": "auth0|a", "secondary_id": "github|2", "email": "a@x"}'
    assert parse_line(json_line, 1) == Pair("auth0|a", "github|2", 1, "a@x")


def test_suggest_json_keys_and_short_keys_both_parse() -> None:
    """JSON lines may say primary/secondary as well as primary_id/secondary_id."""
    assert parse_line('{"primary": "auth0|a", "secondary": "github|2"}', 9) == Pair("auth0|a", "github|2", 9)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("auth0|a", "expected primary_id<TAB>secondary_id"),
        ("auth0|a\tnot-an-id", "user IDs must look like provider|id"),
        ("auth0|a\tauth0|a", "primary and secondary are the same user"),
        ("{bad json", "not valid JSON"),
        ('{"primary_id": "auth0|a", "secondary_id": 7}', "user IDs must look like provider|id"),
        ("[1, 2]", "expected primary_id<TAB>secondary_id"),
        ("auth0|a\tgithub|\x07", "user IDs must look like provider|id"),
        ("auth0|a\tgithub|" + "9" * 600, "user IDs must look like provider|id"),
    ],
)
def test_invalid_lines_carry_their_number(text: str, reason: str) -> None:
    """Each kind of bad line becomes an InvalidLine with its line number and reason."""
    assert parse_line(text, 7) == InvalidLine(7, reason)


def test_read_pairs_numbers_lines_from_one_and_decodes_bytes() -> None:
    """Line numbers count every line (skipped ones too); a byte line that is not UTF-8 is invalid."""
    items = list(
        read_pairs([b"primary_id\tsecondary_id", b"auth0|a\tgithub|1", b"\xff\xfe", "auth0|b\tgithub|2"])
    )
    assert items == [
        Pair("auth0|a", "github|1", 2),
        InvalidLine(3, "not UTF-8 text"),
        Pair("auth0|b", "github|2", 4),
    ]


def test_pair_key_is_the_journal_key() -> None:
    """A pair's key is what the journal records: primary, a tab, secondary."""
    assert Pair("auth0|a", "github|1", 1).key == pair_key("auth0|a", "github|1") == "auth0|a\tgithub|1"
