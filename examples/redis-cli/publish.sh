#!/bin/sh
# Publishes a NOTIFICATION to a tenant's dashboards from a shell with redis-cli, through Tenantcast's publish script
# (kept in the tenant's history, so dashboards that reconnect get it too), and prints the event's id.
#
#   examples/redis-cli/publish.sh redis://127.0.0.1:6379 acme "Deploy finished"
#
# The text goes into the JSON as it is: keep quotes and backslashes out of it (or build the JSON with jq).
# Live only (not kept for resume): redis-cli -u "$url" PUBLISH "notification-$tenant" "$data"
set -eu
url=$1
tenant=$2
data="{\"text\":\"$3\",\"from\":\"redis-cli\"}"
script="$(dirname "$0")/../../src/main/resources/redis/tenantcast-publish.lua"
redis-cli -u "$url" --eval "$script" "tenantcast:{tenant:$tenant}:history" "tenantcast:{tenant:$tenant}:meta" , \
  "notification-$tenant" "$data"
