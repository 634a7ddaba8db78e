-- Queue jobs. ARGV: prefix, now_ms, then 7 values per job:
--   type, id, args, priority (0 high, 1 normal, 2 low), max_attempts,
--   run_at_ms (0 = now), unique key ('' = none).
-- A job whose unique key is already taken is not queued again. Returns the
-- number of jobs queued. Callers send at most a few hundred jobs per call.
local p = ARGV[1]
local now = tonumber(ARGV[2])
local queued = 0
local wake = {}
local types = {}
for i = 3, #ARGV, 7 do
  local ty, id, args, prio, max = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local run_at, uniq = tonumber(ARGV[i + 5]), ARGV[i + 6]
  local fresh = true
  if uniq ~= '' then
    fresh = redis.call('SET', p .. 'uniq:' .. uniq, id, 'NX')
  end
  if fresh then
    redis.call('HSET', p .. 'job:' .. id, 'type', ty, 'args', args, 'prio', prio,
      'max', max, 'att', 0, 'enq', now, 'uniq', uniq)
    if run_at > now then
      redis.call('ZADD', p .. ty .. ':sched', run_at, id)
    else
      redis.call('RPUSH', p .. ty .. ':ready:' .. prio, id)
      wake[ty] = true
    end
    types[ty] = true
    queued = queued + 1
  end
end
for ty in pairs(types) do redis.call('SADD', p .. 'types', ty) end
for ty in pairs(wake) do redis.call('PUBLISH', p .. 'wake', ty) end
return queued
