"""An editable list for list-typed strategy parameters: one row per item.

- models (fallback chains, ensemble members, cascade tiers): a model Select;
- weights: a model Select and a number;
- labels: a label and a model Select;
- capabilities: a capability Select and a number;
- rules: a task, a regex pattern and a model Select.

Every row has ✕ (remove); rows of ordered lists (models, rules) also have
↑ / ↓ (or Ctrl+↑ / Ctrl+↓ anywhere in the row) to move them; "+ add" appends
a row with defaults. Each change posts `ListEditor.Changed` with the value in
the structure `Param.coerce` accepts (a list, or a dict for pairs). Whether
that value is valid is decided by the owner (the strategy), not here; only
what a dict cannot hold (the same key twice, an empty key) comes back as a
`problem` instead of a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Select

from playground.core.catalog import CAPABILITY_NAMES, Catalog

ORDERED = ("models", "rules")
LIST_TYPES = ("models", "weights", "labels", "capabilities", "rules")

# Field kinds per parameter type, in row order.
_FIELDS: dict[str, tuple[str, ...]] = {
    "models": ("model",),
    "weights": ("model", "number"),
    "labels": ("key", "model"),
    "capabilities": ("capability", "number"),
    "rules": ("key", "pattern", "model"),
}
_PLACEHOLDERS = {"labels": ("label", ""), "rules": ("task", "pattern (regex)", "")}
NEW_RULE_PATTERN = r"\b(keyword)\b"


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def items_of(kind: str, value: Any) -> list[list[str]]:
    """A parameter value as rows of field texts."""
    if kind == "models":
        return [[str(m)] for m in value or []]
    if kind in ("weights", "capabilities", "labels"):
        return [[str(k), _text(v)] for k, v in dict(value or {}).items()]
    if kind == "rules":
        return [[str(r.get("task", "")), str(r.get("pattern", "")), str(r.get("model", ""))] for r in value or []]
    raise ValueError(f"not a list type: {kind}")


@dataclass(frozen=True, slots=True)
class Built:
    """What the rows make: a value for `Param.coerce`, or what stops them."""

    value: Any = None
    problem: str = ""
    complete: bool = True


def _number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text  # left for Param.coerce to refuse with its reason


def build(kind: str, rows: list[list[str]]) -> Built:
    """Rows of field texts → the structured value."""
    if kind == "models":
        return Built([r[0] for r in rows])
    if kind == "rules":
        return Built([{"task": r[0], "pattern": r[1], "model": r[2]} for r in rows])
    pairs: dict[str, Any] = {}
    what = {"weights": "model", "capabilities": "capability", "labels": "label"}[kind]
    for row in rows:
        key = row[0].strip()
        if not key:
            return Built(problem=f"a {what} must not be empty")
        if key in pairs:
            return Built(problem=f"{key} is listed twice; each {what} once")
        if kind == "labels":
            pairs[key] = row[1]
        elif not row[1].strip():
            return Built(complete=False)  # being typed
        else:
            pairs[key] = _number(row[1].strip())
    return Built(pairs)


class ListRow(Horizontal):
    """One item: its fields, then ↑ ↓ (ordered lists) and ✕."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+up", "move(-1)", "Move up", show=False, id="list_row_up"),
        Binding("ctrl+down", "move(1)", "Move down", show=False, id="list_row_down"),
    ]

    class Edited(Message):
        """A field of the row changed."""

    class Requested(Message):
        """The row asks to be moved by `offset` or removed (offset 0)."""

        def __init__(self, row: ListRow, offset: int) -> None:
            super().__init__()
            self.row = row
            self.offset = offset

    def __init__(self, kind: str, fields: list[str], catalog: Catalog) -> None:
        super().__init__(classes=f"list-row -{kind}")
        self.kind = kind
        self.fields = list(fields)
        self.catalog = catalog

    def _model_options(self, current: str) -> list[tuple[str, str]]:
        options = [(m, m) for m in sorted(self.catalog.models)]
        if current == "@flagship":
            options.insert(0, (f"@flagship ({self.catalog.flagship})", "@flagship"))
        elif current and current not in self.catalog.models:
            options.insert(0, (f"{current} (unknown)", current))
        return options

    def compose(self) -> ComposeResult:
        placeholders = _PLACEHOLDERS.get(self.kind, ())
        for index, (field, text) in enumerate(zip(_FIELDS[self.kind], self.fields, strict=True)):
            name = str(index)
            if field == "model":
                yield Select(self._model_options(text), value=text or Select.BLANK, allow_blank=not text,
                             prompt="(model)", name=name, classes="list-model", compact=True)
            elif field == "capability":
                options = [(c, c) for c in CAPABILITY_NAMES]
                if text not in CAPABILITY_NAMES:
                    options.insert(0, (f"{text} (unknown)", text))
                yield Select(options, value=text, allow_blank=False, name=name, classes="list-capability",
                             compact=True)
            else:
                yield Input(text, placeholder=placeholders[index] if index < len(placeholders) else "",
                            name=name, classes=f"list-{field}", compact=True, select_on_focus=False)
        if self.kind in ORDERED:
            yield Button("↑", classes="list-up", compact=True, tooltip="Move up (Ctrl+↑)")
            yield Button("↓", classes="list-down", compact=True, tooltip="Move down (Ctrl+↓)")
        yield Button("✕", classes="list-remove", compact=True, tooltip="Remove")

    @on(Input.Changed)
    @on(Select.Changed)
    def _field_changed(self, event: Input.Changed | Select.Changed) -> None:
        event.stop()
        value = "" if event.value is Select.BLANK else str(event.value)
        index = int(event.control.name or 0)
        if self.fields[index] != value:
            self.fields[index] = value
            self.post_message(self.Edited())

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        offset = -1 if event.button.has_class("list-up") else 1 if event.button.has_class("list-down") else 0
        self.post_message(self.Requested(self, offset))

    def action_move(self, offset: int) -> None:
        if self.kind in ORDERED:
            self.post_message(self.Requested(self, offset))


class ListEditor(Vertical):
    """The rows and the "+ add" button; `value` is what the rows make now."""

    class Changed(Message):
        def __init__(self, editor: ListEditor, built: Built) -> None:
            super().__init__()
            self.list_editor = editor
            self.value = built.value
            self.problem = built.problem

        @property
        def control(self) -> ListEditor:
            return self.list_editor

    def __init__(self, kind: str, value: Any, catalog: Catalog, *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.kind = kind
        self.catalog = catalog
        self._initial = items_of(kind, value)

    def compose(self) -> ComposeResult:
        for fields in self._initial:
            yield ListRow(self.kind, fields, self.catalog)
        yield Button("+ add", classes="list-add", compact=True)

    @property
    def rows(self) -> list[ListRow]:
        return list(self.query_children(ListRow))

    @property
    def items(self) -> list[list[str]]:
        return [list(row.fields) for row in self.rows]

    def built(self) -> Built:
        return build(self.kind, self.items)

    def _emit(self) -> None:
        built = self.built()
        if built.complete:
            self.post_message(self.Changed(self, built))

    @on(ListRow.Edited)
    def _edited(self, event: ListRow.Edited) -> None:
        event.stop()
        self._emit()

    # -- structure --------------------------------------------------------------
    def new_item(self) -> list[str]:
        items = self.items
        models = sorted(self.catalog.models)
        used = (
            {fields[_FIELDS[self.kind].index("model")] for fields in items} if "model" in _FIELDS[self.kind] else set()
        )
        model = next((m for m in models if m not in used), models[0] if models else "")
        if self.kind == "models":
            return [model]
        if self.kind == "weights":
            return [model, "1"]
        if self.kind == "capabilities":
            keys = {fields[0] for fields in items}
            return [next((c for c in CAPABILITY_NAMES if c not in keys), CAPABILITY_NAMES[0]), "1"]
        names = {fields[0] for fields in items}
        stem = "label" if self.kind == "labels" else "task"
        name = next(f"{stem}{n}" for n in range(1, len(items) + 2) if f"{stem}{n}" not in names)
        return [name, model] if self.kind == "labels" else [name, NEW_RULE_PATTERN, model]

    @on(Button.Pressed, ".list-add")
    async def _add(self, event: Button.Pressed) -> None:
        event.stop()
        await self.add_row()

    async def add_row(self, fields: list[str] | None = None) -> ListRow:
        row = ListRow(self.kind, fields or self.new_item(), self.catalog)
        await self.mount(row, before=self.query_one(".list-add", Button))
        self._emit()
        return row

    @on(ListRow.Requested)
    async def _requested(self, event: ListRow.Requested) -> None:
        event.stop()
        if event.offset:
            self.move_row(event.row, event.offset)
        else:
            await self.remove_row(event.row)

    def move_row(self, row: ListRow, offset: int) -> None:
        rows = self.rows
        index = rows.index(row)
        target = index + offset
        if not 0 <= target < len(rows) or offset == 0:
            return
        if offset < 0:
            self.move_child(row, before=rows[target])
        else:
            self.move_child(row, after=rows[target])
        self._emit()

    async def remove_row(self, row: ListRow) -> None:
        rows = self.rows
        index = rows.index(row)
        had_focus = self.screen.focused is not None and row in self.screen.focused.ancestors_with_self
        await row.remove()
        self._emit()
        if had_focus:
            rest = self.rows
            target: Widget = (rest[min(index, len(rest) - 1)].query_one(".list-remove", Button) if rest
                              else self.query_one(".list-add", Button))
            target.focus()

    @property
    def focus_target(self) -> Widget:
        return next((w for w in self.query("Select, Input, Button") if w.focusable), self)
