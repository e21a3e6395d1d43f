"""The ``q`` of user search v3: Auth0's subset of the Lucene query syntax, compiled to a predicate.

From Auth0's "User Search Query Syntax" (v3):

- terms ``field:value``, phrases ``field:"two words"`` (an exact match), groups ``( … )`` and
  field groups ``field:(a OR b)``; ``AND``, ``OR``, ``NOT`` (capitalised; ``-term`` is a NOT),
  terms side by side are joined by AND; ``_exists_:field`` and ``field:*`` test presence;
- wildcards ``*`` and ``?`` (``name:john*``, ``name:*usa``; a suffix match needs at least three
  literal characters; none on ``user_metadata``);
- ranges ``[a TO b]`` (inclusive), ``{a TO b}`` (exclusive), ``*`` for an open end
  (``logins_count:[1 TO *]``, ``created_at:[2020-01-01 TO *]``; none on ``user_metadata``);
- ``email``, ``name``, ``given_name``, ``family_name`` and ``nickname`` match case-insensitively,
  other fields (metadata included) case-sensitively; a bare word on ``name``-like fields matches
  one of its words, a phrase the whole value;
- ``app_metadata.*`` and ``user_metadata.*`` paths reach into nested objects and through arrays;
  a term with no field searches the normalised fields (never metadata).

A field that is not searchable, and syntax outside this subset, is a 400
``invalid_query_string`` (the wording is the emulator's: Auth0 does not document its texts).
The compiled predicate reads the user records directly, so a search over 100,000 users stays
fast.
"""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING, Any

from ..state.model import ManagementError

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..state.model import User

    Predicate = Callable[[User], bool]
    Reader = Callable[[User], list[Any]]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<lp>\() | (?P<rp>\))
    | (?P<field>[A-Za-z_][\w.]*):
    | (?P<range>[\[{]\s*(?P<lo>"[^"]*"|[^\s\]}]+)\s+TO\s+(?P<hi>"[^"]*"|[^\s\]}]+)\s*[\]}])
    | (?P<quoted>"(?:[^"\\]|\\.)*")
    | (?P<neg>[-!])(?=[A-Za-z_("])
    | (?P<word>(?:\\.|[^\s()"\\])+)
    )""",
    re.VERBOSE,
)
NORMALISED = ("email", "name", "given_name", "family_name", "nickname")
_WORDED = frozenset(("name", "given_name", "family_name", "nickname"))
_TEXT = frozenset(("user_id", "username", "phone_number", "picture", "last_ip", "organization_id"))
_BOOLEANS = frozenset(("email_verified", "phone_verified", "blocked"))
_DATES = frozenset(("created_at", "updated_at", "last_login", "last_password_reset"))
_IDENTITY_KEYS = {"connection": "connection", "provider": "provider", "user_id": "user_id"}


def bad_query(message: str) -> ManagementError:
    """A 400 ``invalid_query_string`` with Auth0's wording."""
    return ManagementError(400, f"Query validation error: '{message}'.", "invalid_query_string")


def _attribute(user: User, key: str) -> Any:
    """A root attribute: a :class:`User` field, else one of its extras (username, blocked, …)."""
    value = getattr(user, key, None)
    return user.extra.get(key) if value is None else value


def _metadata_values(root: Any, path: list[str]) -> list[Any]:
    """Scalars at ``path`` under ``root``, through nested objects and arrays."""
    found: list[Any] = []
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, list):
            stack.extend((item, depth) for item in node)
        elif depth == len(path):
            if node is not None and not isinstance(node, dict):
                found.append(node)
        elif isinstance(node, dict) and path[depth] in node:
            stack.append((node[path[depth]], depth + 1))
    return found


def reader(field: str) -> Reader:
    """How to read ``field`` off a user, as the values a term is compared with."""
    head, _, rest = field.partition(".")
    if head in ("app_metadata", "user_metadata") and rest:
        path = rest.split(".")
        return lambda user: _metadata_values(getattr(user, head), path)
    if head == "identities" and rest in (*_IDENTITY_KEYS, "isSocial"):
        if rest == "isSocial":
            return lambda user: [i.is_social for i in user.identities]
        attribute = _IDENTITY_KEYS[rest]
        return lambda user: [getattr(i, attribute) for i in user.identities]
    if field == "email.domain":
        return lambda user: [user.email.rpartition("@")[2]] if user.email else []
    if field == "logins_count":
        return lambda user: [user.logins_count] if user.logins_count else []
    if field in NORMALISED or field in _TEXT or field in _BOOLEANS or field in _DATES:
        return lambda user: [] if (value := _attribute(user, field)) in (None, "") else [value]
    raise bad_query(f"Unsupported field in q: {field}")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _millis(text: str) -> float | None:
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()


def _wildcard(field: str, pattern: str, fold: bool) -> Callable[[Any], bool]:
    if field.startswith("user_metadata."):
        raise bad_query(f"Wildcards are not allowed on user_metadata fields: {field}")
    literal = pattern.lstrip("*?")
    if literal != pattern and len(literal.replace("*", "").replace("?", "")) < 3:  # noqa: PLR2004 - Auth0's minimum
        raise bad_query(f"A suffix match needs at least 3 characters: {field}:{pattern}")
    prefix = pattern[:-1]
    if pattern.endswith("*") and "*" not in prefix and "?" not in prefix:  # the common case, fast
        prefix = prefix.lower() if fold else prefix
        if fold:
            return lambda value: _text(value).lower().startswith(prefix)
        return lambda value: _text(value).startswith(prefix)
    parts = ("." if c == "?" else ".*" if c == "*" else re.escape(c) for c in pattern)
    regex = re.compile("".join(parts), re.IGNORECASE if fold else 0)
    return lambda value: regex.fullmatch(_text(value)) is not None


def _equals(field: str, value: str, phrase: bool) -> Callable[[Any], bool]:
    fold = field in NORMALISED or field == "email.domain"
    wanted = value.lower() if fold else value
    if field in _WORDED and not phrase and " " not in wanted:
        return lambda got: wanted in _text(got).lower().split() or _text(got).lower() == wanted
    if field in _DATES:
        moment = _millis(value)
        return lambda got: _text(got) == value or (moment is not None and _millis(_text(got)) == moment)
    if fold:
        return lambda got: _text(got).lower() == wanted
    number = _number(value)
    return lambda got: (
        _text(got) == wanted
        or (
            number is not None
            and isinstance(got, int | float)
            and not isinstance(got, bool)
            and got == number
        )
    )


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _bound(field: str, raw: str) -> Any:
    raw = raw.strip('"')
    if raw == "*":
        return None
    if field in _DATES:
        moment = _millis(raw)
        if moment is None:
            raise bad_query(f"Invalid date in range: {raw}")
        return moment
    try:
        return float(raw)
    except ValueError:
        return raw.lower() if field in NORMALISED else raw


def _range(field: str, match: re.Match[str]) -> Callable[[Any], bool]:
    if field.startswith("user_metadata."):
        raise bad_query(f"Ranges are not allowed on user_metadata fields: {field}")
    text = match.group("range")
    low, high = _bound(field, match.group("lo")), _bound(field, match.group("hi"))
    low_in, high_in = text.startswith("["), text.endswith("]")

    def inside(got: Any) -> bool:
        value: Any = _millis(_text(got)) if field in _DATES else got
        if value is None or isinstance(value, bool):
            return False
        numeric = isinstance(low if low is not None else high, float)
        if numeric and not isinstance(value, int | float):
            return False
        if not numeric:
            value = _text(value).lower() if field in NORMALISED else _text(value)
        if low is not None and (value < low or (value == low and not low_in)):
            return False
        return high is None or value < high or (value == high and high_in)

    return inside


class _Parser:
    """Recursive descent over the tokens of ``q`` (see the module docstring)."""

    def __init__(self, q: str) -> None:
        self.q = q
        self.tokens: list[tuple[str, re.Match[str]]] = []
        position = 0
        while position < len(q):
            if not q[position:].strip():
                break
            match = _TOKEN.match(q, position)
            if match is None or match.end() == position:
                raise bad_query(f"Unsupported query syntax in q: {q}")
            self.tokens.append((str(match.lastgroup), match))
            position = match.end()
        self.at = 0

    def _peek(self) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            return "end", ""
        kind, match = self.tokens[self.at]
        return kind, match.group(kind) if kind != "range" else match.group(0)

    def _take(self) -> tuple[str, re.Match[str]]:
        if self.at >= len(self.tokens):
            raise bad_query(f"Unsupported query syntax in q: {self.q}")
        self.at += 1
        return self.tokens[self.at - 1]

    def parse(self) -> Predicate:
        predicate = self._or(None)
        if self._peek()[0] != "end":
            raise bad_query(f"Unsupported query syntax in q: {self.q}")
        return predicate

    def _or(self, field: str | None) -> Predicate:
        terms = [self._and(field)]
        while self._peek() == ("word", "OR"):
            self._take()
            terms.append(self._and(field))
        return terms[0] if len(terms) == 1 else lambda user: any(term(user) for term in terms)

    def _and(self, field: str | None) -> Predicate:
        terms = [self._not(field)]
        while self._peek()[0] not in ("end", "rp") and self._peek() != ("word", "OR"):
            if self._peek() == ("word", "AND"):
                self._take()
            terms.append(self._not(field))
        return terms[0] if len(terms) == 1 else lambda user: all(term(user) for term in terms)

    def _not(self, field: str | None) -> Predicate:
        if self._peek() in (("word", "NOT"), ("neg", "-"), ("neg", "!")):
            self._take()
            inner = self._not(field)
            return lambda user: not inner(user)
        return self._primary(field)

    def _primary(self, field: str | None) -> Predicate:
        kind, match = self._take()
        if kind == "lp":
            inner = self._or(field)
            if self._take()[0] != "rp":
                raise bad_query(f"Unsupported query syntax in q: {self.q}")
            return inner
        if kind == "field":
            if field is not None:
                raise bad_query(f"Unsupported query syntax in q: {self.q}")
            name = match.group("field")
            if name == "_exists_":
                target = self._take()
                if target[0] != "word":
                    raise bad_query(f"Unsupported query syntax in q: {self.q}")
                read = reader(target[1].group("word"))
                return lambda user: bool(read(user))
            return self._primary(name)
        return self._value(field, kind, match)

    def _value(self, field: str | None, kind: str, match: re.Match[str]) -> Predicate:
        operator = kind == "word" and match.group("word") in ("AND", "OR")
        if kind not in ("word", "quoted", "range") or operator:
            raise bad_query(f"Unsupported query syntax in q: {self.q}")
        if field is None:
            terms = [self._value(name, kind, match) for name in NORMALISED]
            return lambda user: any(term(user) for term in terms)
        read = reader(field)
        if kind == "range":
            test = _range(field, match)
        elif kind == "quoted":
            test = _equals(field, match.group("quoted")[1:-1].replace('\\"', '"'), phrase=True)
        else:
            word = re.sub(r"\\(.)", r"\1", match.group("word"))
            if word == "*":
                return lambda user: bool(read(user))
            if "*" in word or "?" in word:
                test = _wildcard(field, word, fold=field in NORMALISED or field == "email.domain")
            else:
                test = _equals(field, word, phrase=False)
        return lambda user: any(test(value) for value in read(user))


def compile_query(q: str) -> Predicate:
    """The predicate of the query ``q`` (everyone for an empty query or ``*``)."""
    q = q.strip()
    if not q or q == "*":
        return lambda _user: True
    return _Parser(q).parse()


def sort_key(field: str) -> Callable[[User], tuple[bool, Any]]:
    """How ``sort=field:1|-1`` orders users: by the field's first value; users without one last."""
    read = reader(field)

    def key(user: User) -> tuple[bool, Any]:
        values = read(user)
        if not values:
            return True, ""
        value = values[0]
        if field in _DATES:
            return False, _millis(_text(value)) or 0.0
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False, _text(value).lower() if field in NORMALISED else _text(value)
        return False, value

    return key
