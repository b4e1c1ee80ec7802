"""The simulator's HTTP wire: the Starlette app and the request path
(`service`), OpenAI Chat Completions (`openai_chat`), Anthropic Messages
(`anthropic_messages`), OpenAI Embeddings (`embeddings`), the shared
dialect interface and SSE framing (`dialect`), safe body parsing (`body`)
and dropping connections on purpose (`connections`)."""
