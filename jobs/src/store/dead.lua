-- An admin's decision on a dead job. ARGV: prefix, id, 'retry' | 'discard'.
-- Retry puts it at the end of its ready list with its attempts reset;
-- discard deletes it (and frees its unique key). Returns 1, or 0 when the
-- job is not in the dead set.
local p, id, what = ARGV[1], ARGV[2], ARGV[3]
if redis.call('ZREM', p .. 'dead', id) == 0 then return 0 end
local jk = p .. 'job:' .. id
local job = redis.call('HMGET', jk, 'type', 'prio', 'uniq')
if what == 'retry' and job[1] then
  redis.call('HSET', jk, 'att', 0)
  redis.call('HDEL', jk, 'died')
  redis.call('RPUSH', p .. job[1] .. ':ready:' .. job[2], id)
  redis.call('PUBLISH', p .. 'wake', job[1])
else
  if job[3] and job[3] ~= '' then redis.call('DEL', p .. 'uniq:' .. job[3]) end
  redis.call('DEL', jk)
end
return 1
