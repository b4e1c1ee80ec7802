"""The simulator's content is cheap enough that evaluation replays and
stress runs measure the router, not the simulator.

Three figures, each a median over repeats and a ratio to a baseline measured
in the same run, counting the same text's tokens with tiktoken (work every
request does anyway):
- composing an answer for an ordinary prompt (target: under 5 ms each);
- composing an answer for huge, pathological prompts — a 300 KB document,
  20,000 list items, 100,000 question marks or spaces, and the router and
  judge instructions wrapped around a 370 KB request (target: under 0.5 s
  each, and the answer stays under 2,000 words);
- embedding a text of 500–1,000 tokens (target: under 20 ms).

The last line is one JSON object with every figure and "ok"; `--smoke` runs
fewer repeats (the suite runs it so this file does not rot).

    python bench/bench_sim_content.py [--repeat 5] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from playground.core.catalog import default_catalog
from playground.core.tokens import default_counter
from playground.engine.plans import JUDGE_BEST_TEMPLATE, JUDGE_SCORE_TEMPLATE
from playground.eval.prompt_sets import builtin_prompt_set
from playground.sim.content.answers import answer_for, compose_answer
from playground.sim.content.embeddings import embed_text
from playground.strategies.llm_router import DEFAULT_PROMPT

ANSWER_TARGET_MS = 5.0
HUGE_TARGET_MS = 500.0
EMBED_TARGET_MS = 20.0
MAX_HUGE_ANSWER_WORDS = 2000

_DOCUMENT = "The broker stores log segments on disk and serves consumers. " * 6000
HUGE_PROMPTS = {
    "document": "Summarize this document. " + "The broker stores log segments on disk and serves consumers. " * 4000,
    "list": "1. item\n" * 20_000,
    "questions": "?" * 100_000,
    "spaces": " " * 100_000,
    # The instructions the engine sends the simulator (router, judges) around a huge request.
    "router": DEFAULT_PROMPT.replace("{labels}", "trivial, moderate, complex").replace("{prompt}", _DOCUMENT),
    "judge_best": JUDGE_BEST_TEMPLATE.format(
        prompt=_DOCUMENT, answers=f"Answer 1:\n{_DOCUMENT[:20_000]}\n\nAnswer 2:\nI'm not sure."),
    "judge_score": JUDGE_SCORE_TEMPLATE.format(prompt=_DOCUMENT, answer=_DOCUMENT),
}


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def thousand_token_text() -> str:
    counter = default_counter()
    text = compose_answer("m", 0.9, "Explain in detail how Raft handles leader election and log replication.").text
    while counter.count_text(text).tokens > 1000:
        text = text[: int(len(text) * 0.9)]
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="repeats per figure (the median is kept)")
    parser.add_argument("--smoke", action="store_true", help="one repeat: checks the script runs")
    args = parser.parse_args()
    repeat = 1 if args.smoke else max(1, args.repeat)
    counter = default_counter()
    counter.count_text("warm the encoding")  # loaded once, not inside the baseline
    figures: dict[str, object] = {"bench": "sim_content", "smoke": args.smoke}
    ok = True

    prompts = list(builtin_prompt_set().prompts)
    small = default_catalog().get("gpt-4o-mini")
    answer_for(small, prompts[0])  # warm the content tables
    answer = median_ms(lambda: [answer_for(small, p) for p in prompts], repeat) / len(prompts)
    base = median_ms(lambda: [counter.count_text(p) for p in prompts], repeat) / len(prompts)
    figures["answer_ms"], figures["answer_ratio"] = round(answer, 3), round(answer / base, 2) if base else None
    ok &= answer < ANSWER_TARGET_MS
    print(f"answer, ordinary prompt: {answer:8.3f} ms ({figures['answer_ratio']}× counting its tokens)")

    for name, prompt in HUGE_PROMPTS.items():
        took = median_ms(lambda p=prompt: compose_answer("gpt-4o", 0.78, p), repeat)
        base = median_ms(lambda p=prompt: counter.count_text(p), repeat)
        words = len(compose_answer("gpt-4o", 0.78, prompt).text.split())
        figures[f"huge_{name}_ms"] = round(took, 1)
        figures[f"huge_{name}_ratio"] = round(took / base, 2) if base else None
        figures[f"huge_{name}_words"] = words
        ok &= took < HUGE_TARGET_MS and words < MAX_HUGE_ANSWER_WORDS
        print(f"answer, huge {name:11}: {took:8.1f} ms ({figures[f'huge_{name}_ratio']}× counting its tokens), "
              f"{words} words")

    text = thousand_token_text()
    embed_text(text)  # warm the feature caches
    took = median_ms(lambda: embed_text(text), repeat)
    base = median_ms(lambda: counter.count_text(text), repeat)
    figures["embed_ms"], figures["embed_ratio"] = round(took, 3), round(took / base, 2) if base else None
    figures["embed_tokens"] = counter.count_text(text).tokens
    ok &= took < EMBED_TARGET_MS
    print(f"embed, {figures['embed_tokens']} tokens:  {took:8.3f} ms ({figures['embed_ratio']}× counting its tokens)")

    figures["ok"] = bool(ok)
    print(json.dumps(figures))
    return 0 if ok or args.smoke else 1


if __name__ == "__main__":
    raise SystemExit(main())
