"""Config texts shared by the config tests."""

VALID = """\
[models.gpt4o]
provider = "openai"
model = "gpt-4o"
api_key = "env::OPENAI_API_KEY"

[models.sonnet]
provider = "anthropic"
model = "claude-sonnet-4-5"
api_key = "env::ANTHROPIC_API_KEY"

[workloads.support]
aliases = ["support", "support-triage"]
baseline = "gpt4o"
candidate = "sonnet"
golden = "golden/support.jsonl"
system_prompt = "prompts/support.txt"
"""

OPENAI_KEY = "sk-test-openai-0123456789abcdef"
ANTHROPIC_KEY = "sk-ant-test-0123456789"
