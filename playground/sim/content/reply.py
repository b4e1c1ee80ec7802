"""What an instruction-following reply (a judge's number, a router's label,
a short fact) carries besides its text, for `SimAnswer` and logprobs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ReplyKind = Literal["judge_best", "judge_score", "label", "fact"]


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    kind: ReplyKind
    hedged: bool  # the text hedges ("I'm not sure")
    wrong: bool  # not what the model would say with perfect judgement (wrong fact, label, pick or score)
    uncertainty: float  # 0..1: how likely this model is to get this one wrong
    difficulty: float  # 0..1: how hard the task itself is
