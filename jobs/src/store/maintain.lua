-- Housekeeping for one type, bounded per call. ARGV: prefix, type, now_ms,
-- batch, dead_ttl_ms.
-- 1. Scheduled jobs (delayed or retries) that are due move to their ready list.
-- 2. Jobs whose lease ran out (their worker was killed, or the job hung past
--    its time) go back to the front of their list, or to the dead set when
--    that was their last attempt.
-- 3. Dead jobs older than the time to live are deleted.
-- Returns {promoted, taken_back, buried, expired_dead}.
local p, ty = ARGV[1], ARGV[2]
local now, batch, dead_ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local sched, active = p .. ty .. ':sched', p .. ty .. ':active'
local promoted, back, buried, expired = 0, 0, 0, 0

for _, id in ipairs(redis.call('ZRANGE', sched, '-inf', now, 'BYSCORE', 'LIMIT', 0, batch)) do
  redis.call('ZREM', sched, id)
  local prio = redis.call('HGET', p .. 'job:' .. id, 'prio')
  if prio then
    redis.call('RPUSH', p .. ty .. ':ready:' .. prio, id)
    promoted = promoted + 1
  end
end

for _, id in ipairs(redis.call('ZRANGE', active, '-inf', now, 'BYSCORE', 'LIMIT', 0, batch)) do
  redis.call('ZREM', active, id)
  local jk = p .. 'job:' .. id
  local job = redis.call('HMGET', jk, 'att', 'max', 'prio', 'by')
  if job[1] then
    local why = 'the lease ran out in worker ' .. (job[4] or '?') .. ' (killed, or the job hung)'
    if tonumber(job[1]) >= tonumber(job[2]) then
      redis.call('HSET', jk, 'err', why, 'died', now)
      redis.call('ZADD', p .. 'dead', now, id)
      buried = buried + 1
    else
      redis.call('HSET', jk, 'err', why)
      redis.call('LPUSH', p .. ty .. ':ready:' .. job[3], id)
      back = back + 1
    end
  end
end
if back + buried > 0 then redis.call('HINCRBY', p .. ty .. ':stats', 'lost', back + buried) end

for _, id in ipairs(redis.call('ZRANGE', p .. 'dead', '-inf', now - dead_ttl, 'BYSCORE', 'LIMIT', 0, batch)) do
  redis.call('ZREM', p .. 'dead', id)
  local uniq = redis.call('HGET', p .. 'job:' .. id, 'uniq')
  if uniq and uniq ~= '' then redis.call('DEL', p .. 'uniq:' .. uniq) end
  redis.call('DEL', p .. 'job:' .. id)
  expired = expired + 1
end

if promoted + back > 0 then redis.call('PUBLISH', p .. 'wake', ty) end
return {promoted, back, buried, expired}
