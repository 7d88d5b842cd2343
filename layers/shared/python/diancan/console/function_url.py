"""serverless-wsgi answers payload-2.0 events with several Set-Cookie headers spread over differently
cased header names (an API Gateway v1 trick); a function URL wants them in ``cookies``. Move them there."""

from __future__ import annotations


def cookies_to_list(answer: dict) -> dict:
    headers = answer.get("headers") or {}
    cookies = [value for name, value in headers.items() if name.lower() == "set-cookie"]
    if cookies:
        answer["headers"] = {name: value for name, value in headers.items() if name.lower() != "set-cookie"}
        answer["cookies"] = [*answer.get("cookies", []), *cookies]
    return answer
