"""Reading the parts of an instruction prompt: the labelled sections
("Request:", "Answer:"), the trailing instruction paragraph ("Reply with the
number only."), and whether it asks for a bare reply.

Shared by the judge and classifier simulations; plain regular expressions
over a bounded stretch of the prompt, so even a huge prompt stays cheap.
"""

from __future__ import annotations

import re

# Instruction prompts that embed a pasted document and whole answers can be
# long; beyond this, only the head and the tail (where instructions sit)
# are read.
MAX_INSTRUCTION_CHARS = 400_000
_TAIL_CHARS = 20_000
_MAX_INSTRUCTION_WORDS = 45

# The verb opens a sentence: an imperative ("Reply with ...", "Rate how
# well ...") or the judge's question ("Which answer is best?").
_INSTRUCTION_VERB_RE = re.compile(
    r"(?:^|[.?!:]\s+|\n)[\s*_>-]*(?:please\s+|now\s+|then\s+)?(?:reply|respond|answer with|answer only|output|return"
    r"|choose|pick|select|classify|categori[sz]e|label|rate|score|grade|which (?:answer|response|candidate|option"
    r"|completion|one)|give (?:only|just|me only))\b",
    re.IGNORECASE,
)
_INSTRUCTION_OBJECT_RE = re.compile(
    r"\b(?:only|single|one word|just|exactly|nothing else|number|digit|integer|label|category|one of|best|better"
    r"|scale|score|word)\b",
    re.IGNORECASE,
)
TERSE_RE = re.compile(
    r"\b(?:only|just (?:the|a|one)|nothing else|no explanation|no other (?:text|words)"
    r"|single (?:word|number|digit|label)|one word|the (?:answer's |response's )?number)\b",
    re.IGNORECASE,
)
# An instruction that wants prose around the reply ("... and explain why").
DISCURSIVE_RE = re.compile(r"\b(?:explain|why|describe|discuss|justify|elaborate|in detail|reasoning)\b", re.IGNORECASE)
_REQUEST_NAMES = (r"(?:original |user(?:'s)? |the )?(?:request|query|question|prompt|input|message|task|instruction"
                  r"|conversation|ticket|email|text|user message|user input)")
_REQUEST_LABEL_RE = re.compile(
    rf"(?im)^[ \t]*(?:#{{1,4}}[ \t]*)?(?:\*\*)?{_REQUEST_NAMES}(?:\*\*)?[ \t]*:(?:\*\*)?[ \t]*\n?"
)
_ANSWER_LABEL_RE = re.compile(
    r"(?im)^[ \t]*(?:#{1,4}[ \t]*)?(?:\*\*)?(?:the )?(?:candidate |model(?:'s)? |assistant(?:'s)? |ai )?"
    r"(?:answer|response|reply|completion|output)(?:\*\*)?[ \t]*:(?:\*\*)?[ \t]*\n?"
)
_TAG_RE = re.compile(
    r"<(request|query|question|prompt|input|message|text|user_request|user_query|user_message)>\s*(.*?)\s*</\1>",
    re.IGNORECASE | re.DOTALL,
)
_TRIPLE_QUOTE_RE = re.compile(r'"""\s*(.*?)\s*"""|```(?:text)?\n(.*?)\n```', re.DOTALL)
_PARAGRAPH_RE = re.compile(r"\n[ \t]*\n")


def bounded(prompt: str) -> str:
    if len(prompt) <= MAX_INSTRUCTION_CHARS:
        return prompt
    return prompt[: MAX_INSTRUCTION_CHARS - _TAIL_CHARS] + "\n\n" + prompt[-_TAIL_CHARS:]


def is_instruction(paragraph: str) -> bool:
    """A short paragraph telling the model how to reply ("Reply with the
    single word only.", "Which answer is best? Reply with its number.")."""
    text = paragraph.strip()
    return (
        bool(text)
        and len(text.split()) <= _MAX_INSTRUCTION_WORDS
        and _INSTRUCTION_VERB_RE.search(text) is not None
        and _INSTRUCTION_OBJECT_RE.search(text) is not None
    )


def split_trailing_instructions(text: str, keep_one: bool = True) -> tuple[str, str]:
    """`text` without its trailing instruction paragraphs (or lines), and
    those instructions. With `keep_one`, never strips the only paragraph."""
    paragraphs = _PARAGRAPH_RE.split(text.rstrip())
    trailing: list[str] = []
    while paragraphs and len(trailing) < 2:
        last = paragraphs[-1]
        if is_instruction(last) and (len(paragraphs) > 1 or not keep_one):
            trailing.insert(0, paragraphs.pop())
            continue
        lines = last.rstrip().split("\n")
        if len(lines) > 1 and is_instruction(lines[-1]):
            trailing.insert(0, lines[-1])
            paragraphs[-1] = "\n".join(lines[:-1])
            continue
        break
    return "\n\n".join(paragraphs).strip(), "\n\n".join(trailing).strip()


def request_section(prompt: str, *, before: int | None = None) -> tuple[str, int, int] | None:
    """The request embedded in an instruction prompt, and its span: a
    labelled section ("Request:\\n..."), a tagged one (<request>...</request>)
    or a triple-quoted one. It ends at `before` (where the next part, e.g.
    the answers, begins), or at the trailing instruction paragraphs."""
    text = bounded(prompt)
    limit = len(text) if before is None else before
    label = _REQUEST_LABEL_RE.search(text, 0, limit)
    if label is not None:
        answer = _ANSWER_LABEL_RE.search(text, label.end(), limit)
        body = text[label.end() : answer.start() if answer is not None else limit]
        content, _ = split_trailing_instructions(body)
        return content.strip(), label.end(), label.end() + len(content)
    tag = _TAG_RE.search(text, 0, limit)
    if tag is not None:
        return tag.group(2).strip(), tag.start(2), tag.end(2)
    quoted = _TRIPLE_QUOTE_RE.search(text, 0, limit)
    if quoted is not None:
        group = 1 if quoted.group(1) is not None else 2
        return quoted.group(group).strip(), quoted.start(group), quoted.end(group)
    return None


def answer_section(prompt: str, start: int = 0) -> tuple[str, int] | None:
    """The judged answer after an "Answer:" label (from `start`), without the
    trailing instruction; and where its label begins."""
    text = bounded(prompt)
    label = _ANSWER_LABEL_RE.search(text, start)
    if label is None:
        return None
    content, _ = split_trailing_instructions(text[label.end() :])
    return content.strip(), label.start()


def without(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the spans cut out."""
    pieces: list[str] = []
    position = 0
    for start, end in sorted(spans):
        pieces.append(text[position:start])
        position = max(position, end)
    pieces.append(text[position:])
    return "".join(pieces)


def remaining_request(text: str, skip: list[tuple[int, int]]) -> str:
    """Fallback when the request is not marked: the paragraphs (then
    sentences) that are neither instructions nor the cut-out spans."""
    rest = without(text, skip)
    paragraphs = [p.strip(" \t\n.,;:") for p in _PARAGRAPH_RE.split(rest)]
    paragraphs = [p for p in paragraphs if re.search(r"\w", p)]
    kept = [p for p in paragraphs if not is_instruction(p)]
    if kept:
        return "\n\n".join(kept)
    sentences = re.findall(r"[^.?!\n]+[.?!]?", rest)
    kept = [s.strip() for s in sentences if s.strip() and not is_instruction(s) and len(s.split()) > 2]
    return " ".join(kept)
