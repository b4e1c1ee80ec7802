"""Remapping keys: every playground binding has an id, the config's `[keymap]`
table maps ids to keys (applied with `App.set_keymap`), and what is wrong with
it (an unknown id, a key another binding already has) is said in one line
naming the key. Help and hints read the keys back from the bindings in effect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode


def _own_bindings(cls: type[DOMNode]) -> list[Binding]:
    return [b for b in cls.__dict__.get("BINDINGS", ()) if isinstance(b, Binding) and b.id]


def _subclasses(cls: type) -> Iterable[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def declared_bindings(package: str = "playground.") -> dict[type[DOMNode], list[Binding]]:
    """Every binding with an id declared by the playground's own app, screens
    and widgets (those imported so far), per declaring class."""
    found: dict[type[DOMNode], list[Binding]] = {}
    for cls in dict.fromkeys(_subclasses(DOMNode)):
        if cls.__module__.startswith(package):
            own = _own_bindings(cls)
            if own:
                found[cls] = own
    return found


def _keys(spec: str) -> list[str]:
    return [k.strip().lower() for k in spec.split(",") if k.strip()]


def check_keymap(keymap: Mapping[str, str],
                 declared: Mapping[type[DOMNode], Sequence[Binding]] | None = None) -> tuple[dict[str, str], list[str]]:
    """The usable part of `keymap`, and one line per entry that is not used.

    A remapped key conflicts when another binding active at the same time
    (the app's, or the same screen's or widget's) already has it."""
    declared = declared if declared is not None else declared_bindings()
    app_bindings = [b for cls, bs in declared.items() if issubclass(cls, App) for b in bs]
    scopes = [app_bindings] + [[*app_bindings, *bs] for cls, bs in declared.items() if not issubclass(cls, App)]
    known = {b.id for bs in declared.values() for b in bs}
    valid: dict[str, list[str]] = {}
    problems: list[str] = []
    for binding_id, spec in keymap.items():
        keys = _keys(spec) if isinstance(spec, str) else []
        if binding_id not in known:
            problems.append(f"keymap: {binding_id} = {spec!r}: no binding has the id {binding_id!r} "
                            f"(ids: {', '.join(sorted(i for i in known if i))})")
        elif not keys:
            problems.append(f"keymap: {binding_id} = {spec!r}: give one or more keys, e.g. \"f12\" or \"ctrl+k,f12\"")
        else:
            valid[binding_id] = keys
    # In the file's order: a remap that takes a key another binding has (as
    # it will be) is refused, and that binding keeps its default key.
    usable: dict[str, str] = {}
    for binding_id, keys in valid.items():
        clash = _clash(binding_id, keys, valid, usable, scopes)
        if clash:
            problems.append(clash)
        else:
            usable[binding_id] = ",".join(keys)
    return usable, problems


def _clash(binding_id: str, keys: list[str], valid: Mapping[str, list[str]], usable: Mapping[str, str],
           scopes: list[list[Binding]]) -> str | None:
    for scope in scopes:
        if not any(b.id == binding_id for b in scope):
            continue
        for other in scope:
            if other.id is None or other.id == binding_id:
                continue
            # The other binding's keys as they will be: an accepted remap; none
            # for a remap still to check (it is checked against this one
            # then); else its own keys (not remapped, or its remap refused).
            if other.id in usable:
                theirs = _keys(usable[other.id])
            elif other.id in valid and list(valid).index(other.id) > list(valid).index(binding_id):
                theirs = []
            else:
                theirs = _keys(other.key)
            for key in keys:
                if key in theirs:
                    return (f"keymap: key {key!r} for {binding_id!r} is already bound to {other.id!r} "
                            f"({other.description or other.action}); {binding_id!r} keeps its default key")
    return None


@dataclass(frozen=True)
class KeyHelp:
    binding_id: str
    keys: str  # as shown in the footer ("^s", "F1"), comma-separated
    description: str
    help: str


def current_keys(app: App[Any], nodes: Sequence[DOMNode]) -> list[KeyHelp]:
    """Each binding of `nodes` with the keys it has now (the keymap applied)."""
    rows: dict[str, KeyHelp] = {}
    for node in nodes:
        bindings = node._bindings.copy()
        if app._keymap:
            bindings.apply_keymap(app._keymap)
        by_id: dict[str, list[Binding]] = {}
        for binding_list in bindings.key_to_bindings.values():
            for binding in binding_list:
                if binding.id and not binding.system:
                    by_id.setdefault(binding.id, []).append(binding)
        for binding_id, found in by_id.items():
            keys = ", ".join(dict.fromkeys(app.get_key_display(b) for b in found))
            first = found[0]
            rows.setdefault(binding_id, KeyHelp(binding_id, keys, first.description or first.action,
                                                first.tooltip or ""))
    return list(rows.values())


def key_for(app: App[Any], binding_id: str, nodes: Sequence[DOMNode]) -> str:
    """The key(s) a binding has now, for hints ("F1"); "" when it has none."""
    return next((k.keys for k in current_keys(app, nodes) if k.binding_id == binding_id), "")
