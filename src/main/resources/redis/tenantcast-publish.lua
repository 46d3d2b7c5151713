-- Tenantcast's atomic publish: append an event to its history stream and publish it live, in one step, so that every
-- instance sees the event with its history position, and no instance can see them in different orders.
--
--   KEYS[1]  the history stream     tenantcast:{tenant:<id>}:history   (system alerts: tenantcast:{broadcast}:history)
--   KEYS[2]  its meta hash          tenantcast:{tenant:<id>}:meta      (the same hash tag: one slot on Redis Cluster)
--   ARGV[1]  the channel            dashboard-update-<id>, notification-<id> or system-alert
--   ARGV[2]  the event's data       a JSON object
--   ARGV[3]  history length         optional, default 10000 (trimmed exactly, so a gap is exactly known)
--   ARGV[4]  history age in ms      optional, default 3600000 (0: no age limit)
--   ARGV[5]  idempotency key        optional: a retry with the same key within ARGV[6] seconds publishes nothing
--   ARGV[6]  idempotency window s   optional, default 300
--   ARGV[7]  deadline, ms           optional: past it (Redis time), publish nothing (the caller gave up waiting)
--   ARGV[8]  publish command        optional: PUBLISH (default), or SPUBLISH on Redis Cluster, where the channel
--                                   carries the keys' hash tag (dashboard-update-{tenant:<id>}, system-alert{broadcast})
-- Returns the event id "<epoch>.<ms>-<seq>", or "dup:<id>" for a repeated idempotency key, or "expired".
--
-- The epoch names this history: created with it, it changes when the history is lost (a Redis restarted without
-- persistence), so that a client's old position is never mistaken for one in the new history.
local stream, meta = KEYS[1], KEYS[2]
local channel, data = ARGV[1], ARGV[2]
local maxlen = tonumber(ARGV[3]) or 10000
local maxage = tonumber(ARGV[4]) or 3600000
local idem = ARGV[5] or ''
local idemttl = tonumber(ARGV[6]) or 300
local deadline = tonumber(ARGV[7]) or 0
local publish = (ARGV[8] == 'SPUBLISH') and 'SPUBLISH' or 'PUBLISH'

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if deadline > 0 and now > deadline then
  return 'expired'
end
local idemkey = stream .. ':idem:' .. idem
if idem ~= '' then
  local previous = redis.call('GET', idemkey)
  if previous then
    return 'dup:' .. previous
  end
end
local epoch = redis.call('HGET', meta, 'epoch')
if not epoch then
  epoch = string.format('%x', (tonumber(time[1]) * 1000000 + tonumber(time[2])) % 4294967296)
  redis.call('HSET', meta, 'epoch', epoch)
end
local seq = redis.call('HINCRBY', meta, 'seq', 1)
-- Stream ids must grow: a clock that stepped back keeps the last millisecond.
local ms = math.max(now, tonumber(redis.call('HGET', meta, 'ms') or '0'))
redis.call('HSET', meta, 'ms', ms)
local position = ms .. '-' .. seq
redis.call('XADD', stream, 'MAXLEN', maxlen, position, 'c', channel, 'd', data)
if maxage > 0 then
  redis.call('XTRIM', stream, 'MINID', math.max(0, ms - maxage))
end
local id = epoch .. '.' .. position
redis.call(publish, channel, '{"@tenantcast":{"id":"' .. id .. '","timestamp":' .. ms .. '},"data":' .. data .. '}')
if idem ~= '' then
  redis.call('SET', idemkey, id, 'EX', idemttl)
end
return id
