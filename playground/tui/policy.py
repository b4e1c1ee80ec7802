"""The policy the app is running, free of Textual: the loaded settings, the
strategy parameter values in effect, the strategy instances built from them,
pending tuning edits, profiles and exports.

The app owns one `PolicyState` and tells the screens what changed with
messages; the tuning screen edits it directly (it is data, not a screen).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playground.config import profiles
from playground.config.build import Settings, build_settings
from playground.config.export_files import write_export
from playground.config.exporters import ExportResult
from playground.config.schema import PolicyFile
from playground.core.catalog import Catalog
from playground.core.tokens import TokenCounter, default_counter
from playground.eval.preview import PreviewInputs, PreviewPrompt, measure_prompt
from playground.eval.prompt_sets import PromptSet
from playground.eval.tuning import Tuning
from playground.strategies.base import RoutingContext, Strategy
from playground.strategies.registry import STRATEGIES, make_strategy

if TYPE_CHECKING:
    from playground.eval.workbench import Workbench  # loaded by the evaluation screen, not at start-up


@dataclass(frozen=True, slots=True)
class LoadedProfile:
    """What loading a profile changed, and what it left out (other sections
    differ from the running session's and cannot change while it runs)."""

    name: str
    columns: list[str]
    left_out: list[str]
    path: Path


class PolicyState:
    """Settings, strategy values and instances, tuning; `UserError` for
    anything the user must fix (bad values, unreadable profiles)."""

    def __init__(self, settings: Settings, catalog: Catalog, values: dict[str, dict[str, Any]],
                 columns: list[str], prompt_set: PromptSet) -> None:
        self.settings = settings
        self.catalog = catalog
        self.values = values
        self.prompt_set = prompt_set
        # Built now for the columns shown (a bad parameter fails here, before
        # the screen opens); the others when first needed.
        self.strategies: dict[str, Strategy] = {
            name: make_strategy(name, catalog, values.get(name)) for name in columns
        }
        # Columns appear in the order asked for, then in registry order.
        self.order = columns + [n for n in STRATEGIES if n not in columns]
        # The columns on screen (the main screen reports every change).
        self.columns = list(columns)
        # The strategy last chosen on the tuning screen: the default for an export.
        self.focus_strategy: str | None = None
        self.last_export: tuple[Path, ExportResult] | None = None
        self._tuning: Tuning | None = None
        # The replay dataset the evaluation screen loaded: the tuning preview shows quality on it.
        self.workbench: Workbench | None = None
        self._preview_inputs: PreviewInputs | None = None

    def strategy(self, name: str) -> Strategy:
        """The instance for `name`; raises `UserError` if it cannot be built."""
        if name not in self.strategies:
            self.strategies[name] = make_strategy(name, self.catalog, self.values.get(name))
        return self.strategies[name]

    # -- tuning ------------------------------------------------------------------------
    @property
    def tuning(self) -> Tuning:
        """Parameter edits on top of the values in effect (kept across openings
        of the tuning screen until applied)."""
        if self._tuning is None:
            self._tuning = Tuning(self.catalog, self.values)
        return self._tuning

    def apply_tuning(self) -> dict[str, dict[str, Any]]:
        """Make the pending edits the values in effect; returns what changed."""
        changed = self.tuning.commit() if self._tuning is not None else {}
        for name, values in changed.items():
            self.values[name] = dict(values)
            self.strategies[name] = make_strategy(name, self.catalog, values)
        return changed

    def preview_context(self, context: RoutingContext | None) -> RoutingContext:
        """The models routes can use: the session's, or the whole catalog before it is open."""
        return context if context is not None else RoutingContext.for_all(self.catalog)

    def measure_for_preview(self, prompt_text: str,
                            counter: TokenCounter | None) -> tuple[PreviewInputs, PreviewPrompt | None]:
        """The prompt set (measured once) and the current prompt. Blocking: call it from a thread."""
        counter = counter or default_counter()
        if self._preview_inputs is None:
            self._preview_inputs = PreviewInputs.measure(self.prompt_set.prompts, counter, label=self.prompt_set.label)
        current = measure_prompt(prompt_text, counter) if prompt_text.strip() else None
        return self._preview_inputs, current

    # -- the policy file, profiles, exports ------------------------------------------------
    def current_policy(self) -> PolicyFile:
        """The loaded policy with the tuned strategy values and the columns shown."""
        policy = self.settings.policy
        strategies = {name: dict(values) for name, values in self.values.items() if values}
        router = policy.router.model_copy(update={"columns": list(self.columns) or list(policy.router.columns)})
        return policy.model_copy(update={"strategies": strategies, "router": router})

    def save_profile(self, name: str) -> Path:
        return profiles.save_profile(name, self.current_policy())

    def load_profile(self, name: str) -> LoadedProfile:
        """Apply a profile's strategy values and columns. Only those change
        while running: the session's engine keeps its models, retries,
        breakers and cache."""
        loaded = profiles.load_profile(name, extra_models=self.settings.extra_models)
        values = {n: dict(v) for n, v in loaded.strategy_values.items()}
        wanted = list(dict.fromkeys(loaded.columns))
        built = {n: make_strategy(n, self.catalog, values.get(n)) for n in dict.fromkeys([*self.strategies, *wanted])}
        ours = self.settings.policy
        merged = ours.model_copy(update={"strategies": loaded.policy.strategies,
                                         "router": ours.router.model_copy(update={"columns": wanted})})
        settings = build_settings(merged, f"profile {name}", self.settings.extra_models)
        left_out = [d.key.split(".")[0] for d in profiles.diff_policies(merged, loaded.policy)]
        self.settings = settings
        self.values = values
        self._tuning = None
        self.strategies.update(built)
        self.order = wanted + [n for n in STRATEGIES if n not in wanted]
        return LoadedProfile(name, wanted, list(dict.fromkeys(left_out)), profiles.profile_path(name))

    def export(self, strategy: str, fmt: str) -> tuple[Path, ExportResult]:
        """Write the export of the tuned policy for one strategy (owner-only file)."""
        settings = build_settings(self.current_policy(), "current tuning",
                                  self.settings.extra_models).with_router_strategy(strategy)
        path, result = write_export(settings, fmt)  # type: ignore[arg-type]
        self.last_export = (path, result)
        return path, result
