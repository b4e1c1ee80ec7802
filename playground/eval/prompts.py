"""A built-in prompt set covering the task types and difficulty levels the
strategies distinguish, so soak runs and previews exercise every route."""

from __future__ import annotations

import random

BUILTIN_PROMPTS: tuple[str, ...] = (
    "hi!",
    "What is the capital of Australia?",
    "Give me a one-word synonym for happy.",
    "Is 97 a prime number? Answer yes or no.",
    "Write a haiku about a lighthouse.",
    "Write a short story about a robot who learns to paint, in under 200 words.",
    "Summarize the key points of the CAP theorem.",
    "Translate 'where is the train station?' into German.",
    "Write a Python function that checks whether a string is a palindrome.",
    "Fix this bug: my JavaScript fetch call returns a pending promise instead of data.",
    "Write a SQL query that finds the top 5 customers by total order value.",
    "Solve the equation 3x^2 - 12x + 9 = 0 and show the steps.",
    "Calculate the probability of rolling at least one six in four rolls of a fair die.",
    "Explain why the sky is blue to a ten-year-old.",
    "Compare REST and GraphQL and explain the trade-offs for a mobile app.",
    "Design a URL shortener: data model, API, scaling and failure modes.",
    "Prove that the square root of 2 is irrational, step by step.",
    "Analyze the time complexity of merge sort and justify each step of the recurrence.",
    "Design a distributed rate limiter that must handle 1M requests per second without a central lock. "
    "Explain the invariants, compare algorithms and justify the trade-offs.",
    "Refactor this class to use dependency injection and add unit tests:\n```python\nclass Mailer:\n"
    "    def send(self, to, body):\n        smtp = SMTP('localhost')\n        smtp.sendmail('me', to, body)\n```",
    "Write a limerick about a cat who loves databases.",
    "Summarize the plot of Hamlet in three sentences.",
    "Explain in detail how TCP congestion control works, with the main algorithms and their trade-offs.",
    "What are three good names for a coffee shop run by programmers?",
    "Debug this stack trace: KeyError: 'user_id' in handler.py line 42 when the session expires.",
    "Evaluate the following plan for migrating a monolith to microservices and critique its risks:\n"
    "1. split the database first\n2. extract the auth service\n3. add a gateway\n4. move billing last",
)


def prompt_stream(count: int, seed: int = 0, prompts: tuple[str, ...] = BUILTIN_PROMPTS) -> list[str]:
    """`count` prompts drawn from the set, shuffled repeatably by `seed`."""
    rng = random.Random(seed)
    order: list[str] = []
    while len(order) < count:
        batch = list(prompts)
        rng.shuffle(batch)
        order.extend(batch)
    return order[:count]
