"""How likely a simulated model is to slip: the shared odds behind prose
answers (hedging) and instruction replies (wrong labels, wrong facts, noisy
judgements), plus the process-independent seed every choice is drawn from.

All of them fall as quality (0..1) rises, so a flagship is nearly always
right and a tiny local model visibly is not.
"""

from __future__ import annotations

import hashlib
import math

# hedge probability = logistic(SLOPE * (difficulty - quality) + OFFSET): a
# model is only shaky on prompts harder than its quality, and even then a
# flagship mostly holds up.
HEDGE_SLOPE = 10.0
HEDGE_OFFSET = -1.0

# A confidently wrong short answer: WRONG_SCALE * (1 - quality)^2, raised by
# the task's own difficulty (big multiplications, counting letters).
WRONG_SCALE = 0.35
WRONG_DIFFICULTY = 3.0
WRONG_MAX = 0.75
# A lapse in an instruction reply (a random label, the first answer picked
# whatever it says): LAPSE_SCALE * (1 - quality)^2.
LAPSE_SCALE = 0.6
# Perception noise (a standard deviation on a 0..1 scale) of a judge or a
# classifier: NOISE * (1 - quality).
JUDGE_NOISE = 0.8
LABEL_NOISE = 0.15


def stable_seed(*parts: str) -> int:
    """A seed that is the same in every process (unlike `hash`)."""
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def stable_fraction(*parts: str) -> float:
    """A number in [0, 1) fixed by `parts`, the same in every process."""
    return stable_seed(*parts) / 2**64


def hedge_probability(difficulty: float, quality: float) -> float:
    """Chance that a model of `quality` gives a weak, hedging answer to a
    prompt of `difficulty` (both 0..1)."""
    return 1.0 / (1.0 + math.exp(-(HEDGE_SLOPE * (difficulty - quality) + HEDGE_OFFSET)))


def wrong_probability(difficulty: float, quality: float) -> float:
    """Chance that a model gives a confidently wrong short answer (a fact, a
    number, yes instead of no) to a question of `difficulty`."""
    weakness = (1.0 - quality) ** 2
    return min(WRONG_MAX, WRONG_SCALE * weakness * (1.0 + WRONG_DIFFICULTY * difficulty))


def lapse_probability(quality: float) -> float:
    """Chance that a model ignores what it read when following a format
    instruction: a random label, or the first answer picked blindly."""
    return LAPSE_SCALE * (1.0 - quality) ** 2


def judge_noise(quality: float) -> float:
    return JUDGE_NOISE * (1.0 - quality)


def label_noise(quality: float) -> float:
    return LABEL_NOISE * (1.0 - quality)


def normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
