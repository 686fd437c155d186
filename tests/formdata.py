"""Read a rendered HTML form into POST data, as a browser would submit it unchanged."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self, form_id: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = form_id is None
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._select_multiple = False
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and self.form_id is not None:
            self.inside = attributes.get("id") == self.form_id
        if not self.inside or ("name" not in attributes and tag != "option"):
            return
        if tag == "input":
            kind = attributes.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            self._add(attributes["name"], attributes.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select":
            self._select = attributes["name"]
            self.data.setdefault(self._select, [])
        elif tag == "option" and self._select and "selected" in attributes:
            self._add(self._select, attributes.get("value", ""))
        elif tag == "textarea":
            self._textarea = attributes["name"]
            self._add(self._textarea, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.form_id is not None:
            self.inside = False

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data.lstrip("\n") if not self.data[self._textarea][-1] else data


def form_data(html: str, form_id: str | None = None) -> dict[str, list[str] | str]:
    parser = _FormParser(form_id)
    parser.feed(html)
    return {name: values if len(values) != 1 else values[0] for name, values in parser.data.items() if values}
