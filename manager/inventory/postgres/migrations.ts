/**
 * The Inventory's schema on PostgreSQL, component 'inventory' of manager/database/postgres-migrations.ts: step i is
 * schema version i + 1. Rules as for SQLite (manager/inventory/sqlite/migrations.ts): never edit a released step,
 * add one. Step 1 is the schema SQLite reached with its migration 5, in PostgreSQL's types:
 * - times are text in `toISOString()` form, as the port gives them (the Inventory normalises every time it is
 *   given), so they round-trip exactly and sort as text; unix-second timestamps, versions, generations: bigint;
 * - ids, names and times have the "C" collation: byte order, the order SQLite lists, sorts and pages in,
 *   whatever the database's locale; a search's ILIKE then ignores the case of ASCII letters only, as SQLite's LIKE;
 * - capability, last_seq and audit details are jsonb; online and local_deactivation boolean; audit ids a bigint
 *   identity (increasing in the order of appends);
 * - the same CHECKs and indexes (the list filters', the retention indexes, the console's of SQLite migration 5).
 */

const AMT_STATE = `('UNSPECIFIED','PROVISIONED','UNPROVISIONED','DISCONNECTED')`
const INDICATOR = `('UNSPECIFIED','ERROR','IN_PROGRESS','IDLE')`
const POWER = `('UNSPECIFIED','ON','OFF','SLEEP','HIBERNATE','RESET','POWER_CYCLE','RESET_REPEAT')`
const KEY = 'text COLLATE "C" NOT NULL'

export const INVENTORY_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tenants (
    tenant_id ${KEY} PRIMARY KEY,
    name text NOT NULL,
    password_policy text NOT NULL DEFAULT 'random' CHECK (password_policy IN ('static','random')),
    created_at text NOT NULL
  );

  CREATE TABLE hosts (
    tenant_id ${KEY} REFERENCES tenants (tenant_id) ON DELETE RESTRICT,
    host_id ${KEY},
    name ${KEY},
    desired_state text NOT NULL CHECK (desired_state IN ${AMT_STATE}),
    current_state text NOT NULL CHECK (current_state IN ${AMT_STATE}),
    sku text NOT NULL CHECK (sku IN ('UNSPECIFIED','AMT','ISM')),
    status text NOT NULL DEFAULT 'Unknown',
    status_indicator text NOT NULL CHECK (status_indicator IN ${INDICATOR}),
    status_timestamp bigint NOT NULL,
    control_mode text NOT NULL DEFAULT 'CCM' CHECK (control_mode IN ('UNSPECIFIED','ACM','CCM')),
    dns_suffix text NOT NULL DEFAULT '',
    desired_generation bigint NOT NULL DEFAULT 0,
    observed_generation bigint NOT NULL DEFAULT 0,
    phase text,
    capability jsonb,
    online boolean NOT NULL DEFAULT false,
    boot_id text,
    last_seen text COLLATE "C",
    last_seq jsonb NOT NULL DEFAULT '{}',
    agent_kind text NOT NULL DEFAULT 'mqtt' CHECK (agent_kind IN ('mqtt','grpc')),
    activation_requested_at text,
    deletion text NOT NULL DEFAULT 'none' CHECK (deletion IN ('none','pending')),
    desired_power_state text NOT NULL CHECK (desired_power_state IN ${POWER}),
    current_power_state text NOT NULL CHECK (current_power_state IN ${POWER}),
    power_status text NOT NULL DEFAULT 'Unknown',
    power_status_indicator text NOT NULL CHECK (power_status_indicator IN ${INDICATOR}),
    power_status_timestamp bigint NOT NULL,
    version bigint NOT NULL,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    local_deactivation boolean NOT NULL DEFAULT false,
    power_state_read_at text,
    PRIMARY KEY (tenant_id, host_id)
  );
  -- List filters: equality on the state column (and tenant), ordered by (tenant_id, host_id).
  CREATE INDEX hosts_by_desired_state ON hosts (desired_state, tenant_id, host_id);
  CREATE INDEX hosts_by_current_state ON hosts (current_state, tenant_id, host_id);
  CREATE INDEX hosts_by_status_indicator ON hosts (status_indicator, tenant_id, host_id);
  CREATE INDEX hosts_pending_deletion ON hosts (tenant_id, host_id) WHERE deletion = 'pending';
  -- The console's filters and sorts: columns the ingest path seldom writes.
  CREATE INDEX hosts_by_sku ON hosts (sku, tenant_id, host_id);
  CREATE INDEX hosts_by_online ON hosts (online, tenant_id, host_id);
  CREATE INDEX hosts_by_tenant_name ON hosts (tenant_id, name, host_id);

  CREATE TABLE device_credentials (
    tenant_id ${KEY},
    host_id ${KEY},
    username ${KEY} UNIQUE,
    password_hash text NOT NULL,
    created_at text NOT NULL,
    PRIMARY KEY (tenant_id, host_id),
    FOREIGN KEY (tenant_id, host_id) REFERENCES hosts (tenant_id, host_id) ON DELETE CASCADE
  );

  -- No foreign keys: audit events outlive their host and tenant.
  CREATE TABLE audit_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id ${KEY},
    host_id text COLLATE "C",
    ts text COLLATE "C" NOT NULL,
    kind text NOT NULL,
    actor text NOT NULL,
    detail jsonb NOT NULL DEFAULT 'null',
    class text NOT NULL DEFAULT 'activity' CHECK (class IN ('security','activity'))
  );
  CREATE INDEX audit_by_tenant ON audit_events (tenant_id, id);
  CREATE INDEX audit_by_host ON audit_events (tenant_id, host_id, id);
  CREATE INDEX audit_by_class ON audit_events (tenant_id, class, id);
  -- Retention: age (per class, oldest first) and count per host (activity only).
  CREATE INDEX audit_by_class_ts ON audit_events (class, ts);
  CREATE INDEX audit_activity_by_host ON audit_events (tenant_id, host_id, id)
    WHERE class = 'activity' AND host_id IS NOT NULL;
  `,
  `
  ALTER TABLE hosts ADD COLUMN labels jsonb NOT NULL DEFAULT '{}';
  ALTER TABLE hosts ADD COLUMN policy_override jsonb;
  CREATE TABLE host_groups (
    tenant_id ${KEY} REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    name ${KEY},
    selector jsonb NOT NULL,
    priority bigint NOT NULL,
    policy jsonb NOT NULL,
    version bigint NOT NULL,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    PRIMARY KEY (tenant_id, name)
  );
  `,
  `
  ALTER TABLE hosts ADD COLUMN reported_control_mode text
    CHECK (reported_control_mode IS NULL OR reported_control_mode IN ('PRE_PROVISIONING','CCM','ACM','UNKNOWN'));
  `,
  `
  ALTER TABLE hosts ADD COLUMN rotation jsonb;
  `,
  `
  CREATE TABLE tenant_acm_certificates (
    tenant_id ${KEY} REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    source text NOT NULL CHECK (source IN ('api','rps-domain')),
    facts jsonb NOT NULL,
    actor text NOT NULL,
    updated_at text NOT NULL,
    PRIMARY KEY (tenant_id, source)
  );
  `,
  // Step 6 (SQLite migration 10): one per-host audit index; audit_activity_by_host was audit_by_host again for
  // activity rows (two random index writes per device report); the class in the key keeps retention index-only.
  `
  DROP INDEX audit_activity_by_host;
  DROP INDEX audit_by_host;
  CREATE INDEX audit_of_host ON audit_events (tenant_id, host_id, id, class);
  `,
  // Step 7 (SQLite migration 12): the hosts whose AMT password rotation is pending, which the lease holder lists
  // before each deadline check; partial, so only a rotation's own writes touch it (host-filter-sql.ts states the
  // predicate exactly so).
  `
  CREATE INDEX hosts_rotation_pending ON hosts (tenant_id, host_id) WHERE (rotation ->> 'state') = 'pending';
  `,
]
