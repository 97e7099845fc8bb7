-- Least-privilege roles (issue #15). The migrator (the user running the migrations: Aurora's
-- master user in AWS, `riskgate` locally) owns every table and function and is the only one
-- who can CREATE, ALTER or DROP them. Every unit that reaches PostgreSQL connects as its own
-- login user, a member of a NOLOGIN group role that holds exactly the grants its adapters
-- use. The names are DATABASE_ROLES in shared/names.ts; the role test checks both agree.
--
-- Append-only tables (the decision audit, the kill switch log, the account admin log,
-- breaker config and events, fills, universe versions, state generations, reservation
-- releases and events) get no UPDATE, DELETE or TRUNCATE grant for anyone, on top of the
-- refuse_mutation triggers that also stop their owner; a TRUNCATE trigger closes the one
-- statement the row triggers do not see. account_limits is versioned: nobody may UPDATE it.
--
-- Partitions carry no grants on purpose: PostgreSQL checks privileges on the table a query
-- names, the units only ever name the parent, so a partition reached directly is refused.
-- (Default privileges on tables would apply to every future table, not only to partitions,
-- and hand the next migration's tables out silently.) Default privileges are used for the
-- opposite: a function created later is not executable by PUBLIC until a migration says so.
--
-- Roles are cluster-wide while grants are per database: creating them tolerates another
-- database of the same cluster (other test databases) having created them first.

DO $$
DECLARE
  unit text;
  login text;
  found pg_roles%ROWTYPE;
BEGIN
  FOREACH unit IN ARRAY ARRAY['rg_risk_api', 'rg_audit_drainer', 'rg_admin_api', 'rg_kill_executor',
                              'rg_market_evaluator', 'rg_reference_prices', 'rg_positions', 'rg_universe',
                              'rg_state_rebuild', 'rg_market_ingester', 'rg_partition_maintenance'] LOOP
    login := unit || '_login';
    BEGIN
      EXECUTE format('CREATE ROLE %I NOLOGIN', unit);
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    BEGIN
      EXECUTE format('CREATE ROLE %I LOGIN', login);
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    -- A role of that name made by someone else with more power than a unit needs is refused,
    -- not adopted.
    FOR found IN SELECT * FROM pg_roles WHERE rolname IN (unit, login) LOOP
      IF found.rolsuper OR found.rolcreaterole OR found.rolcreatedb OR found.rolreplication OR found.rolbypassrls THEN
        RAISE EXCEPTION 'role % exists with privileges a unit must not hold', found.rolname;
      END IF;
    END LOOP;
    EXECUTE format('GRANT %I TO %I', unit, login);
    -- Aurora: the login authenticates with IAM tokens (RDS Proxy end-to-end IAM auth).
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') THEN
      EXECUTE format('GRANT rds_iam TO %I', login);
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), unit);
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', unit);
  END LOOP;
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
END $$;

-- Nobody but the owner creates objects; nobody reaches what was not granted below.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- TRUNCATE bypasses row triggers; on the append-only tables it is refused for the owner too.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['risk_decisions', 'kill_switch_log', 'account_admin_log', 'breaker_config',
                           'breaker_events', 'fills', 'universe_versions', 'state_generations',
                           'reservation_releases', 'reservation_events'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION refuse_mutation()',
                   t || '_no_truncate', t);
  END LOOP;
END $$;

-- risk-api: limits in force (read), the decision audit (append; read for GET /v1/risk/decisions).
GRANT SELECT ON accounts, account_limits TO rg_risk_api;
GRANT SELECT, INSERT ON risk_decisions TO rg_risk_api;

-- audit-drainer: copies the Redis spools into the audit tables. An INSERT ... ON CONFLICT
-- (columns) needs SELECT on the conflict target's columns: those and no others.
GRANT INSERT ON risk_decisions, reservation_events TO rg_audit_drainer;
GRANT SELECT (decision_id, decided_at) ON risk_decisions TO rg_audit_drainer;
GRANT SELECT (decision_id, order_id, kind) ON reservation_events TO rg_audit_drainer;

-- admin-api: accounts (create, enable/disable), limits proposals and versions, the kill
-- switch log, key rotation audit, breaker resets and the state generation they advance.
GRANT SELECT, INSERT ON accounts TO rg_admin_api;
GRANT UPDATE (enabled) ON accounts TO rg_admin_api;
GRANT SELECT, INSERT ON account_admin_log, account_limits, kill_switch_log, state_generations TO rg_admin_api;
GRANT SELECT, INSERT ON limits_proposals TO rg_admin_api;
GRANT UPDATE (applied_by, applied_at, applied_version) ON limits_proposals TO rg_admin_api;
GRANT INSERT ON kraken_key_rotations, breaker_events TO rg_admin_api;
GRANT SELECT (symbol, cause, tripped, source_id) ON breaker_events TO rg_admin_api;
GRANT SELECT ON risk_decisions TO rg_admin_api;
GRANT USAGE ON SEQUENCE account_admin_log_id_seq, kill_switch_log_id_seq, kraken_key_rotations_id_seq TO rg_admin_api;

-- kill-executor: the accounts to cancel for, and its per-account results (retried in place).
GRANT SELECT ON accounts TO rg_kill_executor;
GRANT SELECT, INSERT ON kill_switch_actions TO rg_kill_executor;
GRANT UPDATE (outcome, attempts, detail, completed_at) ON kill_switch_actions TO rg_kill_executor;
GRANT USAGE ON SEQUENCE kill_switch_actions_id_seq TO rg_kill_executor;

-- market-evaluator: breaker config (read), breaker events, ticks and bars (bars upserted).
GRANT SELECT ON breaker_config TO rg_market_evaluator;
GRANT INSERT ON breaker_events, market_ticks TO rg_market_evaluator;
GRANT SELECT (symbol, cause, tripped, source_id) ON breaker_events TO rg_market_evaluator;
GRANT SELECT, INSERT ON market_bars, state_generations TO rg_market_evaluator;
GRANT UPDATE (open, high, low, close, volume, trades) ON market_bars TO rg_market_evaluator;

-- reference-prices: breaker config (read), deviation breaker events, the state generation.
GRANT SELECT ON breaker_config TO rg_reference_prices;
GRANT INSERT ON breaker_events TO rg_reference_prices;
GRANT SELECT (symbol, cause, tripped, source_id) ON breaker_events TO rg_reference_prices;
GRANT SELECT, INSERT ON state_generations TO rg_reference_prices;

-- positions: fills (append), positions, daily PnL, balances, working orders and their
-- exactly-once keys (pruned), reservation releases (append).
GRANT SELECT, INSERT ON fills, reservation_releases TO rg_positions;
GRANT SELECT, INSERT, UPDATE ON positions, daily_pnl, account_balances TO rg_positions;
GRANT SELECT, INSERT, UPDATE, DELETE ON working_orders TO rg_positions;
GRANT SELECT, INSERT, DELETE ON order_events_applied TO rg_positions;

-- universe: Kraken's instruments (read), a new universe version per run.
GRANT SELECT ON instruments TO rg_universe;
GRANT INSERT ON universe_versions TO rg_universe;
GRANT SELECT (version) ON universe_versions TO rg_universe;

-- state-rebuild: reads what the cache is rebuilt from; writes nothing.
GRANT SELECT ON kill_switch_log, breaker_events, instruments, universe_versions, positions, daily_pnl,
  working_orders, account_balances, state_generations TO rg_state_rebuild;

-- market-ingester: the instrument catalogue (upserted, unreadable pairs marked).
GRANT SELECT, INSERT, UPDATE ON instruments TO rg_market_ingester;

-- partition-maintenance: no table privileges at all. Creating, detaching, attaching and
-- dropping partitions need ownership of the parent, and ownership would also let it ALTER
-- the audit, disable its triggers or drop it whole. It gets the functions below instead:
-- SECURITY DEFINER, owned by the migrator, each doing one narrow thing on the tables listed
-- in partition_retention_floors, and dropping only a daily partition older than the floor.

-- The tables partition maintenance may touch, and the youngest day it may ever drop (the
-- smallest retention any stage sets, infra/config/stages.ts). Per-stage retention stays the
-- job's setting (production refuses less than seven years of audit in its config); this
-- floor is what holds even if the job's role were misused. Only the migrator writes it.
CREATE TABLE partition_retention_floors (
  table_name text PRIMARY KEY,
  min_days   integer NOT NULL CHECK (min_days >= 2)
);
INSERT INTO partition_retention_floors (table_name, min_days) VALUES
  ('risk_decisions', 30), ('market_ticks', 7), ('market_bars', 30);

CREATE FUNCTION maintained_partitioned_table(parent regclass) RETURNS integer
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  floor_days integer;
BEGIN
  SELECT min_days INTO floor_days FROM partition_retention_floors WHERE table_name = parent::text;
  IF floor_days IS NULL THEN
    RAISE EXCEPTION '% is not a table partition maintenance may touch', parent USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN floor_days;
END $$;

CREATE FUNCTION maintenance_create_partitions(parent regclass, from_day date, days integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM maintained_partitioned_table(parent);
  IF days < 1 OR days > 400 THEN
    RAISE EXCEPTION 'days must be 1..400, got %', days;
  END IF;
  RETURN ensure_daily_partitions(parent, from_day, days);
END $$;

-- Rows of the DEFAULT partition per UTC day (counts only: the job never reads audit rows).
CREATE FUNCTION maintenance_default_rows_by_day(parent regclass) RETURNS TABLE (day date, row_count bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  key_column text;
  fallback regclass;
BEGIN
  PERFORM maintained_partitioned_table(parent);
  SELECT a.attname, pt.partdefid::regclass INTO key_column, fallback
    FROM pg_partitioned_table pt
    JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
   WHERE pt.partrelid = parent AND pt.partdefid <> 0;
  IF fallback IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY EXECUTE format(
    'SELECT (%1$I AT TIME ZONE ''UTC'')::date, count(*) FROM %2$s GROUP BY 1 ORDER BY 1', key_column, fallback);
END $$;

-- Creates the partitions of `days` and moves those days' rows out of DEFAULT into them.
-- DEFAULT steps out first (PostgreSQL refuses a partition whose range has rows in DEFAULT);
-- detaching also drops the append-only trigger cloned onto it, which is what lets the rows
-- leave; attaching clones it back. All in the caller's transaction.
CREATE FUNCTION maintenance_recover_default_rows(parent regclass, days date[])
RETURNS TABLE (partitions_created integer, rows_moved bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  key_column text;
  fallback regclass;
  d date;
  created integer := 0;
  moved bigint := 0;
BEGIN
  PERFORM maintained_partitioned_table(parent);
  SELECT a.attname, pt.partdefid::regclass INTO key_column, fallback
    FROM pg_partitioned_table pt
    JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
   WHERE pt.partrelid = parent AND pt.partdefid <> 0;
  IF fallback IS NULL THEN
    RETURN QUERY SELECT 0, 0::bigint;
    RETURN;
  END IF;
  EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', parent, fallback);
  FOREACH d IN ARRAY days LOOP
    created := created + ensure_daily_partitions(parent, d, 1);
  END LOOP;
  EXECUTE format(
    'WITH moved AS (DELETE FROM %1$s WHERE (%2$I AT TIME ZONE ''UTC'')::date = ANY ($1) RETURNING *)
     INSERT INTO %3$s SELECT * FROM moved', fallback, key_column, parent) USING days;
  GET DIAGNOSTICS moved = ROW_COUNT;
  EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s DEFAULT', parent, fallback);
  RETURN QUERY SELECT created, moved;
END $$;

-- Drops the daily partition of `day` (named and bounded as ensure_daily_partitions makes
-- it, never DEFAULT) when that whole day is older than the table's floor. Returns false
-- when there is no such partition.
CREATE FUNCTION maintenance_drop_partition(parent regclass, day date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET TimeZone = 'UTC' AS $$
DECLARE
  floor_days integer := maintained_partitioned_table(parent);
  part text := format('%s_p%s', parent::text, to_char(day, 'YYYYMMDD'));
  bound text;
BEGIN
  IF day >= (now() AT TIME ZONE 'UTC')::date - floor_days THEN
    RAISE EXCEPTION 'refusing to drop % (%): younger than the % days % keeps at least', part, day, floor_days, parent
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT pg_get_expr(c.relpartbound, c.oid) INTO bound
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
   WHERE i.inhparent = parent AND c.relname = part;
  IF bound IS NULL THEN
    RETURN false;
  END IF;
  IF bound <> format('FOR VALUES FROM (%L) TO (%L)', day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC') THEN
    RAISE EXCEPTION '% is not the daily partition of % (bound %)', part, day, bound;
  END IF;
  EXECUTE format('DROP TABLE %I', part);
  RETURN true;
END $$;

-- TimescaleDB (self-hosted only): drop_chunks needs the hypertable's owner, hence this.
CREATE FUNCTION maintenance_drop_chunks_before(parent regclass, day date) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  floor_days integer := maintained_partitioned_table(parent);
  dropped integer;
BEGIN
  IF day > (now() AT TIME ZONE 'UTC')::date - floor_days THEN
    RAISE EXCEPTION 'refusing to drop chunks of % before %: the floor is % days', parent, day, floor_days
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  EXECUTE 'SELECT count(*)::int FROM drop_chunks($1, older_than => ($2::date)::timestamp AT TIME ZONE ''UTC'')'
    INTO dropped USING parent, day;
  RETURN dropped;
END $$;

REVOKE EXECUTE ON FUNCTION maintained_partitioned_table(regclass), maintenance_create_partitions(regclass, date, integer),
  maintenance_default_rows_by_day(regclass), maintenance_recover_default_rows(regclass, date[]),
  maintenance_drop_partition(regclass, date), maintenance_drop_chunks_before(regclass, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION maintained_partitioned_table(regclass), maintenance_create_partitions(regclass, date, integer),
  maintenance_default_rows_by_day(regclass), maintenance_recover_default_rows(regclass, date[]),
  maintenance_drop_partition(regclass, date), maintenance_drop_chunks_before(regclass, date) TO rg_partition_maintenance;
