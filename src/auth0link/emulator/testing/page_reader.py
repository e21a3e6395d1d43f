"""Read a hosted page the way the scripted user sees it: its forms, links, ``<main id>`` and texts.

Standard library only (:mod:`html.parser`); used by :mod:`.agent`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    """A form of the page: where it posts, its fields and its buttons."""

    id: str
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str, str, str]] = field(default_factory=list)  # id, name, value, text


class PageParser(HTMLParser):
    """Collect forms, links, ``<main id>`` and the texts of elements with interesting ids."""

    TEXT_IDS = frozenset({"error-message", "error-code", "error-description", "confirm-user-code"})

    def __init__(self) -> None:
        """An empty page; :meth:`feed` it the HTML."""
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, Form] = {}
        self.links: dict[str, str] = {}
        self.main_id = ""
        self.texts: dict[str, str] = {}
        self._form: Form | None = None
        self._button: list[str] | None = None
        self._text_id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a form, a button or a text of interest; record inputs and links."""
        a = {k: v or "" for k, v in attrs}
        if tag == "main":
            self.main_id = a.get("id", "")
        elif tag == "form":
            self._form = Form(a.get("id", ""), a.get("action", ""), a.get("method", "get").lower())
            self.forms[self._form.id] = self._form
        elif tag == "input" and self._form is not None and a.get("name"):
            self._form.fields[a["name"]] = a.get("value", "")
        elif tag == "button" and self._form is not None:
            self._button = [a.get("id", ""), a.get("name", ""), a.get("value", ""), ""]
        elif tag == "a" and a.get("id"):
            self.links[a["id"]] = a.get("href", "")
        if a.get("id") in self.TEXT_IDS:
            self._text_id = a["id"]
            self.texts[self._text_id] = ""

    def handle_endtag(self, tag: str) -> None:
        """Close the form, button or text being collected."""
        if tag == "form":
            self._form = None
        elif tag == "button" and self._button is not None and self._form is not None:
            bid, name, value, text = self._button
            self._form.buttons.append((bid, name, value, text.strip()))
            self._button = None
        elif tag in ("p", "code", "div", "span"):
            self._text_id = None

    def handle_data(self, data: str) -> None:
        """Add text to the open button label and text of interest."""
        if self._button is not None:
            self._button[3] += data
        if self._text_id is not None:
            self.texts[self._text_id] += data
