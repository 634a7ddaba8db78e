-- Give back jobs a stopping worker fetched but never started. ARGV: prefix,
-- type, then 2 values per job: id, attempt. They go to the front of their
-- list and the attempt is not counted. Returns how many were given back.
local p, ty = ARGV[1], ARGV[2]
local active = p .. ty .. ':active'
local released = 0
for i = 3, #ARGV, 2 do
  local id, att = ARGV[i], ARGV[i + 1]
  local jk = p .. 'job:' .. id
  if redis.call('HGET', jk, 'att') == att and redis.call('ZREM', active, id) == 1 then
    redis.call('HINCRBY', jk, 'att', -1)
    redis.call('LPUSH', p .. ty .. ':ready:' .. redis.call('HGET', jk, 'prio'), id)
    released = released + 1
  end
end
if released > 0 then redis.call('PUBLISH', p .. 'wake', ty) end
return released
