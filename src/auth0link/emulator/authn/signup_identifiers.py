"""Which identifiers a database connection's sign-up takes: email, username, phone number.

Two ways a connection says it (Auth0's connection ``options``):

- the older flags: ``email`` is always required, ``username`` too with ``requires_username:
  true`` (within ``validation.username.min``/``max``, 1 to 15 characters by default);
- ``attributes`` (Flexible Identifiers): ``{"email"|"phone_number"|"username": {"identifier":
  {"active": true}, "signup": {"status": "required"|"optional"|"inactive"}}}``; an attribute
  missing from the object is not used. A sign-up needs every required attribute and at least one
  active identifier, so a connection with only ``phone_number`` or ``username`` active takes a
  sign-up by that alone.

The errors use the validator's wording ("Missing required property: email").
"""

from __future__ import annotations

from typing import Any

IDENTIFIERS = ("email", "phone_number", "username")
_DEFAULT_USERNAME = (1, 15)  # Auth0's default username length


def _rules(options: dict[str, Any]) -> dict[str, str]:
    """``{identifier: "required" | "optional"}`` for the identifiers the connection takes."""
    attributes = options.get("attributes")
    if not isinstance(attributes, dict):
        return {"email": "required", **({"username": "required"} if options.get("requires_username") else {})}
    rules: dict[str, str] = {}
    for key in IDENTIFIERS:
        attribute = attributes.get(key)
        if not isinstance(attribute, dict):
            continue
        identifier = attribute.get("identifier")
        active = isinstance(identifier, dict) and identifier.get("active") is True
        signup = attribute.get("signup")
        status = signup.get("status", "optional") if isinstance(signup, dict) else "optional"
        if active and status != "inactive":
            rules[key] = "required" if status == "required" else "optional"
    return rules


def _valid(key: str, value: str, options: dict[str, Any]) -> str | None:
    """Why ``value`` is not a valid ``key`` (``None`` when it is)."""
    if key == "email" and "@" not in value:
        return "Object didn't pass validation for format email: " + value
    if key == "phone_number" and not (value.startswith("+") and value[1:].isdigit()):
        return "Object didn't pass validation for format phone_number: " + value
    if key == "username":
        validation = options.get("validation")
        bounds = validation.get("username") if isinstance(validation, dict) else None
        low, high = _DEFAULT_USERNAME
        if isinstance(bounds, dict):
            low, high = int(bounds.get("min", low)), int(bounds.get("max", high))
        if not low <= len(value) <= high:
            return f"String is too {'short' if len(value) < low else 'long'} ({len(value)} chars)"
    return None


def identifiers(options: dict[str, Any], body: dict[str, Any]) -> dict[str, str] | str:
    """The sign-up's identifiers (normalised), or the validation error's text."""
    rules = _rules(options)
    found: dict[str, str] = {}
    for key in IDENTIFIERS:
        raw = body.get(key)
        if isinstance(raw, str) and raw.strip():
            value = raw.strip().lower() if key == "email" else raw.strip()
            if key in rules:
                problem = _valid(key, value, options)
                if problem is not None:
                    return problem
                found[key] = value
        elif rules.get(key) == "required":
            return f"Missing required property: {key}"
    if not found:
        return f"Missing required property: {next(iter(rules), 'email')}"
    return found


def answer(ids: dict[str, str]) -> dict[str, Any]:
    """The identifiers as the sign-up answer shows them (``email_verified: false`` before email)."""
    shown: dict[str, Any] = {}
    if "email" in ids:
        shown.update(email_verified=False, email=ids["email"])
    if "phone_number" in ids:
        shown.update(phone_number=ids["phone_number"], phone_verified=False)
    if "username" in ids:
        shown["username"] = ids["username"]
    return shown
