-- Record how attempts ended. ARGV: prefix, type, now_ms, unique_ttl_s,
-- dead_cap, wake ('1': the type has a limit, so a finished job frees a slot
-- that waiting workers must hear of), the number of histogram increments
-- and as many (field, increment) pairs for the type's `hist` hash, then 5
-- values per attempt: id, attempt, ok ('1'/'0'),
-- retry_delay_ms (-1 = dead now, whatever the attempts left), error.
-- An attempt whose lease was already taken over (its attempt number is no
-- longer the job's) is counted as stale and changes nothing.
-- Returns {done, retried, dead, stale}.
local p, ty = ARGV[1], ARGV[2]
local now, uttl, cap, wake = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local active, stats = p .. ty .. ':active', p .. ty .. ':stats'
local nhist = tonumber(ARGV[7])
for i = 8, 7 + 2 * nhist, 2 do
  redis.call('HINCRBY', p .. ty .. ':hist', ARGV[i], ARGV[i + 1])
end
local done, retried, dead, stale = 0, 0, 0, 0
for i = 8 + 2 * nhist, #ARGV, 5 do
  local id, att, ok, delay, err = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3]), ARGV[i + 4]
  local jk = p .. 'job:' .. id
  local job = redis.call('HMGET', jk, 'att', 'max', 'uniq')
  if job[1] ~= att or redis.call('ZREM', active, id) == 0 then
    stale = stale + 1
  else
    if ok == '1' then
      redis.call('DEL', jk)
      if job[3] ~= '' then redis.call('EXPIRE', p .. 'uniq:' .. job[3], uttl) end
      done = done + 1
    elseif delay < 0 or tonumber(att) >= tonumber(job[2]) then
      redis.call('HSET', jk, 'err', err, 'died', now)
      redis.call('ZADD', p .. 'dead', now, id)
      dead = dead + 1
    else
      redis.call('HSET', jk, 'err', err)
      redis.call('ZADD', p .. ty .. ':sched', now + delay, id)
      retried = retried + 1
    end
  end
end
if done > 0 then redis.call('HINCRBY', stats, 'done', done) end
if retried > 0 then redis.call('HINCRBY', stats, 'retried', retried) end
if dead > 0 then redis.call('HINCRBY', stats, 'dead', dead) end
if stale > 0 then redis.call('HINCRBY', stats, 'stale', stale) end
-- Keep the dead set capped: the oldest go first, at most 100 per call.
local over = redis.call('ZCARD', p .. 'dead') - cap
if over > 0 then
  for k, id in ipairs(redis.call('ZPOPMIN', p .. 'dead', math.min(over, 100))) do
    if k % 2 == 1 then
      local uniq = redis.call('HGET', p .. 'job:' .. id, 'uniq')
      if uniq and uniq ~= '' then redis.call('DEL', p .. 'uniq:' .. uniq) end
      redis.call('DEL', p .. 'job:' .. id)
    end
  end
end
if wake == '1' and done + retried + dead > 0 then redis.call('PUBLISH', p .. 'wake', ty) end
return {done, retried, dead, stale}
