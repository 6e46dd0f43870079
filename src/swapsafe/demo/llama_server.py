"""``python -m swapsafe.demo.llama_server``: llama-cpp-python's OpenAI-compatible server, plus
Gemma 3's chat template as ``--chat_format gemma3``.

SmolLM2's GGUF embeds its chat template and the server uses it as is. The Gemma 3 270M GGUF
ships none: the server would fall back to the Llama-2 format, and its own ``gemma`` format drops
the system message. This launcher registers Gemma 3's published template (the system prompt is
put at the top of the first user turn, as Google's template does) and then runs the unchanged
``llama_cpp.server`` entry point with the same command-line options.
"""

from __future__ import annotations

import runpy

GEMMA3_FORMAT = "gemma3"

#: Gemma 3's chat template (text content), as published with the instruction-tuned models
GEMMA3_TEMPLATE = (
    "{{ bos_token }}"
    "{%- if messages[0]['role'] == 'system' -%}"
    "{%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}"
    "{%- set loop_messages = messages[1:] -%}"
    "{%- else -%}"
    "{%- set first_user_prefix = '' -%}"
    "{%- set loop_messages = messages -%}"
    "{%- endif -%}"
    "{%- for message in loop_messages -%}"
    "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}"
    "{{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else '') }}"
    "{{ message['content'] | trim }}"
    "{{ '<end_of_turn>\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%}"
)


def register_gemma3() -> None:
    """Make ``--chat_format gemma3`` known to llama-cpp-python in this process."""
    # optional, heavy: llama-cpp-python from the [local] extra
    from llama_cpp import llama_chat_format as formats  # type: ignore[import-not-found,unused-ignore]

    formatter = formats.Jinja2ChatFormatter(
        template=GEMMA3_TEMPLATE,
        eos_token="<end_of_turn>",  # noqa: S106 - a chat-template token, not a secret
        bos_token="<bos>",  # noqa: S106
    )
    formats.register_chat_completion_handler(GEMMA3_FORMAT)(formatter.to_chat_handler())


def main() -> None:  # pragma: no cover - runs as the server process
    register_gemma3()
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":  # pragma: no cover
    main()
