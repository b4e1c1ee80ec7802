"""What is "true" for short factual questions, so that every simulated model
can agree on it (and weak ones visibly fail to).

Arithmetic is computed, counting questions are counted, yes/no questions
about numbers (prime, even, divisible, equal...), years, palindromes and a
small table of countries are decided; any other yes/no question (and a
"reply with a number" question nothing can compute) gets a fixed answer
from a stable hash of its wording, so every model sees the same truth.
The sentence an answer is phrased in depends on the question alone: models
that agree give the very same text, which is what a majority vote counts.

Pure and fast; only short prompts (a question, not a document) qualify.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from playground.sim.content.odds import stable_fraction
from playground.sim.content.prompt import key_terms

Kind = Literal["number", "yes_no", "true_false", "word"]

MAX_QUESTION_CHARS = 400
_YES_SHARE = 0.55  # hashed yes/no questions: share answered "yes"

_TERSE_RE = re.compile(
    r"\b(?:only|just (?:the|a|one)|nothing else|no explanation|no other (?:text|words)|single (?:word|number|digit)"
    r"|one[- ]word|in a word)\b"
)
_YES_NO_ASK_RE = re.compile(r"\byes or no\b|\byes/no\b|\(y/n\)|\b(?:answer|reply|respond|say) (?:with )?(?:either )?"
                            r"[\"']?yes[\"']? or [\"']?no\b")
_TRUE_FALSE_ASK_RE = re.compile(r"\btrue or false\b|\btrue/false\b")
_ONE_WORD_RE = re.compile(r"\b(?:one|single|1)[- ]word\b|\bin a word\b")
_NUMBER_ASK_RE = re.compile(r"\b(?:a|one|single) (?:number|integer)\b|\b(?:number|digits?|integer) only\b"
                            r"|\bjust the (?:number|digits?|integer)\b|\bnumeric(?:al)? (?:answer|value)\b")
# Instruction phrases removed before a question is matched or hashed, so that
# rewording the instruction does not change the truth.
_INSTRUCTION_RE = re.compile(
    r"\(?\b(?:please )?(?:answer|reply|respond)(?: only)?(?: with)?(?: either)?(?: a| one| just| only)*"
    r"(?: yes or no| true or false| yes/no| true/false| (?:a |one )?(?:single )?(?:word|number|integer)"
    r"(?: only)?)\b\)?[.:!]?"
    r"|\(?\b(?:yes or no|true or false|yes/no|true/false)\b\)?\s*[:?.]?"
    r"|\b(?:in|with) (?:one|a single|a) word\b,?|\bone[- ]word answer\b[:.]?|\b(?:number|digits?) only\b\.?"
    r"|\bjust the (?:number|digits?|answer)\b\.?|\bno explanation\b\.?|\bbriefly\b,?|\bquick question\b[:,]?"
)
_AUX_NEGATIVE = {
    "is": ("it", "is", "isn't"), "are": ("they", "are", "aren't"), "was": ("it", "was", "wasn't"),
    "were": ("they", "were", "weren't"), "does": ("it", "does", "doesn't"), "do": ("they", "do", "don't"),
    "did": ("it", "did", "didn't"), "can": ("it", "can", "can't"), "could": ("it", "could", "couldn't"),
    "will": ("it", "will", "won't"), "would": ("it", "would", "wouldn't"), "should": ("it", "should", "shouldn't"),
    "has": ("it", "has", "hasn't"), "have": ("they", "have", "haven't"), "must": ("it", "must", "mustn't"),
}


@dataclass(frozen=True, slots=True)
class Truth:
    """The answer every model aims at. `value` is canonical ("51", "yes",
    "Paris"); `sentence` phrases any value (`{v}`); a yes/no truth's
    `claims` justify each side ("97 is prime" / "97 is not prime")."""

    kind: Kind
    value: str
    sentence: str = "{v}."
    claims: tuple[tuple[str, str], ...] = ()
    wrongs: tuple[str, ...] = ()  # plausible wrong values, the most tempting first
    difficulty: float = 0.1  # how easily a model slips on it (0..1)
    computed: bool = True  # False: the value comes from a hash of the wording
    terse: bool = False  # the question asks for the bare answer
    aux: str = ""  # yes/no: the question's auxiliary verb ("is", "does"), for "Yes, it is."

    def claim(self, value: str) -> str:
        return dict(self.claims).get(value, "")


# --- the question ---------------------------------------------------------------------


def _normalize(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


def question_core(prompt: str) -> str:
    """The question without its answer-format instructions, lowercased."""
    core = _INSTRUCTION_RE.sub(" ", _normalize(prompt))
    return " ".join(core.split()).strip(" ,;:")


def short_truth(prompt: str, *, force_yes_no: bool = False) -> Truth | None:
    """The truth of a short factual question, or None when the prompt is not
    one (anything long, open-ended or not recognised)."""
    if len(prompt) > MAX_QUESTION_CHARS or not prompt.strip():
        return None
    low = _normalize(prompt)
    core = question_core(prompt)
    terse = bool(_TERSE_RE.search(low))
    true_false = bool(_TRUE_FALSE_ASK_RE.search(low))
    yes_no = force_yes_no or true_false or bool(_YES_NO_ASK_RE.search(low))
    decided = _yes_no_truth(core)
    if decided is not None and (yes_no or _starts_with_aux(core) or true_false):
        return _as_kind(decided, true_false, terse)
    if yes_no:
        return _as_kind(_hashed_yes_no(core), true_false, terse)
    for finder in (_arithmetic, _counting, _country_fact):
        found = finder(core)
        if found is not None:
            return _with_terse(found, terse or bool(_ONE_WORD_RE.search(low)))
    if _ONE_WORD_RE.search(low):
        return _one_word(core, prompt)
    if _NUMBER_ASK_RE.search(low):
        return _hashed_number(core)
    return None


def _with_terse(truth: Truth, terse: bool) -> Truth:
    return replace(truth, sentence="{v}.", terse=True) if terse else truth


def _as_kind(truth: Truth, true_false: bool, terse: bool) -> Truth:
    if not true_false:
        return replace(truth, terse=terse)
    as_tf = {"yes": "true", "no": "false"}
    return replace(truth, kind="true_false", value=as_tf[truth.value], terse=terse,
                   claims=tuple((as_tf[v], c) for v, c in truth.claims))


def _starts_with_aux(core: str) -> bool:
    return core.split(" ", 1)[0] in _AUX_NEGATIVE


def yes_no_word(value: str) -> str:
    """The other side of a yes/no (or true/false) value."""
    return {"yes": "no", "no": "yes", "true": "false", "false": "true"}[value]


# --- arithmetic -----------------------------------------------------------------------

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
_ARITHMETIC_WORDS = frozenset(
    ["what", "is", "whats", "what's", "s", "compute", "calculate", "evaluate", "work", "out", "how", "much", "solve", "equals", "equal", "the", "answer", "result", "of", "value", "please", "number", "only", "reply", "respond", "with", "just", "give", "me", "a", "an", "to", "in", "one", "word", "digits", "simplify", "tell", "quick", "question", "exactly", "find", "do", "you", "get", "multiply", "add", "subtract", "divide", "final", "integer", "and", "return", "output", "nothing", "else", "no", "explanation", "can", "could", "would", "hey", "hi", "quickly", "mental", "math"]
)
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


def _operators(text: str) -> int:
    return len(re.findall(r"\*\*|[+*/%]|(?<=[\d)\s])-", text))


def evaluate_expression(text: str) -> tuple[float, str] | None:
    """The value of a plain arithmetic expression and its tidied form, or None."""
    expression = text.strip().rstrip("=").strip()
    if not expression or _operators(expression) == 0 or not re.search(r"\d", expression):
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


def _arithmetic_difficulty(expression: str, value: float) -> float:
    numbers = re.findall(r"\d+(?:\.\d+)?", expression)
    digits = sum(len(n.replace(".", "")) for n in numbers)
    difficulty = 0.02 * max(0, digits - 3) + 0.06 * max(0, _operators(expression) - 1)
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


def _arithmetic(core: str) -> Truth | None:
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
                 difficulty=_arithmetic_difficulty(expression, value))


# --- counting -------------------------------------------------------------------------

_QUOTE = r"[\"'`]?"
_COUNT_KIND_RE = re.compile(
    rf"\bhow many (letters|characters|chars|vowels|consonants|syllables) (?:are )?(?:there )?(?:in|does) (?:the )?"
    rf"(?:word |name |string )?{_QUOTE}([a-z][a-z-]*){_QUOTE}"
)
_COUNT_LETTER_RE = re.compile(
    rf"\bhow many (?:times (?:does|do|is) )?(?:the )?(?:letter |character )?{_QUOTE}([a-z]){_QUOTE}(?:'s|s)?\s+"
    rf"(?:(?:are|is|appear|appears|occur|occurs|there|does|do)\s+)*(?:in|does) (?:the )?(?:word )?{_QUOTE}"
    rf"([a-z][a-z-]*){_QUOTE}"
)
_VOWELS = set("aeiou")


def _counting(core: str) -> Truth | None:
    match = _COUNT_LETTER_RE.search(core)
    if match is not None and match.group(2) not in ("the", "a", "an"):
        letter, word = match.group(1), match.group(2)
        count = word.count(letter)
        return Truth("number", str(count), "{v}.", wrongs=_count_wrongs(count),
                     difficulty=min(0.8, 0.35 + 0.02 * len(word)))
    match = _COUNT_KIND_RE.search(core)
    if match is None:
        return None
    what, word = match.group(1), match.group(2)
    letters = [c for c in word if c.isalpha()]
    if what == "syllables":
        return None
    if what == "vowels":
        count = sum(c in _VOWELS for c in letters)
    elif what == "consonants":
        count = sum(c not in _VOWELS for c in letters)
    elif what in ("characters", "chars"):
        count = len(word)
    else:
        count = len(letters)
    return Truth("number", str(count), "{v}.", wrongs=_count_wrongs(count), difficulty=min(0.6, 0.1 + 0.02 * len(word)))


def _count_wrongs(count: int) -> tuple[str, ...]:
    return tuple(str(c) for c in (count - 1, count + 1, count + 2) if c >= 0 and c != count)


# --- yes / no ---------------------------------------------------------------------------

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


def _yes_no(yes: bool, yes_claim: str, no_claim: str, difficulty: float, aux: str = "is") -> Truth:
    return Truth("yes_no", "yes" if yes else "no", claims=(("yes", yes_claim), ("no", no_claim)),
                 difficulty=difficulty, aux=aux)


def _prime(match: re.Match[str]) -> Truth | None:
    n, negated = int(match.group(1)), bool(match.group(2))
    if abs(n) > 10**12:
        return None
    if n < 2:
        truth = _yes_no(False, f"{n} is prime", f"{n} is not prime (primes are greater than 1)", 0.1)
    else:
        factor = _smallest_factor(n)
        prime = factor == n
        no_claim = f"{n} = {factor} × {n // factor}" if not prime else f"{n} is not prime"
        truth = _yes_no(prime, f"{n} is prime", no_claim, min(0.7, 0.04 * len(str(n)) + (0.15 if not prime and factor > 5 else 0)))
    return _negate(truth) if negated else truth


def _parity(match: re.Match[str]) -> Truth:
    n, negated, parity = int(match.group(1)), bool(match.group(2)), match.group(3)
    even = n % 2 == 0
    yes = even if parity == "even" else not even
    other = "odd" if parity == "even" else "even"
    truth = _yes_no(yes, f"{n} is {parity}", f"{n} is {other}", 0.02)
    return _negate(truth) if negated else truth


def _divisible(match: re.Match[str]) -> Truth | None:
    n, m = int(match.group(1)), int(match.group(2))
    if m == 0:
        return None
    yes = n % m == 0
    yes_claim = f"{n} = {m} × {n // m}" if yes else f"{n} is divisible by {m}"
    no_claim = f"{n} ÷ {m} leaves a remainder of {n % m}" if not yes else f"{n} is not divisible by {m}"
    return _yes_no(yes, yes_claim, no_claim, min(0.6, 0.05 + 0.03 * len(str(n))))


def _factor_of(match: re.Match[str]) -> Truth | None:
    m, n = int(match.group(1)), int(match.group(2))
    if m == 0:
        return None
    yes = n % m == 0
    return _yes_no(yes, f"{n} = {m} × {n // m}" if yes else f"{m} is a factor of {n}",
                   f"{n} ÷ {m} leaves a remainder of {n % m}" if not yes else f"{m} is not a factor of {n}",
                   min(0.6, 0.05 + 0.03 * len(str(n))))


def _square(match: re.Match[str]) -> Truth:
    n, power = int(match.group(1)), match.group(2)
    exponent = 3 if power == "cube" else 2
    root = round(abs(n) ** (1 / exponent))
    yes = any((r**exponent) == n for r in (root - 1, root, root + 1)) if n >= 0 or exponent == 3 else False
    word = "perfect cube" if exponent == 3 else "perfect square"
    mark = "³" if exponent == 3 else "²"
    return _yes_no(yes, f"{n} = {root}{mark}" if yes else f"{n} is a {word}", f"{n} is not a {word}",
                   min(0.6, 0.05 + 0.03 * len(str(n))))


def _power_of_two(match: re.Match[str]) -> Truth:
    n = int(match.group(1))
    yes = n > 0 and n & (n - 1) == 0
    return _yes_no(yes, f"{n} = 2^{n.bit_length() - 1}" if yes else f"{n} is a power of two",
                   f"{n} is not a power of two", min(0.5, 0.03 * len(str(n))))


def _leap_year(match: re.Match[str]) -> Truth:
    year = int(match.group(1))
    yes = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    century = year % 100 == 0
    no_claim = (f"{year} is a century year not divisible by 400" if century and not yes else f"{year} is not a leap year")
    yes_claim = f"{year} is divisible by 400" if century and yes else f"{year} is a leap year"
    return _yes_no(yes, yes_claim, no_claim, 0.35 if century else 0.08)


def _palindrome(match: re.Match[str]) -> Truth:
    word = match.group(1)
    letters = "".join(c for c in word if c.isalnum())
    yes = letters == letters[::-1]
    no_claim = f'"{word}" reversed is "{word[::-1]}"' if not yes else f'"{word}" is not a palindrome'
    return _yes_no(yes, f'"{word}" reads the same backwards', no_claim, 0.1 + 0.02 * len(word))


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
    return _yes_no(yes, claimed if not yes else actual, actual if not yes else f"{sa} is not {word} than {sb}",
                   0.3 if decimals else 0.05)


def _equals(match: re.Match[str]) -> Truth | None:
    left, right = match.group(1), match.group(2)
    a, b = evaluate_value(left), evaluate_value(right)
    if a is None or b is None or (_operators(left) == 0 and _operators(right) == 0):
        return None
    yes = math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    lhs, shown, claimed = " ".join(left.split()), format_number(a), format_number(b)
    no_claim = f"{lhs} = {shown}, not {claimed}" if not yes else f"{lhs} is not {claimed}"
    aux = "does" if match.group(0).startswith("does") else "is"
    return _yes_no(yes, f"{lhs} = {shown}", no_claim, _arithmetic_difficulty(left, a), aux=aux)


def evaluate_value(text: str) -> float | None:
    text = text.strip()
    if re.fullmatch(r"-?\d+(?:\.\d+)?", text):
        return float(text)
    evaluated = evaluate_expression(text)
    return evaluated[0] if evaluated else None


def _negate(truth: Truth) -> Truth:
    """The truth of the negated question ("Is 9 not prime?")."""
    return replace(truth, value=yes_no_word(truth.value), claims=tuple((yes_no_word(v), c) for v, c in truth.claims))


_PALINDROME_RE = re.compile(r"\b(?:is )?(?:the (?:word|number|string) )?[\"']?([a-z0-9]{2,30})[\"']? (?:is )?a palindrome\b")
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


def _yes_no_truth(core: str) -> Truth | None:
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
    return _country_yes_no(core)


def _hashed_yes_no(core: str) -> Truth:
    words = core.split()
    aux = words[0] if words and words[0] in _AUX_NEGATIVE else "is"
    yes = stable_fraction("yes-no", core.strip(" ?.!")) < _YES_SHARE
    return Truth("yes_no", "yes" if yes else "no", difficulty=0.15, computed=False, aux=aux)


def yes_no_sentence(truth: Truth, value: str) -> str:
    """"Yes, it is." for a question answered from its wording alone."""
    subject, positive, negative = _AUX_NEGATIVE.get(truth.aux, _AUX_NEGATIVE["is"])
    word = "Yes" if value in ("yes", "true") else "No"
    return f"{word}, {subject} {positive if word == 'Yes' else negative}."


# --- numbers nothing can compute ---------------------------------------------------------


def _hashed_number(core: str) -> Truth:
    value = 2 + int(stable_fraction("number", core.strip(" ?.!")) * 19)
    return Truth("number", str(value), "{v}.", wrongs=_count_wrongs(value) + (str(value + 3),), difficulty=0.3,
                 computed=False, terse=True)


# --- countries ---------------------------------------------------------------------------

# name | capital | continent | main language | currency | tempting wrong capital
_COUNTRY_TABLE = """
france|Paris|Europe|French|euro|Marseille
germany|Berlin|Europe|German|euro|Munich
spain|Madrid|Europe|Spanish|euro|Barcelona
italy|Rome|Europe|Italian|euro|Milan
portugal|Lisbon|Europe|Portuguese|euro|Porto
netherlands|Amsterdam|Europe|Dutch|euro|Rotterdam
belgium|Brussels|Europe|Dutch|euro|Antwerp
switzerland|Bern|Europe|German|Swiss franc|Zurich
austria|Vienna|Europe|German|euro|Salzburg
poland|Warsaw|Europe|Polish|złoty|Kraków
greece|Athens|Europe|Greek|euro|Thessaloniki
sweden|Stockholm|Europe|Swedish|Swedish krona|Gothenburg
norway|Oslo|Europe|Norwegian|Norwegian krone|Bergen
denmark|Copenhagen|Europe|Danish|Danish krone|Aarhus
finland|Helsinki|Europe|Finnish|euro|Turku
ireland|Dublin|Europe|English|euro|Cork
united kingdom|London|Europe|English|pound sterling|Manchester
russia|Moscow|Europe|Russian|ruble|Saint Petersburg
ukraine|Kyiv|Europe|Ukrainian|hryvnia|Lviv
czechia|Prague|Europe|Czech|Czech koruna|Brno
hungary|Budapest|Europe|Hungarian|forint|Debrecen
romania|Bucharest|Europe|Romanian|leu|Cluj-Napoca
iceland|Reykjavik|Europe|Icelandic|Icelandic króna|Akureyri
turkey|Ankara|Asia|Turkish|Turkish lira|Istanbul
japan|Tokyo|Asia|Japanese|yen|Kyoto
china|Beijing|Asia|Mandarin|yuan|Shanghai
india|New Delhi|Asia|Hindi|Indian rupee|Mumbai
south korea|Seoul|Asia|Korean|won|Busan
vietnam|Hanoi|Asia|Vietnamese|dong|Ho Chi Minh City
thailand|Bangkok|Asia|Thai|baht|Chiang Mai
indonesia|Jakarta|Asia|Indonesian|rupiah|Surabaya
philippines|Manila|Asia|Filipino|Philippine peso|Cebu
pakistan|Islamabad|Asia|Urdu|Pakistani rupee|Karachi
nepal|Kathmandu|Asia|Nepali|Nepalese rupee|Pokhara
saudi arabia|Riyadh|Asia|Arabic|riyal|Jeddah
iran|Tehran|Asia|Persian|rial|Isfahan
malaysia|Kuala Lumpur|Asia|Malay|ringgit|Penang
egypt|Cairo|Africa|Arabic|Egyptian pound|Alexandria
kenya|Nairobi|Africa|Swahili|Kenyan shilling|Mombasa
nigeria|Abuja|Africa|English|naira|Lagos
ghana|Accra|Africa|English|cedi|Kumasi
morocco|Rabat|Africa|Arabic|dirham|Casablanca
ethiopia|Addis Ababa|Africa|Amharic|birr|Dire Dawa
algeria|Algiers|Africa|Arabic|Algerian dinar|Oran
tanzania|Dodoma|Africa|Swahili|Tanzanian shilling|Dar es Salaam
united states|Washington, D.C.|North America|English|US dollar|New York
canada|Ottawa|North America|English|Canadian dollar|Toronto
mexico|Mexico City|North America|Spanish|Mexican peso|Guadalajara
cuba|Havana|North America|Spanish|Cuban peso|Santiago de Cuba
brazil|Brasília|South America|Portuguese|real|Rio de Janeiro
argentina|Buenos Aires|South America|Spanish|Argentine peso|Córdoba
chile|Santiago|South America|Spanish|Chilean peso|Valparaíso
peru|Lima|South America|Spanish|sol|Cusco
colombia|Bogotá|South America|Spanish|Colombian peso|Medellín
venezuela|Caracas|South America|Spanish|bolívar|Maracaibo
australia|Canberra|Oceania|English|Australian dollar|Sydney
new zealand|Wellington|Oceania|English|New Zealand dollar|Auckland
"""
_ALIASES = {"usa": "united states", "us": "united states", "the us": "united states", "america": "united states",
            "the united states": "united states", "uk": "united kingdom", "the uk": "united kingdom",
            "britain": "united kingdom", "great britain": "united kingdom", "england": "united kingdom",
            "the netherlands": "netherlands", "holland": "netherlands", "czech republic": "czechia",
            "korea": "south korea", "the philippines": "philippines", "türkiye": "turkey"}
_CONTINENT_WORDS = {"europe": "Europe", "european": "Europe", "asia": "Asia", "asian": "Asia", "africa": "Africa",
                    "african": "Africa", "north america": "North America", "north american": "North America",
                    "south america": "South America", "south american": "South America", "oceania": "Oceania",
                    "oceanian": "Oceania"}


@dataclass(frozen=True, slots=True)
class Country:
    name: str
    capital: str
    continent: str
    language: str
    currency: str
    tempting: str

    @property
    def title(self) -> str:
        small = {"of", "and"}
        return " ".join(w if w in small else w.capitalize() for w in self.name.split())


def _load_countries() -> dict[str, Country]:
    table: dict[str, Country] = {}
    for line in _COUNTRY_TABLE.strip().splitlines():
        name, capital, continent, language, currency, tempting = line.split("|")
        table[name] = Country(name, capital, continent, language, currency, tempting)
    return table


COUNTRIES = _load_countries()
_COUNTRY_NAMES = sorted(set(COUNTRIES) | set(_ALIASES), key=len, reverse=True)
_COUNTRY_RE = re.compile(r"\b(" + "|".join(re.escape(n) for n in _COUNTRY_NAMES) + r")\b")
_CAPITALS = {c.capital.lower(): c for c in COUNTRIES.values()}
_CITY_RE = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(
    set(_CAPITALS) | {c.tempting.lower() for c in COUNTRIES.values()}, key=len, reverse=True)) + r")\b")


def _country_in(core: str) -> Country | None:
    match = _COUNTRY_RE.search(core)
    if match is None:
        return None
    name = match.group(1)
    return COUNTRIES[_ALIASES.get(name, name)]


def _others(country: Country, attribute: str) -> tuple[str, ...]:
    """Values of `attribute` from other countries, neighbours first."""
    same = [getattr(c, attribute) for c in COUNTRIES.values() if c.continent == country.continent and c is not country]
    rest = [getattr(c, attribute) for c in COUNTRIES.values() if c.continent != country.continent]
    mine = getattr(country, attribute)
    values = [v for v in same + rest if v != mine]
    start = int(stable_fraction(attribute, country.name) * max(1, len(same) - 1))
    return tuple(dict.fromkeys(values[start:] + values[:start]))


_QUESTION_START_RE = re.compile(r"(?:what|which|what's|whats|name|tell me|give me|do you know)\b")


def _country_fact(core: str) -> Truth | None:
    if len(core.split()) > 16:
        return None
    country = _country_in(core)
    if country is None or _QUESTION_START_RE.match(core) is None:
        return None
    title = country.title
    if re.search(r"\bcapital\b", core) and not re.search(r"\bis [a-z .,]+ the capital\b", core):
        wrongs = (country.tempting,) + _others(country, "capital")[:4]
        return Truth("word", country.capital, f"The capital of {title} is {{v}}.", wrongs=wrongs, difficulty=0.08)
    if re.search(r"\blanguages?\b.{0,30}\b(?:speak|spoken|official|of|in)\b", core):
        return Truth("word", country.language, "{v}.", wrongs=_others(country, "language")[:4], difficulty=0.1)
    if re.search(r"\bcurrency\b|\bmoney\b", core):
        return Truth("word", country.currency, f"{title} uses the {{v}}.", wrongs=_others(country, "currency")[:4],
                     difficulty=0.12)
    if re.search(r"\bcontinent\b", core):
        return Truth("word", country.continent, f"{title} is in {{v}}.", wrongs=_others(country, "continent")[:3],
                     difficulty=0.05)
    return None


def _country_yes_no(core: str) -> Truth | None:
    if len(core.split()) > 16:
        return None
    country = _country_in(core)
    if country is None:
        return None
    title = country.title
    city = _CITY_RE.search(core)
    if city is not None and re.search(r"\bcapital\b", core):
        named = city.group(1)
        yes = named == country.capital.lower()
        shown = named.title()
        return _yes_no(yes, f"{shown} is the capital of {title}",
                       f"the capital of {title} is {country.capital}" if not yes else f"{shown} is not the capital of {title}",
                       0.15 if named == country.tempting.lower() else 0.08)
    for word, continent in sorted(_CONTINENT_WORDS.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b(?:in|an?) {word}\b", core):
            yes = continent == country.continent
            return _yes_no(yes, f"{title} is in {continent}" if yes else f"{title} is in {continent}",
                           f"{title} is in {country.continent}" if not yes else f"{title} is not in {continent}",
                           0.06)
    return None


# --- one word -----------------------------------------------------------------------------

_CATEGORIES: dict[str, tuple[str, ...]] = {
    "colou?rs?": ("Red", "Blue", "Green", "Yellow", "Orange", "Purple", "White", "Black", "Gray", "Pink", "Brown"),
    "animals?": ("Dog", "Cat", "Horse", "Eagle", "Dolphin", "Lion", "Wolf", "Owl", "Fox", "Bear"),
    "planets?": ("Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune"),
    "fruits?": ("Apple", "Banana", "Orange", "Mango", "Grape", "Pear", "Cherry", "Lemon"),
    "seasons?": ("Spring", "Summer", "Autumn", "Winter"),
    "days?": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "months?": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December"),
    "shapes?": ("Circle", "Square", "Triangle", "Hexagon", "Sphere", "Spiral"),
    "metals?": ("Iron", "Copper", "Gold", "Silver", "Aluminium", "Tin"),
    "emotions?|feelings?|moods?": ("Joy", "Calm", "Curiosity", "Hope", "Nostalgia", "Pride"),
}
_CATEGORY_RES = tuple((re.compile(rf"\b(?:what|which)\b(?: \w+){{0,2}} (?:{k})\b|\b(?:{k}) (?:is|are|was|does)\b"), v)
                      for k, v in _CATEGORIES.items())


def _one_word(core: str, prompt: str) -> Truth:
    key = core.strip(" ?.!")
    for pattern, options in _CATEGORY_RES:
        if pattern.search(core):
            index = int(stable_fraction("word", key) * len(options))
            value = options[index]
            wrongs = options[index + 1:] + options[:index]
            return Truth("word", value, "{v}.", wrongs=wrongs[:4], difficulty=0.15, computed=False, terse=True)
    terms = key_terms(prompt) or ("Yes",)
    value = terms[0].split()[0].strip(".,;:!?") or "Yes"
    value = value[:1].upper() + value[1:]
    wrongs = tuple(t.split()[0].capitalize() for t in terms[1:4]) or ("Unclear",)
    return Truth("word", value, "{v}.", wrongs=wrongs, difficulty=0.15, computed=False, terse=True)


# --- reading an answer back ---------------------------------------------------------------

_FIRST_NUMBER_RE = re.compile(r"-?\d+(?:[.,]\d+)*")
_YES_NO_WORDS = {"yes": "yes", "no": "no", "true": "yes", "false": "no", "yeah": "yes", "nope": "no", "correct": "yes",
                 "incorrect": "no"}


def answer_value(truth: Truth, text: str) -> str | None:
    """The value a short answer gives, in the truth's canonical form
    ("yes" for "Yes — 97 is prime.", "51" for "51."), or None if it gives
    none that can be read."""
    first = next((line for line in text.strip().splitlines() if line.strip()), "")[:300]
    low = _normalize(first)
    if truth.kind in ("yes_no", "true_false"):
        for word in re.findall(r"[a-z]+", low)[:6]:
            if word in _YES_NO_WORDS:
                side = _YES_NO_WORDS[word]
                if truth.kind == "true_false":
                    return "true" if side == "yes" else "false"
                return side
        return None
    if truth.kind == "number":
        match = _FIRST_NUMBER_RE.search(low)
        if match is None:
            return None
        raw = match.group().replace(",", "")
        try:
            return format_number(float(raw))
        except ValueError:
            return None
    candidates = (truth.value, *truth.wrongs)
    positions = [(low.find(c.lower()), c) for c in candidates if c and low.find(c.lower()) >= 0]
    if not positions:
        return None
    return min(positions)[1]


def answer_is_right(truth: Truth, text: str) -> bool | None:
    """Whether a short answer gives the truth (None: it gives nothing readable)."""
    value = answer_value(truth, text)
    if value is None:
        return None
    if truth.kind == "number":
        try:
            return math.isclose(float(value), float(truth.value), rel_tol=1e-6, abs_tol=1e-6)
        except ValueError:
            return False
    return value.lower() == truth.value.lower()


@lru_cache(maxsize=256)
def cached_truth(prompt: str) -> Truth | None:
    return short_truth(prompt)
