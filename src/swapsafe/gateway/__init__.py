"""The gateway: an OpenAI- and Anthropic-compatible proxy that shadows, canaries and records."""
