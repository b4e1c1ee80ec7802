"""Hand-made data several test files share: attempt records, a LiteLLM config, prompt families."""

from __future__ import annotations

import itertools

from playground.core.catalog import default_catalog
from playground.core.decision import Decision
from playground.core.errors import ProviderError
from playground.core.events import AttemptRecord, Decided
from playground.core.pricing import cost_usd
from playground.core.roles import CallRole
from playground.core.tokens import default_counter
from playground.runview.member_state import MemberBoard
from tests.helpers.env import fake_key

CATALOG = default_catalog()
MEMBERS = ("gpt-5-mini", "claude-haiku-4-5", "gpt-4o-mini")


def record(attempt: int, model: str, role: CallRole, outcome: str = "ok", text: str = "yes", out: int = 5,
           error: ProviderError | None = None, inp: int = 20) -> AttemptRecord:
    spec = CATALOG.get(model)
    return AttemptRecord(attempt, model, spec.provider, outcome, inp, out, "provider", cost_usd(spec, inp, out),  # type: ignore[arg-type]
                         100.0, 400.0, text, error, role=role)


def decided(plan: object, model: str = MEMBERS[0]) -> Decided:
    return Decided("ensemble", Decision(model, "because", plan=plan), 0.1)  # type: ignore[arg-type]


def board() -> MemberBoard:
    return MemberBoard(CATALOG, default_counter(), input_estimate=20)


SENTINELS = {"OPENAI_API_KEY": fake_key("sk", "SENTINEL-openai-0123456789"),
             "ANTHROPIC_API_KEY": fake_key("sk-ant", "SENTINEL-abcdef")}


# The shape of LiteLLM's documented proxy configs: several deployments under one
# model_name (load balancing, https://docs.litellm.ai/docs/proxy/load_balancing),
# os.environ/ keys, model_info costs, router_settings with fallbacks and cooldowns
# (https://docs.litellm.ai/docs/router/api_reference/configuration).
HAND_WRITTEN = """\
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
      weight: 3
    model_info:
      input_cost_per_token: 0.0000025
      output_cost_per_token: 0.00001
      max_input_tokens: 128000
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_base: https://llm.example.com/v1
      api_key: os.environ/EXAMPLE_KEY
      weight: 1
      rpm: 600
    model_info:
      input_cost_per_token: 0.0000025
      output_cost_per_token: 0.00001
      max_input_tokens: 128000
  - model_name: claude-sonnet
    litellm_params:
      model: anthropic/claude-sonnet-4-5
      api_key: os.environ/ANTHROPIC_API_KEY
    model_info:
      input_cost_per_token: 0.000003
      output_cost_per_token: 0.000015
      max_input_tokens: 200000
      max_output_tokens: 64000
router_settings:
  routing_strategy: least-busy
  num_retries: 2
  timeout: 60
  allowed_fails: 3
  cooldown_time: 30
  fallbacks: [{"gpt-4o": ["claude-sonnet"]}]
  redis_host: localhost
litellm_settings:
  drop_params: true
"""


_SYSTEMS = ("distributed rate limiter", "multi-region key-value store", "job scheduler", "payment ledger",
            "chat service", "feature flag service", "search index", "event bus", "cache layer", "metrics pipeline")


_FAILURES = ("network partitions", "clock skew", "a region outage", "duplicate deliveries", "sudden traffic spikes")
_GUARANTEES = ("exactly-once processing", "linearizable reads", "bounded staleness", "at-least-once delivery")


_HARD = (
    "Design a {s} that keeps working through {f}. Prove that it guarantees {g}, discuss the trade-offs against a "
    "simpler design, and walk me through debugging a race condition in it.",
    "Our {s} deadlocks under {f}. Debug it step by step: analyze the likely causes, derive the invariant that "
    "breaks, and propose a fix that still gives {g}.",
    "Compare three architectures for a {s} under {f}, analyze the complexity of each, justify which one "
    "preserves {g}, and write the core algorithm in Python.",
    "1. Design the data model for a {s}.\n2. Prove it preserves {g} during {f}.\n"
    "3. Explain how you would debug a memory leak in production.\n4. Optimize its tail latency.",
)


_EASY = (
    "What is the capital of {c}?",
    "In one word, what is the main language spoken in {c}?",
    "Is {c} in Europe? Answer yes or no.",
    "Briefly, what currency does {c} use?",
    "How many letters are in the word {c}?",
    "Translate 'good morning' into the main language of {c}.",
)


_COUNTRIES = ("France", "Japan", "Brazil", "Kenya", "Canada", "Norway", "India", "Mexico", "Egypt", "Chile",
              "Spain", "Italy", "Peru", "Ghana", "Vietnam", "Poland", "Greece", "Turkey", "Nepal", "Cuba")


HARD_PROMPTS = [t.format(s=s, f=f, g=g) for s, f, g, t in itertools.product(_SYSTEMS, _FAILURES, _GUARANTEES, _HARD)][
    :200
]


EASY_PROMPTS = [t.format(c=c) for t in _EASY for c in _COUNTRIES]
