-- Extend the leases a live worker still holds. ARGV: prefix, type, now_ms,
-- lease_ms, then 2 values per job: id, attempt. A lease that was taken over
-- meanwhile is left alone. Returns how many were extended.
local p, ty = ARGV[1], ARGV[2]
local until_ms = tonumber(ARGV[3]) + tonumber(ARGV[4])
local active = p .. ty .. ':active'
local renewed = 0
for i = 5, #ARGV, 2 do
  local id, att = ARGV[i], ARGV[i + 1]
  if redis.call('HGET', p .. 'job:' .. id, 'att') == att then
    renewed = renewed + redis.call('ZADD', active, 'XX', 'CH', until_ms, id)
  end
end
return renewed
