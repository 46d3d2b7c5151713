"""A Python service that publishes a NOTIFICATION to a tenant's dashboards with redis-py, through Tenantcast's publish
script (kept in the tenant's history, so dashboards that reconnect get it too), and prints the event's id.

    python3 examples/python/publish.py redis://127.0.0.1:6379 acme "Deploy finished"

register_script runs the script by EVALSHA, sending its text only when Redis does not know it yet. Copy the script
(src/main/resources/redis/tenantcast-publish.lua) into your service. redis-py: pip install redis, or Debian's
python3-redis.
"""
import json
import sys
from pathlib import Path

import redis

url, tenant, text = sys.argv[1:4]
client = redis.Redis.from_url(url)
script = (Path(__file__).resolve().parents[2] / "src/main/resources/redis/tenantcast-publish.lua").read_text()
tenantcast_publish = client.register_script(script)
event_id = tenantcast_publish(
    keys=[f"tenantcast:{{tenant:{tenant}}}:history", f"tenantcast:{{tenant:{tenant}}}:meta"],
    args=[f"notification-{tenant}", json.dumps({"text": text, "from": "python"})])
print(event_id.decode())
# Live only (not kept for resume): client.publish(f"notification-{tenant}", json.dumps({"text": text}))
