import type Database from 'better-sqlite3'
import { InventoryError } from '../errors.ts'

/**
 * Schema migrations: an ordered list of numbered steps. `PRAGMA user_version` holds the last applied number.
 * Rules: never edit a step once released (add a new one); numbers are 1, 2, 3 ... without gaps; each step runs
 * in its own transaction together with the user_version bump, so a failing step leaves the previous version.
 * Enum values fixed by EMF are CHECKed; AgentPhase is not (it may grow without a table rebuild).
 */
export interface Migration {
  version: number
  name: string
  sql: string
}

const AMT_STATE = `('UNSPECIFIED','PROVISIONED','UNPROVISIONED','DISCONNECTED')`
const INDICATOR = `('UNSPECIFIED','ERROR','IN_PROGRESS','IDLE')`
const POWER = `('UNSPECIFIED','ON','OFF','SLEEP','HIBERNATE','RESET','POWER_CYCLE','RESET_REPEAT')`

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tenants, hosts, device credentials, audit events',
    sql: `
      CREATE TABLE tenants (
        tenant_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        password_policy TEXT NOT NULL DEFAULT 'random' CHECK (password_policy IN ('static','random')),
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE hosts (
        tenant_id TEXT NOT NULL REFERENCES tenants (tenant_id) ON DELETE RESTRICT,
        host_id TEXT NOT NULL,
        name TEXT NOT NULL,
        desired_state TEXT NOT NULL CHECK (desired_state IN ${AMT_STATE}),
        current_state TEXT NOT NULL CHECK (current_state IN ${AMT_STATE}),
        sku TEXT NOT NULL CHECK (sku IN ('UNSPECIFIED','AMT','ISM')),
        status TEXT NOT NULL DEFAULT 'Unknown',
        status_indicator TEXT NOT NULL CHECK (status_indicator IN ${INDICATOR}),
        status_timestamp INTEGER NOT NULL,
        control_mode TEXT NOT NULL DEFAULT 'CCM' CHECK (control_mode IN ('UNSPECIFIED','ACM','CCM')),
        dns_suffix TEXT NOT NULL DEFAULT '',
        desired_generation INTEGER NOT NULL DEFAULT 0,
        observed_generation INTEGER NOT NULL DEFAULT 0,
        phase TEXT,
        capability TEXT CHECK (capability IS NULL OR json_valid(capability)),
        online INTEGER NOT NULL DEFAULT 0 CHECK (online IN (0, 1)),
        boot_id TEXT,
        last_seen TEXT,
        last_seq TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(last_seq)),
        agent_kind TEXT NOT NULL DEFAULT 'mqtt' CHECK (agent_kind IN ('mqtt','grpc')),
        activation_requested_at TEXT,
        deletion TEXT NOT NULL DEFAULT 'none' CHECK (deletion IN ('none','pending')),
        desired_power_state TEXT NOT NULL CHECK (desired_power_state IN ${POWER}),
        current_power_state TEXT NOT NULL CHECK (current_power_state IN ${POWER}),
        power_status TEXT NOT NULL DEFAULT 'Unknown',
        power_status_indicator TEXT NOT NULL CHECK (power_status_indicator IN ${INDICATOR}),
        power_status_timestamp INTEGER NOT NULL,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant_id, host_id)
      ) STRICT;
      -- List filters: equality on the state column (and tenant), ordered by (tenant_id, host_id).
      CREATE INDEX hosts_by_desired_state ON hosts (desired_state, tenant_id, host_id);
      CREATE INDEX hosts_by_current_state ON hosts (current_state, tenant_id, host_id);
      CREATE INDEX hosts_by_status_indicator ON hosts (status_indicator, tenant_id, host_id);
      CREATE INDEX hosts_pending_deletion ON hosts (tenant_id, host_id) WHERE deletion = 'pending';

      CREATE TABLE device_credentials (
        tenant_id TEXT NOT NULL,
        host_id TEXT NOT NULL,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (tenant_id, host_id),
        FOREIGN KEY (tenant_id, host_id) REFERENCES hosts (tenant_id, host_id) ON DELETE CASCADE
      ) STRICT;

      -- No foreign keys: audit events outlive their host and tenant.
      CREATE TABLE audit_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant_id TEXT NOT NULL,
        host_id TEXT,
        ts TEXT NOT NULL,
        kind TEXT NOT NULL,
        actor TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT 'null' CHECK (json_valid(detail))
      ) STRICT;
      CREATE INDEX audit_by_tenant ON audit_events (tenant_id, id);
      CREATE INDEX audit_by_host ON audit_events (tenant_id, host_id, id);
    `,
  },
  {
    version: 2,
    name: "hosts: the operator's force of a local deactivation",
    sql: `ALTER TABLE hosts ADD COLUMN local_deactivation INTEGER NOT NULL DEFAULT 0 CHECK (local_deactivation IN (0, 1));`,
  },
  {
    version: 3,
    name: 'audit events: security and activity classes, indexes for retention',
    sql: `
      ALTER TABLE audit_events ADD COLUMN class TEXT NOT NULL DEFAULT 'activity' CHECK (class IN ('security','activity'));
      -- The security kinds as of this step (later ones are classed when appended: inventory/audit-class.ts).
      UPDATE audit_events SET class = 'security'
        WHERE kind IN ('password.read','password.requested','password.refused','host.registered','host.deletion-requested',
                       'host.deletion-failed','host.deleted','desired.set','power.action')
           OR kind LIKE 'credential.%' OR kind LIKE 'token.%' OR kind LIKE 'role.%' OR kind LIKE 'tenant.%' OR kind LIKE 'amt.domain.%';
      CREATE INDEX audit_by_class ON audit_events (tenant_id, class, id);
      -- Retention: age (per class, oldest first) and count per host (activity only).
      CREATE INDEX audit_by_class_ts ON audit_events (class, ts);
      CREATE INDEX audit_activity_by_host ON audit_events (tenant_id, host_id, id) WHERE class = 'activity' AND host_id IS NOT NULL;
    `,
  },
  {
    version: 4,
    name: 'hosts: when the power state was last read from MPS',
    sql: `ALTER TABLE hosts ADD COLUMN power_state_read_at TEXT;`,
  },
  {
    version: 5,
    name: 'hosts: indexes for the list filters and sorts of the console (sku, online, name)',
    sql: `
      -- Only columns the ingest path seldom writes (not last_seen, status or phase: every report would pay for them).
      CREATE INDEX hosts_by_sku ON hosts (sku, tenant_id, host_id);
      CREATE INDEX hosts_by_online ON hosts (online, tenant_id, host_id);
      CREATE INDEX hosts_by_tenant_name ON hosts (tenant_id, name, host_id);
    `,
  },
  {
    version: 6,
    name: "hosts: the operator's labels and a per-host AMT policy override; host groups with their AMT policy",
    sql: `
      ALTER TABLE hosts ADD COLUMN labels TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(labels));
      ALTER TABLE hosts ADD COLUMN policy_override TEXT CHECK (policy_override IS NULL OR json_valid(policy_override));
      CREATE TABLE host_groups (
        tenant_id TEXT NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        selector TEXT NOT NULL CHECK (json_valid(selector)),
        priority INTEGER NOT NULL,
        policy TEXT NOT NULL CHECK (json_valid(policy)),
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant_id, name)
      ) STRICT;
    `,
  },
  {
    version: 7,
    name: 'hosts: the control mode the agent last reported in its state (rollouts judge success on it)',
    sql: `ALTER TABLE hosts ADD COLUMN reported_control_mode TEXT
      CHECK (reported_control_mode IS NULL OR reported_control_mode IN ('PRE_PROVISIONING','CCM','ACM','UNKNOWN'));`,
  },
  {
    version: 8,
    name: "hosts: the last AMT password rotation (pending until the agent's outcome)",
    sql: `
      ALTER TABLE hosts ADD COLUMN rotation TEXT CHECK (rotation IS NULL OR json_valid(rotation));
    `,
  },
  {
    version: 9,
    name: "tenant_acm_certificates: a tenant's ACM provisioning certificate facts set through the API (public only)",
    sql: `
      CREATE TABLE tenant_acm_certificates (
        tenant_id TEXT NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        source TEXT NOT NULL CHECK (source IN ('api','rps-domain')),
        facts TEXT NOT NULL CHECK (json_valid(facts)),
        actor TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant_id, source)
      ) STRICT;
    `,
  },
  {
    version: 10,
    name: "audit events: one per-host index (tenant_id, host_id, id, class) for the host's trail and retention",
    sql: `
      -- audit_activity_by_host was audit_by_host again for activity rows: every device report's audit row updated
      -- both, at two random places each. The class in the key lets retention walk activity rows index-only.
      DROP INDEX audit_activity_by_host;
      DROP INDEX audit_by_host;
      CREATE INDEX audit_of_host ON audit_events (tenant_id, host_id, id, class);
    `,
  },
  {
    version: 11,
    name: 'audit events: without audit_by_class, which no statement of this engine reads',
    sql: `
      -- The list by class is "tenant_id = ? AND (class = ? OR ? IS NULL) ... ORDER BY id DESC": SQLite plans it once
      -- for any class, along audit_by_tenant or the primary key, never this index; every audit row still updated it.
      -- (PostgreSQL plans with the values and reads its copy for a class's list: kept there.)
      DROP INDEX audit_by_class;
    `,
  },
  {
    version: 12,
    name: 'hosts: an index of the hosts whose AMT password rotation is pending (the deadline check of replicas)',
    sql: `
      -- Partial: a host is in it only while its rotation is pending (seconds to minutes), so no other write touches
      -- it. The host list's filter rotationPending writes this predicate as it is here (host-filter-sql.ts).
      CREATE INDEX hosts_rotation_pending ON hosts (tenant_id, host_id)
        WHERE json_extract(rotation, '$.state') = 'pending';
    `,
  },
]

export function schemaVersion(db: Database.Database): number {
  return Number(db.pragma('user_version', { simple: true }))
}

/**
 * Applies the steps newer than the database's user_version. A database newer than the code (a downgrade) is
 * refused with INVENTORY_SCHEMA_TOO_NEW before anything is written.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations.at(-1)?.version ?? 0
  migrations.forEach((step, index) => {
    if (step.version !== index + 1)
      throw new Error(`migration #${index} has version ${step.version}, expected ${index + 1}`)
  })
  const apply = db.transaction((step: Migration) => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    if (schemaVersion(db) >= step.version) return
    db.exec(step.sql)
    db.pragma(`user_version = ${step.version}`)
  })
  const current = schemaVersion(db)
  if (current > latest) {
    throw new InventoryError(
      'INVENTORY_SCHEMA_TOO_NEW',
      `the inventory database has schema version ${current}, newer than this software knows (${latest}); use a newer release`,
    )
  }
  for (const step of migrations) {
    if (step.version <= current) continue
    try {
      apply.immediate(step)
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      throw new InventoryError(
        'INVENTORY_MIGRATION_FAILED',
        `inventory migration ${step.version} (${step.name}) failed: ${reason}`,
        { cause: err },
      )
    }
  }
  return schemaVersion(db)
}
