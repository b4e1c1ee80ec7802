"""The example prompt sets shipped with the app, written for it.

Six sets cover what routing has to tell apart: short facts, math word
problems, code, reasoning and design, creative writing, and long documents.
Each is built from hand-written templates and word lists, expanded with a
fixed seed, so `python -m playground.cli_eval make-examples` rebuilds the
very same files (`playground/eval/data/prompts/*.jsonl`). References are
computed where an answer is checkable (arithmetic, counting, primes, word
problems) or known (capitals); open-ended prompts have none and are judged.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from playground.eval.labelled import LabelledPrompt

SEED = 20261201
PER_SET = 70

_CAPITALS = (
    ("France", "Paris"),
    ("Japan", "Tokyo"),
    ("Australia", "Canberra"),
    ("Canada", "Ottawa"),
    ("Germany", "Berlin"),
    ("Italy", "Rome"),
    ("Spain", "Madrid"),
    ("Egypt", "Cairo"),
    ("Kenya", "Nairobi"),
    ("India", "New Delhi"),
    ("Turkey", "Ankara"),
    ("Switzerland", "Bern"),
    ("New Zealand", "Wellington"),
    ("Nigeria", "Abuja"),
    ("Peru", "Lima"),
    ("Norway", "Oslo"),
    ("Poland", "Warsaw"),
    ("Vietnam", "Hanoi"),
    ("Argentina", "Buenos Aires"),
    ("Portugal", "Lisbon"),
    ("Sweden", "Stockholm"),
    ("Greece", "Athens"),
    ("Thailand", "Bangkok"),
    ("Chile", "Santiago"),
)
_WORDS = (
    "strawberry",
    "banana",
    "mississippi",
    "bookkeeper",
    "parallel",
    "rhythm",
    "committee",
    "accommodate",
    "necessary",
    "occurrence",
    "balloon",
    "coffee",
    "pepper",
    "letter",
    "assessment",
    "embarrass",
)


def _is_prime(n: int) -> bool:
    return n > 1 and all(n % d for d in range(2, int(n**0.5) + 1))


def short_facts(rng: random.Random) -> list[LabelledPrompt]:
    def arithmetic() -> LabelledPrompt:
        kind = rng.choice("+-*/")
        a, b = rng.choice(
            [
                (rng.randint(2, 9), rng.randint(2, 9)),
                (rng.randint(10, 99), rng.randint(10, 99)),
                (rng.randint(100, 999), rng.randint(10, 99)),
            ]
        )
        if kind == "/":
            a = a * b
        value = {"+": a + b, "-": a - b, "*": a * b, "/": a // b}[kind]
        symbol = {"+": "+", "-": "-", "*": "*", "/": "/"}[kind]
        text = rng.choice(
            ["What is {a} {s} {b}?", "Calculate {a} {s} {b}.", "What is {a} {s} {b}? Reply with a number only."]
        )
        return LabelledPrompt(text.format(a=a, s=symbol, b=b), str(value), "numeric", ("facts", "arithmetic"))

    def counting() -> LabelledPrompt:
        word = rng.choice(_WORDS)
        if rng.random() < 0.5:
            return LabelledPrompt(
                f"How many letters are in the word '{word}'?", str(len(word)), "numeric", ("facts", "counting")
            )
        letter = rng.choice(sorted(set(word)))
        return LabelledPrompt(
            f"How many times does the letter '{letter}' appear in '{word}'?",
            str(word.count(letter)),
            "numeric",
            ("facts", "counting"),
        )

    def prime() -> LabelledPrompt:
        n = rng.randint(11, 400)
        return LabelledPrompt(
            f"Is {n} a prime number? Answer yes or no.",
            "yes" if _is_prime(n) else "no",
            "normalised",
            ("facts", "yes-no"),
        )

    def capital() -> LabelledPrompt:
        country, city = rng.choice(_CAPITALS)
        text = rng.choice(
            ["What is the capital of {c}?", "Which city is the capital of {c}?", "Capital of {c}? One word if you can."]
        )
        return LabelledPrompt(text.format(c=country), city, "auto", ("facts", "geography"))

    makers: list[Callable[[], LabelledPrompt]] = [arithmetic, counting, prime, capital]
    return [rng.choice(makers)() for _ in range(PER_SET)]


_NAMES = ("Maya", "Tom", "Aisha", "Lucas", "Priya", "Kenji", "Sofia", "Omar", "Elena", "Noah")
_WORD_PROBLEMS: tuple[tuple[str, Callable[[int, int, int], int]], ...] = (
    (
        "{n} bakes {a} trays of muffins with {b} muffins on each tray and gives away {c} muffins. "
        "How many muffins are left?",
        lambda a, b, c: a * b - c,
    ),
    (
        "A train travels at {a} km per hour for {b} hours, then {c} km more. "
        "How many kilometres does it travel in total?",
        lambda a, b, c: a * b + c,
    ),
    (
        "{n} has {a} dollars, spends {b} dollars on books and then earns {c} dollars. "
        "How many dollars does {n} have now?",
        lambda a, b, c: a - b + c,
    ),
    (
        "A garden has {a} rows of {b} tulips. {c} tulips are picked. How many tulips remain in the garden?",
        lambda a, b, c: a * b - c,
    ),
    (
        "{n} reads {a} pages a day for {b} days and then {c} pages on the last day. How many pages did {n} read?",
        lambda a, b, c: a * b + c,
    ),
    (
        "A dance class has {a} students. {b} more students join each week for {c} weeks. How many students are in the "
        "class at the end?",
        lambda a, b, c: a + b * c,
    ),
    (
        "A box holds {b} pencils. {n} buys {a} boxes and shares them equally among {c} friends, keeping none. "
        "How many pencils does each friend get if the share is whole?",
        lambda a, b, c: (a * b) // c,
    ),
    (
        "A shop sells notebooks for {a} dollars each. {n} buys {b} notebooks and pays with {c} twenty-dollar bills. "
        "How much change, in dollars, does {n} get?",
        lambda a, b, c: c * 20 - a * b,
    ),
)


def math_word_problems(rng: random.Random) -> list[LabelledPrompt]:
    items = []
    while len(items) < PER_SET:
        template, solve = rng.choice(_WORD_PROBLEMS)
        a, b, c = rng.randint(2, 40), rng.randint(2, 30), rng.randint(1, 25)
        if "twenty-dollar" in template:
            c = (a * b) // 20 + rng.randint(1, 3)
        if "equally among" in template:
            c = rng.choice([d for d in range(2, 9) if (a * b) % d == 0] or [1])
        answer = solve(a, b, c)
        if answer < 0:
            continue
        suffix = rng.choice(
            [
                "",
                " Show your reasoning, then give the final answer.",
                " Answer with a number only.",
                " Walk me through it step by step, justify each step, then finally state the answer.",
            ]
        )
        text = template.format(n=rng.choice(_NAMES), a=a, b=b, c=c) + suffix
        items.append(LabelledPrompt(text, str(answer), "numeric", ("math", "word-problem")))
    return items


_LANGS = ("Python", "JavaScript", "TypeScript", "Go", "Rust", "SQL")
_CODE_TASKS = (
    "checks whether a string is a palindrome",
    "returns the n-th Fibonacci number iteratively",
    "merges two sorted lists into one sorted list",
    "removes duplicates from a list while keeping the order",
    "parses an ISO 8601 date and returns the weekday",
    "counts word frequencies in a text",
    "validates an email address without a regex library",
    "flattens a nested list of any depth",
    "implements binary search over a sorted array",
    "groups records by a key and sums a field",
    "retries a flaky network call with exponential backoff and jitter",
    "implements an LRU cache with O(1) get and put",
    "debounces a function call",
    "computes the moving average of a stream of numbers",
)
_SQL_TASKS = (
    "finds the top 5 customers by total order value",
    "lists products never ordered",
    "computes monthly revenue for the last 12 months",
    "finds duplicate email addresses in a users table",
)
_BUGS = (
    ("Python", "def average(xs):\n    return sum(xs) / len(xs)\n\nprint(average([]))", "it crashes on an empty list"),
    ("JavaScript", "const data = fetch('/api/items');\nconsole.log(data.items.length);", "data.items is undefined"),
    (
        "Python",
        "cache = {}\ndef get(key, default=[]):\n    default.append(key)\n    return cache.get(key, default)",
        "the default list keeps growing between calls",
    ),
    (
        "Go",
        "for i := 0; i < len(items); i++ {\n    go func() { process(items[i]) }()\n}",
        "goroutines see the wrong item",
    ),
    (
        "SQL",
        "SELECT name, COUNT(*) FROM orders JOIN users ON users.id = orders.user_id;",
        "it fails with a GROUP BY error",
    ),
)


_HARD_CODE = (
    "Debug this race condition: two workers sometimes process the same job. Explain the invariant that breaks, "
    "then fix it step by step and justify why the fix is correct under concurrency.",
    "Implement a thread-safe bounded queue, analyze the complexity of each operation, and explain which edge cases "
    "(empty, full, shutdown) can deadlock and how your design avoids them.",
    "Optimize this function for performance, compare two algorithms with their big-O complexity, and justify the "
    "trade-off you pick for inputs of ten million items.",
    "Design and implement a distributed lock with leases. Explain the consistency guarantees, the failure modes "
    "when a node pauses, and prove that two holders can never both write.",
)
_HARD_SNIPPETS = (
    (
        "python",
        "jobs = queue.get_all()\nfor job in jobs:\n    if not job.taken:\n        job.taken = True\n        run(job)",
    ),
    ("go", "func (c *Counter) Inc() {\n    c.n = c.n + 1\n}\n\nfor i := 0; i < 100; i++ { go c.Inc() }"),
    ("javascript", "let total = 0;\nawait Promise.all(items.map(async (x) => { total += await price(x); }));"),
)


def code(rng: random.Random) -> list[LabelledPrompt]:
    items = []
    for _ in range(PER_SET):
        roll = rng.random()
        if roll < 0.25:
            lang, snippet = rng.choice(_HARD_SNIPPETS)
            text = f"{rng.choice(_HARD_CODE)}\n```{lang}\n{snippet}\n```"
        elif roll < 0.6:
            lang = rng.choice(_LANGS[:-1])
            task = rng.choice(_CODE_TASKS)
            extra = rng.choice(
                ["", " Include unit tests.", " Explain the time complexity.", " Handle edge cases and explain them."]
            )
            text = f"Write a {lang} function that {task}.{extra}"
        elif roll < 0.75:
            text = f"Write a SQL query that {rng.choice(_SQL_TASKS)}."
        else:
            lang, snippet, symptom = rng.choice(_BUGS)
            verb = rng.choice(["Fix this bug", "Debug this code", "Why does this fail and how do I fix it"])
            text = f"{verb}: {symptom}.\n```{lang.lower()}\n{snippet}\n```"
        items.append(LabelledPrompt(text, tags=("code",)))
    return items


_TOPICS = (
    "a URL shortener",
    "a distributed rate limiter",
    "a chat application with read receipts",
    "a feature-flag service",
    "a payment ledger",
    "a job queue with retries",
    "a search autocomplete service",
    "a multi-tenant analytics pipeline",
    "an offline-first mobile notes app",
    "a video transcoding service",
)
_PAIRS = (
    ("REST", "GraphQL"),
    ("SQL", "NoSQL databases"),
    ("threads", "async I/O"),
    ("microservices", "a monolith"),
    ("optimistic", "pessimistic locking"),
    ("TCP", "UDP"),
    ("eventual", "strong consistency"),
    ("server-side rendering", "client-side rendering"),
)
_WHYS = (
    "the sky is blue",
    "hash tables have O(1) average lookups",
    "compound interest grows exponentially",
    "quicksort is fast in practice despite its O(n^2) worst case",
    "airplanes can fly",
    "CAP theorem forces a trade-off",
    "deadlocks happen",
    "caches improve latency",
)
_PROOFS = (
    "the square root of 2 is irrational",
    "there are infinitely many primes",
    "the sum of the first n odd numbers is n^2",
    "every tree with n nodes has n-1 edges",
)


def reasoning(rng: random.Random) -> list[LabelledPrompt]:
    items = []
    for _ in range(PER_SET):
        roll = rng.random()
        if roll < 0.25:
            text = f"Explain why {rng.choice(_WHYS)}" + rng.choice([".", " to a ten-year-old.", " in two paragraphs."])
        elif roll < 0.5:
            a, b = rng.choice(_PAIRS)
            text = f"Compare {a} and {b}. When would you choose each, and what are the trade-offs?" + rng.choice(
                [
                    "",
                    " Evaluate the performance and consistency implications step by step and justify your choice.",
                    " Analyze the failure modes of each under concurrency, then finally recommend one and justify it.",
                ]
            )
        elif roll < 0.75:
            topic = rng.choice(_TOPICS)
            parts = rng.sample(
                [
                    "the data model",
                    "the API",
                    "scaling to 10x traffic",
                    "failure modes",
                    "consistency guarantees",
                    "observability",
                    "security",
                ],
                k=rng.randint(2, 4),
            )
            text = (
                f"Design {topic}. Cover "
                + ", ".join(parts[:-1])
                + f" and {parts[-1]}. "
                + rng.choice(
                    [
                        "",
                        "Justify each decision.",
                        "It must stay correct under concurrent writes.",
                        "Compare two architectures, analyze their trade-offs step by step, and prove the "
                        "invariant your design relies on.",
                    ]
                )
            ).strip()
        else:
            text = f"Prove that {rng.choice(_PROOFS)}" + rng.choice([", step by step.", ".", " rigorously."])
        items.append(LabelledPrompt(text, tags=("reasoning",)))
    return items


_SUBJECTS = (
    "a lighthouse",
    "autumn rain",
    "a robot learning to paint",
    "a cat who loves databases",
    "the first snow",
    "a lost umbrella",
    "a city at three in the morning",
    "a retired astronaut",
    "a bakery on Mars",
    "an old library",
)


def creative(rng: random.Random) -> list[LabelledPrompt]:
    forms = (
        lambda s: f"Write a haiku about {s}.",
        lambda s: f"Write a limerick about {s}.",
        lambda s: f"Write a short story about {s}, in under {rng.choice([100, 150, 200])} words.",
        lambda s: f"Write a four-line poem about {s} that rhymes.",
        lambda s: f"Give me three names for a coffee shop themed around {s}.",
        lambda s: f"Write a slogan for a product inspired by {s}.",
        lambda s: f"Write the opening paragraph of a mystery novel involving {s}.",
    )
    return [LabelledPrompt(rng.choice(forms)(rng.choice(_SUBJECTS)), tags=("creative",)) for _ in range(PER_SET)]


_DOC_SENTENCES = (
    "The team shipped the new onboarding flow on Tuesday after two weeks of testing.",
    "Error rates on the checkout service rose to 2.3% between 14:00 and 14:40 UTC.",
    "The root cause was a connection pool that was sized for last year's traffic.",
    "Customers in the EU region saw timeouts when paying with saved cards.",
    "Marketing asked for the launch to move to the first week of the quarter.",
    "The database migration will run in three phases to avoid locking the orders table.",
    "Support tickets about password resets fell by 40% after the email template change.",
    "Two engineers will be on call during the migration window.",
    "The vendor contract renews in March and includes a 7% price increase.",
    "Latency at the 95th percentile improved from 820 ms to 310 ms after the cache was added.",
    "Legal has not yet approved the new data retention policy.",
    "The mobile app's crash rate is 0.4% on Android and 0.2% on iOS.",
    "A feature flag now guards the recommendation widget so it can be turned off quickly.",
    "The budget for the next quarter is 15% lower than planned.",
    "Action item: Priya will draft the rollback plan by Friday.",
    "Action item: Tom will benchmark the new instance types.",
    "Action item: Elena will confirm the launch date with marketing.",
    "The post-incident review found that alerts fired but were routed to an old channel.",
    "Usage of the export feature doubled after it was added to the main menu.",
    "The design review raised concerns about how the service behaves during a network partition.",
)
_DOC_KINDS = ("incident report", "meeting notes", "project update", "quarterly review")
_DOC_ASKS = (
    "Summarize the following {kind} in five bullet points.",
    "List every action item in the following {kind}, with its owner.",
    "Read the following {kind} and explain the main risk it describes, then propose two mitigations.",
    "Write a three-sentence executive summary of the following {kind}.",
    "Analyze the following {kind}: compare the options it mentions, evaluate their trade-offs step by step, and "
    "justify a plan that addresses every risk.",
)


def long_documents(rng: random.Random) -> list[LabelledPrompt]:
    items = []
    for _ in range(PER_SET // 2 + 10):
        kind = rng.choice(_DOC_KINDS)
        paragraphs = []
        for _ in range(rng.randint(3, 12)):
            paragraphs.append(" ".join(rng.sample(_DOC_SENTENCES, k=rng.randint(3, 6))))
        document = "\n\n".join(paragraphs)
        ask = rng.choice(_DOC_ASKS).format(kind=kind)
        items.append(LabelledPrompt(f"{ask}\n\n---\n{document}\n---", tags=("long-document", kind.replace(" ", "-"))))
    return items


SETS: dict[str, Callable[[random.Random], list[LabelledPrompt]]] = {
    "short_facts": short_facts,
    "math_word_problems": math_word_problems,
    "code": code,
    "reasoning": reasoning,
    "creative": creative,
    "long_documents": long_documents,
}


def build_prompt_sets(seed: int = SEED) -> dict[str, list[LabelledPrompt]]:
    """Every set, deterministic for a seed; duplicates within a set removed."""
    out: dict[str, list[LabelledPrompt]] = {}
    for offset, (name, make) in enumerate(SETS.items()):
        seen: set[str] = set()
        items = []
        for item in make(random.Random(seed + offset)):
            if item.prompt not in seen:
                seen.add(item.prompt)
                items.append(item)
        out[name] = items
    return out


def mixed_sample(sets: dict[str, list[LabelledPrompt]], per_set: int = 5) -> list[LabelledPrompt]:
    """A small mix of every set: the default prompt set of `playground eval --live`."""
    return [item for items in sets.values() for item in items[:per_set]]
