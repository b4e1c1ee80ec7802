"""The simulator's HTTP side: the Starlette app and its guard (`app`), the
request path (`service`) and answer delivery with injected failures
(`delivery`); OpenAI Chat Completions (`openai_request` parses,
`openai_chat` renders), Anthropic Messages (`anthropic_request`,
`anthropic_messages`), OpenAI Embeddings (`embeddings`); what differs per
API (`apis`), the shared dialect interface and SSE framing (`dialect`), the
names models are served under (`models`), the `/_sim` control API
(`control_api`), safe body reading (`body`) and dropping connections on
purpose (`connections`)."""
