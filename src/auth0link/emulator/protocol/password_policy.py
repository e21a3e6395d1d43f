"""Database connection password policies (``options.passwordPolicy``), as Auth0 checks them.

=============  ==================================================================
``none``       at least 1 character
``low``        at least 6 characters
``fair``       at least 8, with lower case, upper case and numbers
``good``       at least 8, with 3 of: lower case, upper case, numbers, special
``excellent``  at least 10, 3 of the 4 kinds, no more than 2 identical in a row
=============  ==================================================================

:func:`check` returns the rules with ``verified`` flags, in the shape of the ``description`` of
Auth0's ``PasswordStrengthError`` (password-sheriff's rule list), and the policy as text.
"""

from __future__ import annotations

import re
import string
from typing import Any, Final

_KINDS: Final = (
    ("lowerCase", "lower case letters (a-z)", string.ascii_lowercase),
    ("upperCase", "upper case letters (A-Z)", string.ascii_uppercase),
    ("numbers", "numbers (i.e. 0-9)", string.digits),
    ("specialCharacters", "special characters (e.g. !@#$%^&*)", string.punctuation + " "),
)
# policy -> (minimum length, kinds required, out of which kinds, no 3 identical in a row)
POLICIES: Final = {
    "none": (1, 0, 0, False),
    "low": (6, 0, 0, False),
    "fair": (8, 3, 3, False),
    "good": (8, 3, 4, False),
    "excellent": (10, 3, 4, True),
}


def _length_rule(password: str, minimum: int) -> dict[str, Any]:
    return {
        "message": f"At least {minimum} characters in length",
        "code": "lengthAtLeast",
        "verified": len(password) >= minimum,
    }


def _kinds_rule(password: str, needed: int, out_of: int) -> dict[str, Any]:
    present = [any(ch in chars for ch in password) for _code, _label, chars in _KINDS[:out_of]]
    items = [
        {"message": label, "code": code, "verified": found}
        for (code, label, _chars), found in zip(_KINDS[:out_of], present, strict=True)
    ]
    message = (
        f"Contain at least {needed} of the following {out_of} types of characters:"
        if needed < out_of
        else "Contain the following types of characters:"
    )
    return {
        "message": message,
        "code": "containsAtLeast",
        "items": items,
        "verified": sum(present) >= needed,
    }


def check(policy: str, password: str) -> tuple[bool, dict[str, Any], str]:
    """``(ok, description, policy text)`` of ``password`` under ``policy`` (unknown: ``good``)."""
    minimum, needed, out_of, no_repeats = POLICIES.get(policy, POLICIES["good"])
    rules = [_length_rule(password, minimum)]
    if needed:
        rules.append(_kinds_rule(password, needed, out_of))
    if no_repeats:
        rules.append(
            {
                "message": 'No more than 2 identical characters in a row (e.g., "aaa" not allowed)',
                "code": "identicalChars",
                "verified": re.search(r"(.)\1\1", password) is None,
            }
        )
    ok = all(rule["verified"] for rule in rules)
    lines = []
    for rule in rules:
        lines.append(f"* {rule['message']}")
        lines.extend(f" * {item['message']}" for item in rule.get("items", []))
    return ok, {"rules": rules, "verified": ok}, "\n".join(lines)
