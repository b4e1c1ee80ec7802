import pytest

from playground.engine import checks


def test_min_length_and_hedging() -> None:
    assert checks.check_min_length("  abc  ", 3).passed
    assert not checks.check_min_length("abc", 4).passed
    hedge = checks.check_no_hedging("Well, I'm not sure, but it depends.")
    assert hedge.passed is False and "i'm not sure" in hedge.detail and "it depends" in hedge.detail
    assert checks.check_no_hedging("Paris.").passed


def test_code_block_only_for_code_tasks() -> None:
    assert checks.check_code_block("no code", "Write a poem").passed is None
    assert checks.check_code_block("here:\n```python\nprint(1)\n```", "Write a Python function").passed
    assert checks.check_code_block("just prose", "Write a Python function").passed is False


def test_json_and_schema() -> None:
    assert checks.check_json('{"a": 1}').passed
    assert checks.check_json('Sure!\n```json\n{"a": 1}\n```').passed
    assert checks.check_json("not json").passed is False
    schema = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
    assert checks.check_json('{"name": "x"}', schema).passed
    failed = checks.check_json('{"name": 3}', schema)
    assert failed.passed is False and failed.detail.startswith("schema: name: 3 is not of type 'string'")


def test_confidence_and_judge() -> None:
    assert checks.check_confidence(None, -1).passed is None
    assert checks.check_confidence(-0.2, -1).passed and checks.check_confidence(-1.5, -1).passed is False
    assert checks.check_judge(8, 7, "8").passed and checks.check_judge(None, 7, "great").passed is False


@pytest.mark.parametrize(("text", "score"), [("8", 8), ("Score: 7/10", 7), ("10", 10), ("I'd say 6.5.", 6.5),
                                             ("none", None), ("42", None)])
def test_parse_score(text: str, score: float | None) -> None:
    assert checks.parse_score(text) == score


def test_parse_choice_and_label() -> None:
    assert checks.parse_choice("Answer 2 is best", 3) == 2
    assert checks.parse_choice("Answer 7", 3) is None
    assert checks.parse_label("I think it's COMPLEX, not trivial", ["trivial", "moderate", "complex"]) == "complex"
    assert checks.parse_label("moderately hard", ["trivial", "moderate", "complex"]) is None


@pytest.mark.parametrize(("text", "normal"), [
    ("Yes, 97 is prime.", "yes"), ("yes", "yes"), ("No — it is not.", "no"), ("42", "42"), ("The answer is 42.", "42"),
    ("Paris is the capital of France and has many museums", "paris is the capital of france and has"),
])
def test_normalize_short_answer(text: str, normal: str) -> None:
    assert checks.normalize_short_answer(text) == normal
