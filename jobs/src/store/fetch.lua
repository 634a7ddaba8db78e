-- Take up to n ready jobs of one type for a worker, each under a lease.
-- ARGV: prefix, type, now_ms, lease_ms, n, limit (jobs of this type running
-- at once across every worker; 0 = no limit), worker name.
-- Priorities share the work 6:3:1 (high:normal:low) while all have jobs, so
-- low never starves; an empty level gives its turns to the highest non-empty.
-- n is at most 256.
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
local rr = redis.call('INCRBY', p .. ty .. ':rr', n) - n
local want = {0, 0, 0}
for k = 1, n do
  local level = turns[((rr + k) % 10) + 1] + 1
  want[level] = want[level] + 1
end
-- Each level's share in one LPOP; what a level lacks goes to the others,
-- highest first.
local ids = {}
local short = 0
local function take(level, count)
  local got = redis.call('LPOP', p .. ty .. ':ready:' .. (level - 1), count)
  if not got then return 0 end
  for _, id in ipairs(got) do ids[#ids + 1] = id end
  return #got
end
for level = 1, 3 do
  if want[level] > 0 then short = short + want[level] - take(level, want[level]) end
end
for level = 1, 3 do
  if short <= 0 then break end
  short = short - take(level, short)
end
local leases = {}
for _, id in ipairs(ids) do
  local jk = p .. 'job:' .. id
  local job = redis.call('HMGET', jk, 'args', 'max', 'enq', 'att')
  if job[1] then
    local att = tonumber(job[4]) + 1
    redis.call('HSET', jk, 'att', att, 'by', worker, 'start', now)
    leases[#leases + 1] = now + lease
    leases[#leases + 1] = id
    out[#out + 1] = {id, job[1], att, tonumber(job[2]), tonumber(job[3])}
  end
end
-- At most 2 x 256 values: well inside Lua's stack for unpack.
if #leases > 0 then redis.call('ZADD', active, unpack(leases)) end
return out
