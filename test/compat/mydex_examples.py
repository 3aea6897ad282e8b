#!/usr/bin/env python3
"""
What Mydex's published Python examples for the PDX API do (developer-api-examples:
oauth2_token.py, Write-To-PDS*.py, Read-From-PDS*.py, Update-PDS*.py), request for request, with
only the base URLs and credentials changed (taken from the environment). Standard library only,
so it runs wherever python3 does. Prints one JSON document with every response for the caller
to check.
"""
import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request

MYDEX_PDS_PATH = os.environ["PDX_API"]
OAUTH_TOKEN_ENDPOINT = os.environ["PDX_OP"] + "/oauth2/token"
OAUTH_CLIENT_ID = os.environ["CLIENT_ID"]
OAUTH_CLIENT_SECRET = os.environ["CLIENT_SECRET"]
OAUTH_SCOPE = "mydex:pdx"
MEMBER_UID = os.environ["MEMBER_UID"]
MEMBER_KEY = os.environ["MEMBER_KEY"]
CONNECTION_ID = os.environ["CONNECTION_ID"]


def call(method, url, headers, params=None, data=None):
    if params:
        url = url + "?" + urllib.parse.urlencode(params)
    body = data.encode() if isinstance(data, str) else data
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req) as res:
            return {"status": res.status, "body": json.loads(res.read().decode())}
    except urllib.error.HTTPError as err:
        return {"status": err.code, "body": json.loads(err.read().decode() or "null")}


def get_oauth2_access_token():
    post_data = {"grant_type": "client_credentials", "scope": OAUTH_SCOPE}
    client_id_enc = urllib.parse.quote(OAUTH_CLIENT_ID, safe="")
    client_secret_enc = urllib.parse.quote(OAUTH_CLIENT_SECRET, safe="")
    basic_auth = base64.b64encode(f"{client_id_enc}:{client_secret_enc}".encode()).decode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic_auth}"}
    res = call("POST", OAUTH_TOKEN_ENDPOINT, headers, data=urllib.parse.urlencode(post_data))
    assert res["status"] == 200, res
    return res["body"]["access_token"]


def base_params(dataset, **extra):
    return {"source_type": "connection", "con_id": CONNECTION_ID, "key": MEMBER_KEY, "instance": "0", "dataset": dataset, **extra}


def referral(name, number):
    return {
        "complete_time": "1642137822", "contact_name": name, "contact_number": number,
        "created_timestamp": "1642137822", "contact_title": "Manager", "duration": "12",
        "end_time": "1642137822", "external_id": "123", "is_processed": "1", "memo": "Note test",
        "referree_availability": {"AM": ["Monday", "Friday"], "PM": ["Monday", "Tuesday", "Wednesday"]},
        "referree_background": "Background", "referrer_name": "Service Test",
        "referree_requirements": "Requirements", "service_description": "Description test",
        "service_email": "test@email.com", "service_id": "1", "service_name": "Service Test",
        "service_url": "test.com", "start_time": "1642137822", "status": "In Progress",
        "type": "signpost", "updated_timestamp": "1642137822",
    }


def main():
    out = {}
    token = get_oauth2_access_token()
    out["token"] = "ok"
    auth = {"Authorization": f"Bearer {token}"}
    json_auth = {**auth, "Content-Type": "application/json"}
    pds_url = f"{MYDEX_PDS_PATH}/api/pds/pds/{MEMBER_UID}.json"
    tx_url = f"{MYDEX_PDS_PATH}/api/pds/transaction"

    out["write_metadata"] = call("POST", pds_url, json_auth, base_params("ds_personal_details"), json.dumps({
        "ds_personal_details": {
            "field_personal_email_address": "john@example.com", "field_personal_faname": "Citizen",
            "field_personal_fname": "John", "field_personal_title": "Mr", "field_personal_gender": "Male",
            "field_gender_birth": "Male", "field_personal_marital_status": "Married",
            "field_personal_mobile_phone": "+441234567890",
        }
    }))
    out["update_metadata"] = call("PUT", pds_url, json_auth, base_params("ds_personal_details", id="1"),
                                  json.dumps({"field_personal_marital_status": "Divorced"}))
    out["read_metadata"] = call("GET", pds_url, auth, base_params("ds_personal_details"))

    out["write_transactional"] = call("POST", tx_url, json_auth, {"uid": MEMBER_UID, **base_params("ds_referrals")},
                                      json.dumps({"ds_referrals": referral("John Smith", "0123456788")}))
    out["write_batch"] = call("POST", tx_url, json_auth, {"uid": MEMBER_UID, **base_params("ds_referrals")},
                              json.dumps({"ds_referrals": [referral("Jane Smyth", "9012345678"), referral("Joe Bloggs", "1")]}))
    first_id = str(out["write_transactional"]["body"]["last_insert_id"])
    out["update_transactional"] = call("PUT", f"{tx_url}/{MEMBER_UID}.json", json_auth,
                                       base_params("ds_referrals", id=first_id),
                                       json.dumps({"status": "complete", "type": "signpost"}))
    out["read_transactional"] = call("GET", f"{tx_url}/{MEMBER_UID}.json", auth, base_params("ds_referrals"))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
