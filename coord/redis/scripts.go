package redis

import goredis "github.com/redis/go-redis/v9"

// The scripts below run atomically on the server: no other command sees a
// log half written, and none can slip between the sealed check and the
// write. Both take KEYS stream, state and ARGV[1] = TTL in milliseconds.

// Results of appendScript, first element.
const (
	appendOK     = 1
	appendSealed = -1
	appendGap    = -2
)

// appendScript adds frames to a log. ARGV[2] is "1" to seal it, then come
// seq, data of each frame, contiguous and ascending (checked by the
// caller). Frames already stored are skipped, so a retried batch is
// harmless; the first new one must follow the last stored. Nothing is
// written when the log is sealed or a frame would leave a gap. Returns
// {status, last stored seq}.
var appendScript = goredis.NewScript(`
if redis.call('GET', KEYS[2]) == 'sealed' then
  return {-1, 0}
end
local last = 0
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #top > 0 then
  last = tonumber(string.match(top[1][1], '^%d+'))
end
local first = 3
while first <= #ARGV and tonumber(ARGV[first]) <= last do
  first = first + 2
end
if first <= #ARGV and tonumber(ARGV[first]) ~= last + 1 then
  return {-2, last}
end
for i = first, #ARGV, 2 do
  redis.call('XADD', KEYS[1], ARGV[i] .. '-0', 'seq', ARGV[i], 'data', ARGV[i + 1])
  last = tonumber(ARGV[i])
end
local state = 'open'
if ARGV[2] == '1' then
  state = 'sealed'
end
redis.call('SET', KEYS[2], state, 'PX', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return {1, last}
`)

// sealScript ends a log with one last frame, ARGV[2], numbered after the
// last stored one (1 when there is none: it creates the log). Returns that
// number, or 0 when the log was already sealed and nothing was done.
var sealScript = goredis.NewScript(`
if redis.call('GET', KEYS[2]) == 'sealed' then
  return 0
end
local last = 0
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #top > 0 then
  last = tonumber(string.match(top[1][1], '^%d+'))
end
local seq = string.format('%d', last + 1)
redis.call('XADD', KEYS[1], seq .. '-0', 'seq', seq, 'data', ARGV[2])
redis.call('SET', KEYS[2], 'sealed', 'PX', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return last + 1
`)
