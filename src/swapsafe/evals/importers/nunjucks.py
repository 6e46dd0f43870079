"""promptfoo's Nunjucks templates, rendered with a sandboxed Jinja2 environment.

promptfoo renders prompts and assertion values with Nunjucks (``autoescape: false``, an
undefined name renders as nothing). The shared syntax (``{{ x }}``, ``{% if %}``,
``{% for x in list %}``, ``loop.index``, filters such as ``upper``, ``join``, ``length``,
``default``, ``trim``, ``replace``) means the same in Jinja2; this module closes the gaps:

- values print as JavaScript prints them: ``true``/``false``, ``1`` for ``1.0``, a list as
  ``a,b``, an object as ``[object Object]``, ``null`` as nothing;
- promptfoo's ``load`` filter (parse a JSON string; YAML is accepted too), Nunjucks'
  ``dump`` (``JSON.stringify``) and ``truncate`` (no leeway);
- attribute access on an undefined name renders as nothing (Nunjucks is lenient);
- ``{% for k, v in object %}`` walks the object's key/value pairs, as in Nunjucks.

What cannot mean the same is refused with :class:`TemplateUnsupported` naming the construct:
an unknown filter or tag, and anything the sandbox blocks (attribute access to internals).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import jinja2
import yaml
from jinja2 import meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

_PAIR_LOOP = re.compile(r"\{%(-?)\s*for\s+(\w+)\s*,\s*(\w+)\s+in\s+(.+?)\s*(-?)%\}")


class TemplateUnsupported(ValueError):
    """A template construct that would not render as promptfoo renders it."""


def js_string(value: Any) -> str:
    """``String(value)`` as JavaScript (and so Nunjucks) prints it."""
    if value is None or isinstance(value, jinja2.Undefined):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, Mapping):
        return "[object Object]"
    if isinstance(value, list | tuple):
        return ",".join(js_string(v) for v in value)
    return str(value)


def _load(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        pass
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError as exc:
        raise TemplateUnsupported(f"the load filter cannot parse {value[:40]!r} ({exc})") from None


def _dump(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent, separators=(",", ":"))


def _truncate(value: Any, length: int = 255, killwords: bool = False, end: str = "...") -> str:
    """Nunjucks' truncate (Jinja2's keeps up to 5 extra characters, Nunjucks none)."""
    text = js_string(value)
    if len(text) <= length:
        return text
    if killwords:
        return text[:length] + end
    cut = text.rfind(" ", 0, length + 1)
    return text[: cut if cut != -1 else length] + end


def _pairs(value: Any) -> Any:
    """``{% for k, v in x %}``: Nunjucks walks an object's key/value pairs (Jinja2 its keys)."""
    return list(value.items()) if isinstance(value, Mapping) else value


def _finalize(value: Any) -> str:
    return js_string(value)


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        autoescape=False,
        undefined=jinja2.ChainableUndefined,
        finalize=_finalize,
        keep_trailing_newline=True,
    )
    env.filters["load"] = _load
    env.filters["dump"] = _dump
    env.filters["nunjucks_pairs"] = _pairs
    env.filters["truncate"] = _truncate
    return env


_ENV = _environment()


def render(template: str, variables: Mapping[str, Any]) -> str:
    """Render ``template`` as promptfoo's Nunjucks would, or raise TemplateUnsupported."""
    if "{{" not in template and "{%" not in template and "{#" not in template:
        return template
    template = _PAIR_LOOP.sub(r"{%\1 for \2, \3 in (\4) | nunjucks_pairs \5%}", template)
    try:
        names = meta.find_undeclared_variables(_ENV.parse(template))
        if "env" in names and "env" not in variables:
            raise TemplateUnsupported("the env global (promptfoo reads environment variables)")
        return _ENV.from_string(template).render(dict(variables))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateUnsupported(f"template construct not supported: {exc.message}") from None
    except SecurityError as exc:
        raise TemplateUnsupported(f"template blocked by the sandbox: {exc}") from None
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise TemplateUnsupported(f"template does not render: {exc}") from None
