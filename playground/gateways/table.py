"""The side-by-side table `playground export --check` prints: per fault, what
the playground did and what each gateway did with the exported policy, then
every difference with the export's note that explains it (or a flag that no
note does)."""

from __future__ import annotations

from collections.abc import Sequence

from playground.gateways.compare import GATEWAYS, CaseResult, Observation, StrategyRun
from playground.gateways.expected import explain

_TITLES = {"playground": "playground", "litellm": "LiteLLM", "portkey": "Portkey"}


def cell(observations: Sequence[Observation]) -> str:
    """The model chosen, the outcome (and who answered, when a fallback did),
    and the number of calls; a spread of requests as a tally."""
    if not observations:
        return "-"
    if len(observations) > 1:
        answered = sum(o.outcome == "answered" for o in observations)
        attempts = sum(len(o.attempts) for o in observations)
        others = sorted({o.outcome for o in observations} - {"answered"})
        rest = f", {'/'.join(others)}" if others else ""
        return f"answered {answered}/{len(observations)}{rest} ({attempts} calls)"
    o = observations[0]
    calls = f"{len(o.attempts)} call{'s' if len(o.attempts) != 1 else ''}"
    by = f" by {o.served}" if o.served and o.served != o.chosen and o.outcome in ("answered", "truncated") else ""
    return f"{o.chosen or 'no model'}: {o.outcome}{by} ({calls})"


def render(run: StrategyRun, versions: dict[str, str]) -> str:
    gateways = [g for g in GATEWAYS if g in run.exports]
    header = ["fault", "playground", *(f"{_TITLES[g]} {versions.get(g, '')}".strip() for g in gateways)]
    rows = [header]
    for case in run.cases:
        rows.append([case.fault.label, cell(case.playground), *(_mark(run, case, g) for g in gateways)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(value.ljust(widths[i]) for i, value in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("─" * w for w in widths))
    out = [f"strategy {run.strategy}: the playground and each gateway under the same faults (loopback simulator)", "",
           *lines, ""]
    out += _details(run, gateways)
    return "\n".join(out) + "\n"


def _mark(run: StrategyRun, case: CaseResult, gateway: str) -> str:
    text = cell(case.gateways.get(gateway, ()))
    if not case.differences(gateway):
        return f"= {text}"
    expected = explain(case, gateway, run.exports[gateway].unexpressed)
    return f"{'≈' if expected.complete else '≠'} {text}"


def _details(run: StrategyRun, gateways: list[str]) -> list[str]:
    out = ["= same as the playground   ≈ differs, as the export's notes say   ≠ differs, and no note says so", ""]
    for gateway, reason in run.failed.items():
        out.append(f"{_TITLES[gateway]}: {reason}")
    for case in run.cases:
        target = f" on {case.target}" if case.target else ""
        for gateway in gateways:
            diff = case.differences(gateway)
            if not diff:
                continue
            expected = explain(case, gateway, run.exports[gateway].unexpressed)
            out.append(f"{case.fault.label}{target}, {_TITLES[gateway]}: {', '.join(sorted(diff))} differ")
            out.append(f"    playground: {_describe(case.playground)}")
            out.append(f"    {_TITLES[gateway]}: {_describe(case.gateways[gateway])}")
            for rule, note in expected.notes:
                said = f"the export says: {note}" if note else "but the export's notes do not say so"
                out.append(f"    expected: {rule.why}; {said}")
            if expected.unexplained:
                out.append(f"    not explained by any note: {', '.join(sorted(expected.unexplained))}")
    return out


def _describe(observations: Sequence[Observation]) -> str:
    return "; ".join(o.describe() for o in observations)
