-- A tick's job may be delivered twice (at-least-once: a worker killed after
-- the work, before its acknowledgement). The tick is recorded once.
DELETE FROM periodic_task_runs r
 USING periodic_task_runs earlier
 WHERE r.task_id = earlier.task_id AND r.tick_at = earlier.tick_at AND r.id > earlier.id;
DROP INDEX periodic_task_runs_task_idx;
CREATE UNIQUE INDEX periodic_task_runs_tick ON periodic_task_runs (task_id, tick_at DESC);
