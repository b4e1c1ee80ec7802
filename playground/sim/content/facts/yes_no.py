"""Yes/no questions about numbers (prime, even, divisible, square, power of
two, equal, greater), years, palindromes and countries are decided; any
other yes/no question gets a fixed answer from a stable hash of its wording."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from playground.sim.content.facts.arithmetic import (
    arithmetic_difficulty,
    count_operators,
    evaluate_expression,
    format_number,
)
from playground.sim.content.facts.countries import country_yes_no
from playground.sim.content.facts.truth import AUX_NEGATIVE, Truth, negate, yes_no
from playground.sim.content.odds import stable_fraction

_YES_SHARE = 0.55  # hashed yes/no questions: share answered "yes"
_N = r"(-?\d+)"
_IS = r"(?:is |does )?"


def _smallest_factor(n: int) -> int:
    if n % 2 == 0:
        return 2
    limit = math.isqrt(n)
    f = 3
    while f <= limit:
        if n % f == 0:
            return f
        f += 2
    return n



def _prime(match: re.Match[str]) -> Truth | None:
    n, negated = int(match.group(1)), bool(match.group(2))
    if abs(n) > 10**12:
        return None
    if n < 2:
        truth = yes_no(False, f"{n} is prime", f"{n} is not prime (primes are greater than 1)", 0.1)
    else:
        factor = _smallest_factor(n)
        prime = factor == n
        no_claim = f"{n} = {factor} × {n // factor}" if not prime else f"{n} is not prime"
        difficulty = min(0.7, 0.04 * len(str(n)) + (0.15 if not prime and factor > 5 else 0))
        truth = yes_no(prime, f"{n} is prime", no_claim, difficulty)
    return negate(truth) if negated else truth


def _parity(match: re.Match[str]) -> Truth:
    n, negated, parity = int(match.group(1)), bool(match.group(2)), match.group(3)
    even = n % 2 == 0
    yes = even if parity == "even" else not even
    other = "odd" if parity == "even" else "even"
    truth = yes_no(yes, f"{n} is {parity}", f"{n} is {other}", 0.02)
    return negate(truth) if negated else truth


def _divisible(match: re.Match[str]) -> Truth | None:
    n, m = int(match.group(1)), int(match.group(2))
    if m == 0:
        return None
    yes = n % m == 0
    yes_claim = f"{n} = {m} × {n // m}" if yes else f"{n} is divisible by {m}"
    no_claim = f"{n} ÷ {m} leaves a remainder of {n % m}" if not yes else f"{n} is not divisible by {m}"
    return yes_no(yes, yes_claim, no_claim, min(0.6, 0.05 + 0.03 * len(str(n))))


def _factor_of(match: re.Match[str]) -> Truth | None:
    m, n = int(match.group(1)), int(match.group(2))
    if m == 0:
        return None
    yes = n % m == 0
    return yes_no(yes, f"{n} = {m} × {n // m}" if yes else f"{m} is a factor of {n}",
                   f"{n} ÷ {m} leaves a remainder of {n % m}" if not yes else f"{m} is not a factor of {n}",
                   min(0.6, 0.05 + 0.03 * len(str(n))))


def _square(match: re.Match[str]) -> Truth:
    n, power = int(match.group(1)), match.group(2)
    exponent = 3 if power == "cube" else 2
    root = round(abs(n) ** (1 / exponent))
    yes = any((r**exponent) == n for r in (root - 1, root, root + 1)) if n >= 0 or exponent == 3 else False
    word = "perfect cube" if exponent == 3 else "perfect square"
    mark = "³" if exponent == 3 else "²"
    return yes_no(yes, f"{n} = {root}{mark}" if yes else f"{n} is a {word}", f"{n} is not a {word}",
                   min(0.6, 0.05 + 0.03 * len(str(n))))


def _power_of_two(match: re.Match[str]) -> Truth:
    n = int(match.group(1))
    yes = n > 0 and n & (n - 1) == 0
    return yes_no(yes, f"{n} = 2^{n.bit_length() - 1}" if yes else f"{n} is a power of two",
                   f"{n} is not a power of two", min(0.5, 0.03 * len(str(n))))


def _leap_year(match: re.Match[str]) -> Truth:
    year = int(match.group(1))
    yes = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    century = year % 100 == 0
    no_claim = f"{year} is a century year not divisible by 400" if century and not yes else f"{year} is not a leap year"
    yes_claim = f"{year} is divisible by 400" if century and yes else f"{year} is a leap year"
    return yes_no(yes, yes_claim, no_claim, 0.35 if century else 0.08)


def _palindrome(match: re.Match[str]) -> Truth:
    word = match.group(1)
    letters = "".join(c for c in word if c.isalnum())
    yes = letters == letters[::-1]
    no_claim = f'"{word}" reversed is "{word[::-1]}"' if not yes else f'"{word}" is not a palindrome'
    return yes_no(yes, f'"{word}" reads the same backwards', no_claim, 0.1 + 0.02 * len(word))


_COMPARISONS = {
    "greater": ">", "larger": ">", "bigger": ">", "more": ">", "higher": ">",
    "less": "<", "smaller": "<", "fewer": "<", "lower": "<",
}
_EXPR = r"(-?[\d.(][\d\s.+\-*/%()]*?)"
_END = r"(?:[?!,;]|\.(?!\d)|$)"


def _compare(match: re.Match[str]) -> Truth | None:
    left, word, right = match.group(1), match.group(2), match.group(3)
    a, b = evaluate_value(left), evaluate_value(right)
    if a is None or b is None:
        return None
    op = _COMPARISONS[word]
    yes = a > b if op == ">" else a < b
    difference = "greater" if a > b else "less" if a < b else "equal"
    sa, sb = format_number(a), format_number(b)
    actual = f"{sa} is {difference} than {sb}" if difference != "equal" else f"{sa} equals {sb}"
    claimed = f"{sa} is {word} than {sb}"
    decimals = "." in left or "." in right
    return yes_no(yes, claimed if not yes else actual, actual if not yes else f"{sa} is not {word} than {sb}",
                   0.3 if decimals else 0.05)


def _equals(match: re.Match[str]) -> Truth | None:
    left, right = match.group(1), match.group(2)
    a, b = evaluate_value(left), evaluate_value(right)
    if a is None or b is None or (count_operators(left) == 0 and count_operators(right) == 0):
        return None
    yes = math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    lhs, shown, claimed = " ".join(left.split()), format_number(a), format_number(b)
    no_claim = f"{lhs} = {shown}, not {claimed}" if not yes else f"{lhs} is not {claimed}"
    aux = "does" if match.group(0).startswith("does") else "is"
    return yes_no(yes, f"{lhs} = {shown}", no_claim, arithmetic_difficulty(left, a), aux=aux)


def evaluate_value(text: str) -> float | None:
    text = text.strip()
    if re.fullmatch(r"-?\d+(?:\.\d+)?", text):
        return float(text)
    evaluated = evaluate_expression(text)
    return evaluated[0] if evaluated else None


_PALINDROME_RE = re.compile(
    r"\b(?:is )?(?:the (?:word|number|string) )?[\"']?([a-z0-9]{2,30})[\"']? (?:is )?a palindrome\b"
)
_YES_NO_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], Truth | None]], ...] = (
    (re.compile(rf"\b{_IS}{_N} (?:is )?(not )?(?:a )?prime(?: number)?\b"), _prime),
    (re.compile(rf"\b{_IS}{_N} (?:is )?(not )?(?:an? )?(even|odd)(?: number)?\b"), _parity),
    (re.compile(rf"\b{_IS}{_N} (?:is )?(?:evenly )?divisible by {_N}"), _divisible),
    (re.compile(rf"\b{_IS}{_N} (?:is )?an? (?:integer )?multiple of {_N}"), _divisible),
    (re.compile(rf"\bdoes {_N} divide (?:into )?{_N}"), _factor_of),
    (re.compile(rf"\b{_IS}{_N} (?:is )?an? (?:factor|divisor) of {_N}"), _factor_of),
    (re.compile(rf"\b{_IS}{_N} (?:is )?an? (?:perfect )?(square|cube)(?: number)?\b"), _square),
    (re.compile(rf"\b{_IS}{_N} (?:is )?an? (?:exact )?power of (?:two|2)\b"), _power_of_two),
    (re.compile(r"\b(?:is |was |will )?(?:the year )?(\d{3,4}) (?:is |was |be )?a leap year\b"), _leap_year),
    (_PALINDROME_RE, _palindrome),
    (re.compile(rf"\b(?:is )?{_EXPR}\s+(?:is )?(greater|larger|bigger|more|higher|less|smaller|fewer|lower) than "
                rf"{_EXPR}\s*{_END}"), _compare),
    (re.compile(rf"\b(?:is |does )?{_EXPR}\s*(?:=|==|equals?|is equal to|equal to)\s*{_EXPR}\s*{_END}"), _equals),
)


def yes_no_truth(core: str) -> Truth | None:
    if re.search(r"\d", core):
        for pattern, rule in _YES_NO_RULES:
            match = pattern.search(core)
            if match is not None:
                truth = rule(match)
                if truth is not None:
                    return truth
    else:
        match = _PALINDROME_RE.search(core)
        if match is not None and match.group(1) not in ("it", "this", "that", "there", "the"):
            return _palindrome(match)
    return country_yes_no(core)


def hashed_yes_no(core: str) -> Truth:
    words = core.split()
    aux = words[0] if words and words[0] in AUX_NEGATIVE else "is"
    yes = stable_fraction("yes-no", core.strip(" ?.!")) < _YES_SHARE
    return Truth("yes_no", "yes" if yes else "no", difficulty=0.15, computed=False, aux=aux)

