-- Take up to n ready jobs of one type for a worker, each under a lease.
-- ARGV: prefix, type, now_ms, lease_ms, n, limit (jobs of this type running
-- at once across every worker; 0 = no limit), worker name.
-- Priorities share the work 6:3:1 (high:normal:low) while all have jobs, so
-- low never starves; an empty level gives its turn to the highest non-empty.
-- Returns {id, args, attempt, max_attempts, enqueued_ms} per job.
local p, ty = ARGV[1], ARGV[2]
local now, lease, n = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local limit, worker = tonumber(ARGV[6]), ARGV[7]
local active = p .. ty .. ':active'
if limit > 0 then
  local free = limit - redis.call('ZCARD', active)
  if free < n then n = free end
end
local out = {}
if n <= 0 then return out end
local turns = {0, 1, 0, 2, 0, 1, 0, 0, 1, 0}
local empty = {}
local rr = redis.call('INCRBY', p .. ty .. ':rr', n) - n
for k = 1, n do
  local want = turns[((rr + k) % 10) + 1]
  local id = false
  if not empty[want] then
    id = redis.call('LPOP', p .. ty .. ':ready:' .. want)
    if not id then empty[want] = true end
  end
  local level = 0
  while not id and level <= 2 do
    if not empty[level] then
      id = redis.call('LPOP', p .. ty .. ':ready:' .. level)
      if not id then empty[level] = true end
    end
    level = level + 1
  end
  if not id then break end
  local jk = p .. 'job:' .. id
  local job = redis.call('HMGET', jk, 'args', 'max', 'enq')
  if job[1] then
    local att = redis.call('HINCRBY', jk, 'att', 1)
    redis.call('HSET', jk, 'by', worker, 'start', now)
    redis.call('ZADD', active, now + lease, id)
    out[#out + 1] = {id, job[1], att, tonumber(job[2]), tonumber(job[3])}
  end
end
return out
