"""The OpenAPI 3.1 document of `swarmfi serve` (served at /openapi.json)."""

from __future__ import annotations

from typing import Any

from swarmfi import __version__

_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["kind", "message", "hint"],
    "properties": {"kind": {"type": "string", "description": "swarmfi's error kind: input, "
                            "refusal, plan, state, auth, policy, simulation, chain, bug"},
                   "message": {"type": "string"}, "hint": {"type": "string",
                                                          "description": "what to do next"},
                   "rule": {"type": "string"}, "refusal": {"type": "string"}}}}}
_TEXT = {"type": "object", "required": ["text"], "properties": {
    "text": {"type": "string", "description": "an instruction in English or Chinese"},
    "parser": {"type": "string", "enum": ["embedded"]}}}
_RUN = {"type": "object", "properties": {
    "plan_id": {"type": "string", "description": "a previewed plan's id"},
    "text": {"type": "string", "description": "or the instruction itself"}}}
_DECISION = {"type": "object", "properties": {
    "decision": {"type": "string", "enum": ["approve", "decline"]}}}
_ANY = {"type": "object", "additionalProperties": True}


def _op(summary: str, *, body: dict[str, Any] | None = None, write: bool = False,
        params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {
        "200": {"description": "OK", "content": {"application/json": {"schema": _ANY}}},
        "4XX": {"description": "bad request, refused, blocked by policy, or not allowed",
                "content": {"application/json": {"schema": _ERROR}}}}}
    if body is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": body}}}
    if write:
        op["security"] = [{"bearer": []}]
    if params:
        op["parameters"] = params
    return op


def _path_param(name: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def document() -> dict[str, Any]:
    plan = [_path_param("plan_id")]
    return {
        "openapi": "3.1.0",
        "info": {"title": "swarmfi", "version": __version__,
                 "description": "Plain-language DeFi: preview (simulated, policy-checked, signs "
                 "nothing), then run what a person approved."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/v1/health": {"get": _op("Liveness, the account and the chain id")},
            "/v1/parse": {"post": _op("Text to the canonical intent", body=_TEXT, write=True)},
            "/v1/preview": {"post": _op("Simulate and check the policy; stores the plan "
                                        "awaiting approval", body=_TEXT, write=True)},
            "/v1/runs": {
                "post": _op("Run an approved (or auto-approved) plan; otherwise answers "
                            "awaiting_approval. 202 while running; ?wait=1 waits",
                            body=_RUN, write=True),
                "get": _op("Recent plans of remote callers, newest first")},
            "/v1/runs/{plan_id}": {"get": _op(
                "A plan's state, transactions and outcome; with Accept: text/event-stream, "
                "live progress as server-sent events", params=plan)},
            "/v1/runs/{plan_id}/approve": {"post": _op(
                "A person approves or declines the plan (approver token only)",
                body=_DECISION, write=True, params=plan)},
            "/v1/balances": {"get": _op("The account's balances in token units")},
            "/v1/orders": {"get": _op("Standing orders (?status=active|all)")},
            "/v1/orders/{order_id}/cancel": {"post": _op(
                "Cancel a standing order", write=True,
                params=[_path_param("order_id", "integer")])},
            "/v1/ledger/verify": {"get": _op("Re-hash the ledger")},
            "/v1/policy": {"get": _op("The policy in force")},
        },
    }
