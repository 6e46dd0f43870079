"""JSON mode and JSON-schema output on Anthropic, through a forced tool.

By default ``response_format`` becomes a *forced tool*: a tool
named ``json_output`` (:data:`JSON_MODE_TOOL`) whose ``input_schema`` is the requested JSON schema
(``json_object`` uses the permissive ``{"type": "object", "additionalProperties": true}``; a
schema ``description`` is appended to the tool description, ``strict`` is kept), with
``tool_choice = {"type": "tool", "name": "json_output"}``. When the request also has tools and
``tool_choice`` is ``auto`` / ``required``, the choice becomes ``{"type": "any"}`` (the model either
calls a real tool or answers through ``json_output``); a named ``tool_choice`` is kept. On the way
back, a ``json_output`` tool call is turned into text content holding the JSON, and its
``tool_use`` stop reason into ``stop``. ``structured_output="native"`` uses
``output_config.format`` instead, for models that support native JSON-schema output.
"""

from __future__ import annotations

from typing import Any

from swapsafe.exceptions import TranslationError
from swapsafe.wire.canonical import JSON_MODE_TOOL, ChatRequest

JSON_OBJECT_SCHEMA: dict[str, Any] = {"type": "object", "additionalProperties": True}
JSON_TOOL_DESCRIPTION = "Respond with your final answer as JSON matching this input schema."


def apply_json_tool(req: ChatRequest, body: dict[str, Any]) -> None:
    """Add the forced JSON tool and its ``tool_choice`` to an Anthropic request ``body``."""
    rf = req.response_format
    assert rf is not None
    schema = rf["schema"] if rf["type"] == "json_schema" else JSON_OBJECT_SCHEMA
    if schema.get("type") != "object":
        raise TranslationError(
            "`response_format.json_schema.schema` must have type `object` to be served by "
            "Anthropic (it is sent as a tool input schema)",
            param="response_format",
        )
    if any(t.name == JSON_MODE_TOOL for t in req.tools):
        raise TranslationError(
            f"a tool is named `{JSON_MODE_TOOL}`, which swapsafe needs for JSON mode on "
            "Anthropic; rename the tool",
            param="tools",
        )
    description = JSON_TOOL_DESCRIPTION
    if rf.get("description"):
        description += " The answer: " + rf["description"]
    tool: dict[str, Any] = {
        "name": JSON_MODE_TOOL,
        "description": description,
        "input_schema": schema,
    }
    if rf.get("strict"):
        tool["strict"] = True
    body.setdefault("tools", []).append(tool)
    choice = body.get("tool_choice")
    if choice is not None and choice["type"] == "tool":
        return
    if req.tools and req.tool_choice != "none":
        body["tool_choice"] = {"type": "any"}
    else:
        body["tool_choice"] = {"type": "tool", "name": JSON_MODE_TOOL}
    if req.parallel_tool_calls is False:
        body["tool_choice"]["disable_parallel_tool_use"] = True


def schema_format(spec: dict[str, Any]) -> dict[str, Any]:
    """The canonical ``json_schema`` response format from OpenAI's schema spec (Chat's
    ``response_format.json_schema`` and the Responses API's ``text.format`` carry the same keys)."""
    out = {
        "type": "json_schema",
        "name": spec.get("name", "output"),
        "schema": spec.get("schema") or {"type": "object"},
        "strict": spec.get("strict"),
    }
    if spec.get("description"):
        out["description"] = spec["description"]
    return out
