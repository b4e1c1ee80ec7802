"""The config file written on first run: every section, commented, with the
defaults spelled out so a user can see what there is to change."""

from __future__ import annotations

FIRST_RUN_CONFIG = '''\
# routing-playground configuration.
#
# This file was created on first run. Every value shown is the default; edit,
# uncomment or delete freely. Environment variables override it:
#   PLAYGROUND_<SECTION>__<KEY>=VALUE   e.g. PLAYGROUND_RETRY__MAX_ATTEMPTS=3
# Use another file with `playground --config FILE ...` or PLAYGROUND_CONFIG.
# API keys never go in this file: a provider names the environment variable
# that holds its key (api_key_env), and only that name is ever written.

version = 1

[router]
# The strategy `Router.from_file` runs and `playground export` describes.
strategy = "complexity"
# The columns the TUI opens with (see `playground strategies`).
columns = ["fixed", "complexity", "task", "cost"]

# Strategy parameters; `playground strategies` lists them with their ranges.
[strategies.complexity]
# Thresholds are quantiles of the reference prompts shipped with the app
# (0.8 = more complex than 80% of them); the defaults:
# high_threshold = 0.9
# low_threshold = 0.8

# Providers. The catalog already knows openai, anthropic, groq, deepseek,
# openrouter and ollama; a section here overrides or adds one.
# kind = "openai" covers any OpenAI-compatible server (vLLM, LM Studio, ...).
#
# [providers.ollama]
# kind = "openai"
# base_url = "http://127.0.0.1:11434/v1"
# enabled = true        # use it with no key (a provider with a key is used when its variable is set)
# discover = true       # also list its models (GET /models) and add them at price 0
#
# [providers.my-gateway]
# kind = "openai"
# base_url = "https://llm.example.com/v1"
# api_key_env = "MY_GATEWAY_KEY"

# Models: override any catalog field, or add a model.
#
# [models.gpt-4o]
# input_per_mtok = 2.50
# output_per_mtok = 10.00
#
# [models.my-model]
# provider = "my-gateway"
# api_name = "my-model-v2"
# tier = "mid"                 # flagship | mid | small | local
# input_per_mtok = 0.50
# output_per_mtok = 1.50
# context_window = 128000
# capabilities = { reasoning = 7, coding = 7, creative = 6, speed = 7, long_context = 6 }

# Model groups (deployments a load balancer spreads over).
[groups]
# fast = ["gpt-5-nano", "claude-haiku-4-5"]

[fallbacks]
enabled = true
# Explicit chains; a model without one falls back to its closest peers.
[fallbacks.chains]
# "gpt-4o" = ["claude-sonnet-4-5", "gpt-5-mini"]

[retry]
# Attempts for one request in total: first call, retries and fallbacks.
max_attempts = 6
retries_per_model = 1
base_delay_s = 0.25
multiplier = 2.0
max_delay_s = 8.0
jitter = 0.5
honor_retry_after = true
max_retry_after_s = 20.0
retry_on = ["rate_limited", "overloaded", "server_error", "timeout", "connection"]

[timeouts]
connect_s = 5.0
first_token_s = 30.0
idle_s = 20.0          # a stream silent this long counts as stalled
total_s = 180.0

[breaker]
# Resilience4j semantics: failure rate over a count or time window.
window_type = "count"  # count | time
window_size = 100
minimum_calls = 20
failure_rate_threshold = 60.0     # percent
slow_call_rate_threshold = 100.0  # percent
slow_call_duration_s = 30.0
wait_in_open_s = 10.0
half_open_calls = 3
count_rate_limits = false         # a 429 is backpressure, not a broken endpoint

[cache]
# Semantic cache: exact match, then embedding similarity.
enabled = false
similarity_threshold = 0.92
ttl_s = 3600.0
max_entries = 1000
embedding_model = "text-embedding-3-small"
'''
