#!/usr/bin/env bash
# Connects a new member to the sandbox's demo connection, then writes and reads their data, with
# curl. The same journey as connect-member.ts; node reads the JSON, sha512sum makes the hashes.
#
#   examples/connect-member.sh [mydexid]
#
# Reads the sandbox's credentials file (OPENPDX_CREDENTIALS, default data/sandbox-credentials.json,
# written by `npm start`). Prints a registration link: open it in a browser and complete it as the
# member. The member key then arrives at the connection's callback, which in the sandbox is
# OpenPDX's own /dev/callback; a real subscriber receives it at its own URL.
set -euo pipefail

CREDS=${OPENPDX_CREDENTIALS:-data/sandbox-credentials.json}
creds() { node -p "require(require('path').resolve('$CREDS')).$1"; }
# json EXPR [ARG]: stdin parsed as JSON (v), then this script's own EXPR applied, with ARG as `arg`.
json() {
  node -e 'let s = ""; process.stdin.on("data", (c) => (s += c)).on("end", () => {
    const out = new Function("v", "arg", `return v${process.argv[1]}`)(JSON.parse(s), process.argv[2]);
    console.log(typeof out === "string" ? out : JSON.stringify(out)); });' "$1" "${2:-}"
}
sha512() { printf '%s' "$1" | sha512sum | cut -d' ' -f1; }
# curl, failing loudly: on an HTTP error, what the server said goes to stderr and the script stops.
api() {
  local out code
  out=$(curl -sS -w '\n%{http_code}' "$@")
  code=${out##*$'\n'}
  out=${out%$'\n'*}
  if [ "$code" -ge 400 ]; then
    echo "HTTP $code from ${*: -1}: $out" >&2
    exit 1
  fi
  printf '%s\n' "$out"
}

B=$(creds api_url); NID=$(creds connection.nid); CT=$(creds connection.token)
MYDEXID=${1:-newcomer-$RANDOM$RANDOM}

# 1. An access token (client credentials, HTTP Basic).
TOKEN=$(api -u "$(creds client.client_id):$(creds client.client_secret)" \
  -d grant_type=client_credentials -d scope=mydex:pdx "$B/oauth2/token" | json .access_token)
echo "1. Access token: ok"

# 2. A short access token for the connection: one call, five minutes.
SAT=$(api "$B/access-token/$NID" | json '')
echo "2. Short access token for connection $NID: ok"

# 3. Register the member: the four connection credentials, and the member's details.
LINK=$(api -H "Authorization: Bearer $TOKEN" -H "Short-Access-Token: $SAT" \
  -H "Authentication: $(sha512 "$SAT$CT")" -H 'Content-Type: application/json' \
  -d "{\"mydexid\":\"$MYDEXID\",\"email\":\"$MYDEXID@example.org\",\"password\":\"$(openssl rand -hex 8)\",
       \"connection_nid\":$NID,\"connection_token_hash\":\"$(sha512 "$CT")\",\"return_to\":\"$B/\"}" \
  "$B/api/pds" | json '')
echo "3. Registration link for $MYDEXID (open it in a browser and complete it as the member):"
echo "   $LINK"

# 4. Wait for the consent callback. The sandbox keeps what its /dev/callback received.
echo "4. Waiting for the member's consent (the callback, shown at $B/dev/callbacks) …"
for i in $(seq 1 600); do
  CB=$(api "$B/dev/callbacks" | json ".find((c) => c.method === 'POST' && c.body.mydexid === arg)?.body ?? ''" "$MYDEXID")
  [ -n "$CB" ] && break
  [ "$i" = 600 ] && { echo "4. No consent callback after 10 minutes: was the link completed?" >&2; exit 1; }
  sleep 1
done
MEMBER=$(echo "$CB" | json .uid); KEY=$(echo "$CB" | json .key); CON=$(echo "$CB" | json .connection_id)
echo "   Member $MEMBER consented: con_id $CON, member key received"

# 5. Write, then read, a metadata dataset with the member's key.
Q="key=$KEY&con_id=$CON&source_type=connection&dataset=ds_personal_details&instance=0"
echo "5. Wrote ds_personal_details: $(api -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"ds_personal_details":{"field_personal_fname":"Ada"}}' "$B/api/pds/pds/$MEMBER.json?$Q")"
FNAME=$(api -H "Authorization: Bearer $TOKEN" "$B/api/pds/pds/$MEMBER.json?$Q" |
  json '.ds_personal_details.instance_0.field_personal_fname.value')
echo "6. Read back: field_personal_fname = \"$FNAME\""
