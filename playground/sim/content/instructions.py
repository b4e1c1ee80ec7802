"""Prompts that ask for a specific kind of reply rather than prose, and the
reply a simulated model gives to each; None for ordinary prompts.

In order (the first that matches wins):
1. judge, pick the best: numbered answers and "which is best" -> "2"
2. judge, score: a rating scale ("1 to 10") and a rating word -> "8"
3. classifier: an instruction to reply with one of listed options -> "complex"
   (options that are just yes/no or true/false answer the embedded question)
4. short factual question: arithmetic, counting, yes/no, one word, a few
   country facts -> "51." / "Yes — 97 is prime." / "Canberra."

Every reply is a pure function of (model, quality, prompt); weaker models
slip more often (see odds.py), and the reply says whether it slipped so
that logprobs can show less confidence.
"""

from __future__ import annotations

from playground.sim.content.facts import short_truth
from playground.sim.content.judging import best_reply, find_best_task, find_score_task, score_reply
from playground.sim.content.labels import find_label_task, label_reply
from playground.sim.content.reply import Reply
from playground.sim.content.short import short_reply

_YES_NO_LABELS = ({"yes", "no"}, {"true", "false"})


def respond(model: str, quality: float, prompt: str) -> Reply | None:
    """The reply to an instruction prompt, or None for an ordinary prompt."""
    if not prompt.strip():
        return None
    best = find_best_task(prompt)
    if best is not None:
        return best_reply(model, quality, prompt, best)
    score = find_score_task(prompt)
    if score is not None:
        return score_reply(model, quality, prompt, score)
    labels = find_label_task(prompt)
    if labels is not None:
        lowered = {label.lower() for label in labels.labels}
        if lowered in _YES_NO_LABELS:
            truth = short_truth(prompt) if labels.loose and not labels.terse else None
            if truth is not None:  # "Is 97 prime? Answer yes or no.": a short answer, not a bare label
                return short_reply(model, quality, prompt, truth)
            return _yes_no_label(model, quality, prompt, labels.request, labels.labels)
        return label_reply(model, quality, prompt, labels)
    truth = short_truth(prompt)
    if truth is not None:
        return short_reply(model, quality, prompt, truth)
    return None


def _yes_no_label(model: str, quality: float, prompt: str, request: str, labels: tuple[str, ...]) -> Reply:
    """"Reply with one of: yes, no" about an embedded question: the question's
    truth, given as the label itself."""
    true_false = {label.lower() for label in labels} == {"true", "false"}
    question = request if request.strip() else prompt
    truth = short_truth(question[:400], force_yes_no=True) or short_truth(prompt[:400], force_yes_no=True)
    assert truth is not None  # force_yes_no always decides
    reply = short_reply(model, quality, prompt, truth)
    said = "yes" if reply.text.lower().startswith(("yes", "true")) else "no"
    wanted = ("true" if said == "yes" else "false") if true_false else said
    label = next(label for label in labels if label.lower() == wanted)
    return Reply(label, "label", reply.hedged, reply.wrong, reply.uncertainty, reply.difficulty)
