"""The sandbox accepts what Flowroute accepts: the official SDK's requests as it really sends them, both body
shapes where Flowroute's own SDKs disagree, booleans as strings and numbers as JSON integers."""

import json

import requests

from tests.conftest import ACCESS_KEY, SECRET_KEY

SDK_JSON_API = {"accept": "application/vnd.api+json", "content-type": "application/vnd.api+json; charset=utf-8",
                "user-agent": "Flowroute SDK v3.0"}


def call(sandbox, method, path, *, body=None, headers=None):
    """A request with a raw body, as the SDK builds it (jsonpickle: keys sorted)."""
    data = body if isinstance(body, str | bytes | None) else json.dumps(body, sort_keys=True)
    return requests.request(method, sandbox.url + path, data=data, headers=headers or {},
                            auth=(ACCESS_KEY, SECRET_KEY), timeout=10)


def sdk_message(is_mms: str, **attributes) -> dict:
    """The SDK demo's send: JSON:API with is_mms as a string."""
    return {"data": {"type": "message", "attributes": {"to": "12065559876", "from": "12065550100",
                                                        "is_mms": is_mms, **attributes}}}


def test_the_sdk_demos_send_with_is_mms_as_the_strings_true_and_false(sandbox):
    sms = call(sandbox, "POST", "/v2.1/messages", body=sdk_message("false", body="hi"), headers=SDK_JSON_API)
    assert sms.status_code == 202, sms.text
    assert sandbox.message(sms.json()["data"]["id"])["attributes"]["is_mms"] is False
    text_only_mms = call(sandbox, "POST", "/v2.1/messages", body=sdk_message("true", body="pic"),
                         headers=SDK_JSON_API)
    assert text_only_mms.status_code == 202, text_only_mms.text
    assert sandbox.message(text_only_mms.json()["data"]["id"])["attributes"]["is_mms"] is True
    with_media = sdk_message("true", media_urls=["https://example.com/a.png"])
    assert call(sandbox, "POST", "/v2.1/messages", body=with_media, headers=SDK_JSON_API).status_code == 202
    assert call(sandbox, "POST", "/v2.1/messages", body=sdk_message("yes", body="x")).status_code == 422


def test_a_compact_send_with_numbers_as_json_integers_and_is_mms_null(sandbox):
    body = {"to": 12065559876, "from": 12065550100, "body": "hi", "is_mms": None}
    assert call(sandbox, "POST", "/v2.1/messages", body=body,
                headers={"content-type": "application/json"}).status_code == 202


def test_patch_number_takes_the_flat_body_the_docs_show_and_the_json_api_envelope(sandbox):
    flat = call(sandbox, "PATCH", "/v2/numbers/12065550101", body={"cnam_lookups_enabled": "true", "type": "number"})
    assert flat.status_code == 200 and sandbox.account_number("12065550101")["cnam_lookups_enabled"] is True
    wrapped = {"data": {"type": "number", "id": "12065550101", "attributes": {"alias": "Front desk"}}}
    assert call(sandbox, "PATCH", "/v2/numbers/12065550101", body=wrapped).status_code == 200
    assert sandbox.account_number("12065550101")["alias"] == "Front desk"
    wrong = {"data": {"type": "route", "attributes": {"alias": "x"}}}
    assert call(sandbox, "PATCH", "/v2/numbers/12065550101", body=wrong).status_code == 400


def test_cnam_create_takes_the_sdks_form_encoded_body(sandbox):
    form = call(sandbox, "POST", "/v2/cnams", body="value=FR+TEST",
                headers={"content-type": "application/x-www-form-urlencoded"})
    assert form.status_code == 201, form.text
    assert form.json()["data"]["attributes"]["value"] == "FR TEST"
    other = call(sandbox, "PATCH", "/v2/numbers/12065550101", body="type=number&alias=x",
                 headers={"content-type": "application/x-www-form-urlencoded"})
    assert other.status_code == 415  # only where a Flowroute SDK sends a form


def test_cnam_association_on_the_sdks_singular_path_and_the_documented_plural(sandbox):
    assert call(sandbox, "PATCH", "/v2/numbers/12065550101/relationships/cnam/1").status_code == 202
    assert sandbox.account_number("12065550101")["cnam"] == "1"
    assert call(sandbox, "DELETE", "/v2/numbers/12065550101/relationships/cnam").status_code == 202
    assert sandbox.account_number("12065550101")["cnam"] is None
    assert call(sandbox, "PATCH", "/v2/numbers/12065550101/relationships/cnams/1").status_code == 202


def test_the_sdks_requests_without_content_type_and_with_strings_for_numbers(sandbox):
    route = {"data": {"type": "route", "attributes": {"alias": "sdk-route", "edge_strategy": "1",
                                                      "route_type": "number", "value": 12065550999}}}
    created = call(sandbox, "POST", "/v2/routes", body=route,
                   headers={"accept": "application/json", "content-type": "application/json; charset=utf-8"})
    assert created.status_code == 201 and created.json()["data"]["attributes"]["edge_strategy_id"] == 1
    primary = {"data": {"id": int(created.json()["data"]["id"]), "type": "route"}}
    path = "/v2/numbers/12065550101/relationships/primary_route"
    assert call(sandbox, "PATCH", path, body=primary).status_code == 204
    address = {"data": {"type": "e911", "attributes": {
        "label": "Office", "first_name": "Ada", "last_name": "Lovelace", "street_name": "3rd Ave",
        "street_number": 1218, "city": "Seattle", "state": "wa", "country": "us", "zip": 98101,
        "address_type": "Suite", "address_type_number": 600}}}
    assert call(sandbox, "POST", "/v2/e911s/validate", body=address).status_code == 204
    assert call(sandbox, "POST", "/v2/numbers/12065550142").status_code == 201  # the SDK posts no body
    listed = requests.get(sandbox.url + "/v2/cnams", params={"limit": 10, "is_approved": "True"},
                          auth=(ACCESS_KEY, SECRET_KEY), timeout=10)
    assert [item["id"] for item in listed.json()["data"]] == ["1"]
