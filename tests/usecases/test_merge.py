"""The user_metadata merge before a link (``auth0link.usecases.merge``) and how the plan shows it."""

from __future__ import annotations

import dataclasses
import io

from auth0link.models import LinkPlan, User
from auth0link.output import Output
from auth0link.usecases.merge import merge_metadata


def test_kept_account_wins_and_patch_has_only_new_keys() -> None:
    """The kept account's values win; the PATCH carries only keys it lacks."""
    merge = merge_metadata(
        {"theme": "light", "a": 1}, {"theme": "dark", "locale": "fr"}, prefer_secondary=False
    )
    assert merge.patch == {"locale": "fr"}
    assert merge.merged == {"theme": "light", "a": 1, "locale": "fr"}
    assert merge.conflicts == {"theme": ("light", "dark")}
    assert merge.changes is True


def test_prefer_secondary_overwrites_conflicts() -> None:
    """With prefer-secondary the absorbed account's conflicting values are patched in."""
    merge = merge_metadata({"theme": "light"}, {"theme": "dark"}, prefer_secondary=True)
    assert merge.patch == {"theme": "dark"}
    assert merge.merged == {"theme": "dark"}


def test_never_sends_null_and_detects_no_change() -> None:
    """A null value (which would delete the key) is never sent; equal metadata needs no PATCH."""
    merge = merge_metadata({"a": 1}, {"a": 1, "b": None}, prefer_secondary=True)
    assert merge.patch == {}
    assert merge.changes is False


def rendered(plan: LinkPlan) -> str:
    """What the plan looks like on stderr (no terminal)."""
    err = io.StringIO()
    Output(stdout=io.StringIO(), stderr=err, stdout_isatty=False, stderr_isatty=False).link_plan(plan)
    return err.getvalue()


def plan_for(primary: dict[str, object], secondary: dict[str, object], *, prefer_secondary: bool) -> LinkPlan:
    """The plan of linking an account with ``absorbed`` metadata into one with ``kept``."""
    user = User.from_api({"user_id": "auth0|p1", "user_metadata": primary})
    merge = merge_metadata(primary, secondary, prefer_secondary=prefer_secondary)
    return LinkPlan(
        primary=user, secondary_id="sms|s1", secondary_contact="+15555550123", merge=merge, backup="b"
    )


def test_plan_shows_added_kept_and_replaced_keys_and_the_contact() -> None:
    """The plan marks added (+), kept (=) and replaced (~) keys, and names the absorbed contact."""
    text = rendered(plan_for({"theme": "light"}, {"theme": "dark", "locale": "fr"}, prefer_secondary=False))
    assert "Link sms|s1 (+15555550123) into auth0|p1." in text
    assert '+ locale: "fr"' in text
    assert '= theme: "light" (kept; the other account had "dark")' in text
    replaced = rendered(plan_for({"theme": "light"}, {"theme": "dark"}, prefer_secondary=True))
    assert '~ theme: "dark" (replaces "light")' in replaced


def test_plan_of_an_account_without_email_or_phone_shows_no_empty_parentheses() -> None:
    """An absorbed account known without a contact (an ID token with no email claim): no "()"."""
    plan = dataclasses.replace(plan_for({}, {}, prefer_secondary=False), secondary_contact=None)
    text = rendered(plan)
    assert "Link sms|s1 into auth0|p1." in text
    assert "()" not in text
