#!/usr/bin/env python3
"""
What Mydex's published Scenario 1, 2 and 3 Python examples do (developer-api-examples:
Scenario-1-Registration.py, Scenario-2-First-Time-Connection.py, Scenario-3-Update-Connection.py),
request for request, with only the base URLs and credentials changed (taken from the
environment). Standard library only. Prints the one-time URL the PDX answered, as JSON.
"""
import base64
import hashlib
import json
import os
import sys
import urllib.parse
import urllib.request

MYDEX_PDS_PATH = os.environ["PDX_API"]
OAUTH_TOKEN_ENDPOINT = os.environ["PDX_OP"] + "/oauth2/token"
CONNECTION_NID = os.environ["CONNECTION_NID"]
CONNECTION_TOKEN = os.environ["CONNECTION_TOKEN"]
OAUTH_CLIENT_ID = os.environ["CLIENT_ID"]
OAUTH_CLIENT_SECRET = os.environ["CLIENT_SECRET"]
OAUTH_SCOPE = "mydex:pdx"


def request(method, url, headers, data=None):
    req = urllib.request.Request(url, data=data.encode() if data else None, headers=headers, method=method)
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read().decode())


def get_oauth2_access_token():
    client_id_enc = urllib.parse.quote(OAUTH_CLIENT_ID, safe="")
    client_secret_enc = urllib.parse.quote(OAUTH_CLIENT_SECRET, safe="")
    basic_auth = base64.b64encode(f"{client_id_enc}:{client_secret_enc}".encode()).decode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic_auth}"}
    data = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": OAUTH_SCOPE})
    return request("POST", OAUTH_TOKEN_ENDPOINT, headers, data)["access_token"]


def get_short_access_token():
    return request("GET", f"{MYDEX_PDS_PATH}/access-token/{CONNECTION_NID}", {"Content-Type": "application/json"})


def call(path, request_data):
    short_access_token = get_short_access_token()
    authentication = hashlib.sha512((short_access_token + CONNECTION_TOKEN).encode()).hexdigest()
    oauth_access_token = get_oauth2_access_token()
    headers = {
        "Authentication": authentication,
        "Short-Access-Token": short_access_token,
        "Authorization": f"Bearer {oauth_access_token}",
        "Content-Type": "application/json",
    }
    return request("POST", f"{MYDEX_PDS_PATH}{path}", headers, json.dumps(request_data))


def main():
    scenario = sys.argv[1]
    base = {
        "connection_nid": CONNECTION_NID,
        "connection_token_hash": hashlib.sha512(CONNECTION_TOKEN.encode()).hexdigest(),
        "return_to": os.environ["RETURN_TO"],
    }
    if scenario == "registration":
        url = call("/api/pds", {
            "mydexid": os.environ["MYDEXID"], "email": os.environ["EMAIL"], "password": os.environ["PASSWORD"], **base,
        })
    elif scenario == "ftc":
        url = call("/api/connection", {"mydexid": os.environ["MYDEXID"], **base})
    else:
        url = call("/api/connection/update", {"mydexid": os.environ["MYDEXID"], "version": os.environ["VERSION"], **base})
    print(json.dumps({"url": url}))


if __name__ == "__main__":
    main()
