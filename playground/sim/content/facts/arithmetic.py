"""Arithmetic questions ("What is 17 * 3?", "12% of 250"): the expression
is found, evaluated safely (an AST walk over numbers and + - * / % **,
never eval) and its answer computed; plausible slips are the wrong values."""

from __future__ import annotations

import ast
import re

from playground.sim.content.facts.truth import Truth
from playground.sim.content.odds import stable_fraction
from playground.sim.content.tables import toml_table

_WORD_OPERATORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"(?<=\d),(?=\d{3}(?!\d))", ""),
        (r"(\d+(?:\.\d+)?)\s*%\s*of\s+", r"(\1/100)*"),
        (r"\b(?:the )?square root of\s*(\d+(?:\.\d+)?)", r"(\1**0.5)"),
        (r"\bsqrt\s*\(\s*(\d+(?:\.\d+)?)\s*\)", r"(\1**0.5)"),
        (r"\bmultiplied by\b|\btimes\b|×|·|∗", "*"),
        (r"\bdivided by\b|÷", "/"),
        (r"\bplus\b", "+"),
        (r"\bminus\b|−|–", "-"),
        (r"\bto the power of\b|\braised to(?: the power of)?\b|\^", "**"),
        (r"\bmod(?:ulo)?\b", "%"),
        (r"(?<=\d)\s*x\s*(?=\d)", "*"),
        (r"\s*\bsquared\b", "**2"),
        (r"\s*\bcubed\b", "**3"),
    )
)
_EXPRESSION_RE = re.compile(r"[-(\d.][\d\s.+\-*/%()]*")
_ARITHMETIC_WORDS = frozenset(toml_table("vocabulary.toml")["arithmetic_words"])
_MAX_MAGNITUDE = 1e18


class _NotArithmetic(Exception):
    pass


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _evaluate(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left), _evaluate(node.right)
        op = node.op
        if isinstance(op, ast.Pow):
            if abs(right) > 64 or abs(left) > 1e6 or (left < 0 and right != int(right)):
                raise _NotArithmetic
            result = left**right
        elif isinstance(op, ast.Add):
            result = left + right
        elif isinstance(op, ast.Sub):
            result = left - right
        elif isinstance(op, ast.Mult):
            result = left * right
        elif isinstance(op, ast.Div | ast.Mod):
            if right == 0:
                raise _NotArithmetic
            result = left / right if isinstance(op, ast.Div) else left % right
        else:
            raise _NotArithmetic
        if isinstance(result, complex) or abs(result) > _MAX_MAGNITUDE:
            raise _NotArithmetic
        return result
    raise _NotArithmetic


def format_number(value: float) -> str:
    if isinstance(value, int) or (abs(value) < 1e15 and float(value).is_integer()):
        return str(int(value))
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def count_operators(text: str) -> int:
    return len(re.findall(r"\*\*|[+*/%]|(?<=[\d)\s])-", text))


def evaluate_expression(text: str) -> tuple[float, str] | None:
    """The value of a plain arithmetic expression and its tidied form, or None."""
    expression = text.strip().rstrip("=").strip()
    if not expression or count_operators(expression) == 0 or not re.search(r"\d", expression):
        return None
    try:
        tree = ast.parse(expression, mode="eval")
        value = _evaluate(tree)
    except (SyntaxError, ValueError, _NotArithmetic, OverflowError, ZeroDivisionError, RecursionError):
        return None
    return value, expression


def _substitute_operators(core: str) -> str:
    for pattern, replacement in _WORD_OPERATORS:
        core = pattern.sub(replacement, core)
    return core


def _find_expression(text: str) -> tuple[float, str, int, int] | None:
    best: tuple[float, str, int, int] | None = None
    for match in _EXPRESSION_RE.finditer(text):
        raw = match.group().rstrip(" .-+*/%")
        while raw.count("(") > raw.count(")") and raw.startswith("("):
            raw = raw[1:]
        evaluated = evaluate_expression(raw)
        if evaluated is not None and (best is None or len(raw) > len(best[1])):
            best = (evaluated[0], raw.strip(), match.start(), match.start() + len(match.group()))
    return best


def arithmetic_difficulty(expression: str, value: float) -> float:
    numbers = re.findall(r"\d+(?:\.\d+)?", expression)
    digits = sum(len(n.replace(".", "")) for n in numbers)
    difficulty = 0.02 * max(0, digits - 3) + 0.06 * max(0, count_operators(expression) - 1)
    if re.search(r"\d{2,}\s*(?:\*|/|\*\*)\s*\(?\d{2,}", expression):
        difficulty += 0.12  # multi-digit multiplication or division
    if not float(value).is_integer() or "." in expression:
        difficulty += 0.1
    return min(0.8, difficulty)


def _number_wrongs(value: float, seed: str) -> tuple[str, ...]:
    if float(value).is_integer():
        v = int(value)
        candidates = [v + 1, v - 1, v + 10, v - 10, v * 10 if abs(v) < 10**12 else v + 100]
        digits = str(abs(v))
        if len(digits) >= 2 and digits[-1] != digits[-2]:
            swapped = int(digits[:-2] + digits[-1] + digits[-2]) * (1 if v >= 0 else -1)
            candidates.insert(2, swapped)
        wrongs = [format_number(c) for c in candidates if c != v]
    else:
        wrongs = [format_number(value + d) for d in (0.1, -0.1, 1, -1)] + [format_number(round(value))]
    start = int(stable_fraction("wrongs", seed) * 2)  # which slip is the most tempting
    wrongs = wrongs[start:] + wrongs[:start]
    return tuple(dict.fromkeys(w for w in wrongs if w != format_number(value)))


def arithmetic_truth(core: str) -> Truth | None:
    if not re.search(r"\d", core):
        return None
    text = _substitute_operators(core)
    found = _find_expression(text)
    if found is None:
        return None
    value, expression, start, end = found
    rest = text[:start] + " " + text[end:]
    if re.search(r"\d", rest) or any(w not in _ARITHMETIC_WORDS for w in re.findall(r"[a-z']+", rest)):
        return None
    return Truth("number", format_number(value), "{v}.", wrongs=_number_wrongs(value, expression),
                 difficulty=arithmetic_difficulty(expression, value))


