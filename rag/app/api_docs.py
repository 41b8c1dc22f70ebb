"""The API's documentation page (``/api/docs``): the OpenAPI schema rendered as one self-contained HTML page.

No script and no asset from elsewhere (Swagger UI loads its script from a CDN, so it is blank offline, and no
installed package ships its files): every route with its summary, its parameters and the fields of its request
body (type, default, limits, description), and a ``curl`` line to copy. Everything shown is escaped.
"""

from __future__ import annotations

import html
import json
from typing import Any

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 980px; margin: 24px auto; padding: 0 16px; color: #111827; }
h1 { margin-bottom: 4px; } .intro { color: #4b5563; }
.route { border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 14px; margin: 14px 0; }
.method { display: inline-block; min-width: 52px; font-weight: 700; padding: 1px 6px; border-radius: 4px;
  color: white; background: #2563eb; text-align: center; } .method.get { background: #15803d; }
.path { font-family: monospace; font-size: 1.05em; margin-left: 8px; } .summary { color: #374151; margin: 6px 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; } td, th { text-align: left; padding: 3px 8px;
  border-top: 1px solid #f3f4f6; vertical-align: top; } th { color: #6b7280; font-weight: 600; }
code, pre { background: #f3f4f6; border-radius: 4px; } pre { padding: 6px 8px; overflow-x: auto; }
.req { color: #b91c1c; font-size: 0.8em; }
"""
_LIMITS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "maxItems",
           "pattern")


def render_docs(spec: dict, openapi_url: str, base_url: str = "") -> str:
    """The page for an OpenAPI ``spec``; ``openapi_url`` links the raw schema, ``base_url`` starts the curl lines
    (the API's own address as the browser reached it)."""
    e = html.escape
    info = spec.get("info", {})
    out = ["<!doctype html><html><head><meta charset='utf-8'>",
           f"<title>{e(info.get('title', 'API'))}</title><style>{_CSS}</style></head><body>",
           f"<h1>{e(info.get('title', 'API'))} <small>v{e(str(info.get('version', '')))}</small></h1>",
           f"<p class='intro'>{e(info.get('description', ''))}</p>",
           f"<p>Every route needs the app's login (HTTP Basic, or the app's login cookie). Errors are "
           f"<code>{{\"error\": \"one line\"}}</code> with a 4xx status. The schema: "
           f"<a href='{e(openapi_url)}'>openapi.json</a>.</p>"]
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            out.append(_route(spec, base_url, path, method, op))
    return "".join(out) + "</body></html>"


def _route(spec: dict, base_url: str, path: str, method: str, op: dict) -> str:
    e = html.escape
    rows = [_row(p.get("name", ""), p.get("schema", {}), spec, p.get("required", False), p.get("in", ""))
            for p in op.get("parameters", [])]
    body = op.get("requestBody", {}).get("content", {})
    example: dict[str, Any] = {}
    multipart = "multipart/form-data" in body
    for kind in ("application/json", "multipart/form-data"):
        schema = _resolve(spec, body.get(kind, {}).get("schema", {}))
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            rows.append(_row(name, prop, spec, name in required, "form" if multipart else "body"))
            if name in required:
                example[name] = "..."
    curl = f"curl -u USER:PASSWORD -X {method.upper()} '{base_url}{path}'"
    if multipart:
        curl += " -F files=@article.pdf"
    elif body:
        curl += f" -H 'Content-Type: application/json' -d '{json.dumps(example)}'"
    table = ("<table><tr><th>name</th><th>in</th><th>type</th><th>default</th><th>description</th></tr>"
             + "".join(rows) + "</table>") if rows else ""
    return (f"<div class='route'><span class='method {e(method)}'>{e(method.upper())}</span>"
            f"<span class='path'>{e(path)}</span><div class='summary'>{e(op.get('summary', ''))}</div>"
            f"{table}<pre>{e(curl)}</pre></div>")


def _row(name: str, schema: dict, spec: dict, required: bool, where: str) -> str:
    e = html.escape
    schema = _resolve(spec, schema)
    limits = ", ".join(f"{k} {schema[k]}" for k in _LIMITS if k in schema)
    default = json.dumps(schema["default"]) if "default" in schema else ""
    req = " <span class='req'>required</span>" if required else ""
    desc = schema.get("description", "") + (f" ({limits})" if limits else "")
    return (f"<tr><td><code>{e(name)}</code>{req}</td><td>{e(where)}</td><td>{e(_type(schema, spec))}</td>"
            f"<td>{e(default)}</td><td>{e(desc)}</td></tr>")


def _resolve(spec: dict, schema: dict) -> dict:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return spec.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[1], {})
    return schema


def _type(schema: dict, spec: dict) -> str:
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " or ".join(_type(_resolve(spec, s), spec) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list of {_type(_resolve(spec, schema.get('items', {})), spec)}"
    return str(schema.get("type") or schema.get("title") or "object")
