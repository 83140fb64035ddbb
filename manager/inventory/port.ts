import type { AgentPhase, AmtState, StatusIndication } from '../../schemas/enums.ts'
import type { HostFilter, HostPage, HostPageRequest, HostSummary, HostSummaryFilter } from './host-filter.ts'
import type { HostGroup, PutGroupInput } from './amt-policy.ts'
import type { AcmCertificateSource, PutAcmCertificateInput, StoredAcmCertificate } from './acm-certificate.ts'
import type { CreateHostInput, Host, HostKey, HostPatch } from './host.ts'

/**
 * The Inventory port: the manager's source of truth for tenants, hosts, device credentials and audit events.
 * Domain code sees only these types; SQL lives in the adapters (manager/inventory/sqlite/, manager/inventory/postgres/,
 * sharing manager/inventory/sql/).
 * Every adapter passes test/conformance/inventory.ts. Failures are InventoryErrors (./errors.ts).
 *
 * Times: `createdAt`, `updatedAt`, `lastSeen`, `activationRequestedAt` and audit `ts` are ISO-8601 UTC strings
 * (`Date#toISOString()`, millisecond precision). `statusTimestamp` / `powerStatusTimestamp` are unix SECONDS,
 * as EMF's amt_status_timestamp.
 */

export * from './host.ts'
export * from './host-filter.ts'
export * from './amt-policy.ts'
export * from './labels.ts'
export * from './password-rotation.ts'

export type PasswordPolicy = 'static' | 'random'

export interface Tenant {
  tenantId: string
  name: string
  passwordPolicy: PasswordPolicy
  createdAt: string
}

export interface CreateTenantInput {
  tenantId: string
  /** Defaults to the tenantId. */
  name?: string
  /** Defaults to 'random' (a per-host password in the secret store). */
  passwordPolicy?: PasswordPolicy
}

export type TenantPatch = Partial<Pick<Tenant, 'name' | 'passwordPolicy'>>

export interface WriteOptions {
  /** Fail with VersionConflictError unless the stored host has this version. */
  expectedVersion?: number
}

export interface HostUpdate extends WriteOptions {
  key: HostKey
  patch: HostPatch
  /** The host as the caller read it (its version is `expectedVersion`): a store may skip reading it again. */
  current?: Host
}

export const DEFAULT_PAGE_SIZE = 100
export const MAX_PAGE_SIZE = 10_000

/** Which hosts a bulk desired write touches: explicit keys (all must exist) or every host matching a filter. */
export type HostSelector = { keys: readonly HostKey[] } | { filter: HostFilter }

/**
 * A desired write's hosts: a selector, or the hosts as the caller read them (`hosts`: each must still exist, once
 * each) — then a store may skip reading a host again: the write is guarded by the version it was read at, and only
 * a host that moved since is read again in the write's transaction and written as it is then (the result is the
 * same as by its key).
 */
export type DesiredTargets = HostSelector | { hosts: readonly Host[] }

export interface StateCount {
  desiredState: AmtState
  currentState: AmtState
  statusIndicator: StatusIndication
  /** The agent's last reported phase; null before its first state report. */
  phase: AgentPhase | null
  count: number
}

/** A device's MQTT credential for the embedded broker; one per host, usernames unique across tenants. */
export interface DeviceCredential extends HostKey {
  username: string
  /** An encoded password hash (e.g. scrypt), never the password. */
  passwordHash: string
  createdAt: string
}

export type PutCredentialInput = Omit<DeviceCredential, 'createdAt'>

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/**
 * `security`: password reads and requests, credential, deletion, desired and power changes (audit-class.ts),
 * never evicted by device chatter; `activity`: everything else (agent events, state reports), pruned by retention.
 */
export type AuditClass = 'security' | 'activity'

/** An audit event; kept when its host (or tenant) is deleted. */
export interface AuditEvent {
  /** Increasing; the order of appends. */
  id: number
  tenantId: string
  /** null for tenant-wide events. */
  hostId: string | null
  ts: string
  /** e.g. 'desired.set', 'state', 'host.deleted', 'password.read'. */
  kind: string
  /** Who caused it: 'agent', 'manager', 'api:<token name>' ... */
  actor: string
  detail: JsonValue
  /** Derived from the kind by the Inventory (audit-class.ts). */
  class: AuditClass
}

export interface AppendAuditInput {
  tenantId: string
  hostId?: string | null
  /** Defaults to now. */
  ts?: string
  kind: string
  actor: string
  /** Defaults to null. */
  detail?: JsonValue
}

export interface AuditQuery {
  /** Only this host's events; omit for all events of the tenant. */
  hostId?: string
  /** 1..MAX_PAGE_SIZE, default DEFAULT_PAGE_SIZE. */
  limit?: number
  /** Only events with an id lower than this (the last id of the previous page). */
  before?: number
  /** Only events of this class. */
  class?: AuditClass
}

/** Where a per-host count pruning pass goes on: the host to start from (inclusive). */
export type AuditPruneCursor = { tenantId: string; hostId: string }

export interface AuditCountPrune {
  /** Activity events kept per host (the newest); older ones are deleted. */
  maxPerHost: number
  /** At most this many deleted by one call (one short write transaction). */
  limit: number
  /** At most this many hosts looked at by one call, default 100. */
  hosts?: number
  /** `next` of the previous call; absent: from the first host. */
  from?: AuditPruneCursor
}

/** The audit events of a write, from the hosts as stored (their new version or generation, say). */
export type AuditOfStored = (stored: readonly Host[]) => readonly AppendAuditInput[]

/** The audit events of a group write, from the group as stored (a put) or as it was (a delete). */
export type AuditOfGroup = (group: HostGroup) => readonly AppendAuditInput[]

export interface GroupWriteOptions extends WriteOptions {
  /** Appended in the write's transaction: the change and its events are stored together or not at all. */
  audit?: AuditOfGroup
}

export interface Inventory {
  createTenant(input: CreateTenantInput): Promise<Tenant>
  getTenant(tenantId: string): Promise<Tenant>
  /** Ordered by tenantId. */
  listTenants(): Promise<Tenant[]>
  updateTenant(tenantId: string, patch: TenantPatch): Promise<Tenant>
  /** TENANT_NOT_EMPTY while it has hosts. Its audit events stay. */
  deleteTenant(tenantId: string): Promise<void>

  /** NotFound when the tenant does not exist. */
  createHost(input: CreateHostInput): Promise<Host>
  /** All or nothing, in one transaction. */
  createHosts(inputs: readonly CreateHostInput[]): Promise<Host[]>
  getHost(key: HostKey): Promise<Host>
  /** Like getHost, but null instead of NotFound. */
  findHost(key: HostKey): Promise<Host | null>
  /** findHost of many keys in one call: a host or null per key, in the keys' order (an invalid key names its index). */
  findHosts(keys: readonly HostKey[]): Promise<(Host | null)[]>
  listHosts(request?: HostPageRequest): Promise<HostPage>
  /** Applies the patch (HostPatch rules), version + 1; returns the stored host. */
  updateHost(key: HostKey, patch: HostPatch, options?: WriteOptions): Promise<Host>
  /**
   * Applies every update in order in ONE transaction; any failure rolls back all (error.details.index). `audit`:
   * the events of the stored hosts, appended in the same transaction (a write is never stored without them).
   */
  updateHosts(updates: readonly HostUpdate[], audit?: AuditOfStored): Promise<Host[]>
  /**
   * A desired write (the patch must contain desiredState, controlMode or dnsSuffix) to many hosts, atomically, with
   * `audit`'s events of the stored hosts in the same transaction.
   */
  setDesiredMany(targets: DesiredTargets, patch: HostPatch, audit?: AuditOfStored): Promise<Host[]>
  /** Removes the host and its credential; its audit events stay. */
  deleteHost(key: HostKey, options?: WriteOptions): Promise<void>
  /** Host counts grouped by (desiredState, currentState, statusIndicator, phase), for metrics. */
  countHosts(filter?: { tenantId?: string }): Promise<StateCount[]>
  /**
   * The tenant's hosts (those matching `filter`, default all) counted by capability, by condition and by presence
   * (an empty summary for no hosts): one grouped query.
   */
  summarizeHosts(tenantId: string, filter?: HostSummaryFilter): Promise<HostSummary>

  /** Creates or replaces the host's credential; AlreadyExists when another host has the username. */
  putCredential(input: PutCredentialInput): Promise<DeviceCredential>
  getCredentialByUsername(username: string): Promise<DeviceCredential | null>
  /**
   * Compare-and-set of a credential's hash (a stored hash upgraded to another scheme after a successful login):
   * false, and nothing written, when the username's hash is no longer `expectedHash` (rewritten or deleted meanwhile).
   */
  replaceCredentialHash(username: string, expectedHash: string, passwordHash: string): Promise<boolean>
  deleteCredential(key: HostKey): Promise<void>

  /** Appends in one transaction, in order; returns the stored events. */
  appendAudit(events: readonly AppendAuditInput[]): Promise<AuditEvent[]>
  /** Newest first. */
  listAudit(tenantId: string, query?: AuditQuery): Promise<AuditEvent[]>
  /** Deletes at most `limit` events of the class with `ts` before the time, oldest first; returns how many. */
  pruneAuditOlderThan(auditClass: AuditClass, before: string, limit: number): Promise<number>
  /**
   * Deletes the activity events of hosts beyond the newest `maxPerHost` (tenant-wide events are left to the age
   * limit), bounded per call; `next` is null when the pass reached the last host.
   */
  pruneAuditOverCount(request: AuditCountPrune): Promise<{ deleted: number; next: AuditPruneCursor | null }>

  /**
   * Creates or replaces the tenant's group `input.name` (version + 1); with `expectedVersion`, only the group of that
   * version (NotFound when there is none). NotFound (tenant) when the tenant does not exist.
   */
  putGroup(input: PutGroupInput, options?: GroupWriteOptions): Promise<HostGroup>
  /** NotFound (entity 'group') when there is none. */
  getGroup(tenantId: string, name: string): Promise<HostGroup>
  /** The tenant's groups by (priority, name): the order in which they decide a host's policy. */
  listGroups(tenantId: string): Promise<HostGroup[]>
  /**
   * NotFound when there is none. `audit`: of the group as it was, in the delete's transaction. Deleting a tenant
   * deletes its groups.
   */
  deleteGroup(tenantId: string, name: string, options?: Pick<GroupWriteOptions, 'audit'>): Promise<void>

  /**
   * Creates or replaces the tenant's ACM provisioning certificate facts of `input.source` (public facts only).
   * NotFound (tenant) when the tenant does not exist. `audit`: appended in the write's transaction.
   */
  putAcmCertificate(
    input: PutAcmCertificateInput,
    options?: { audit?: readonly AppendAuditInput[] },
  ): Promise<StoredAcmCertificate>
  /** The tenant's stored ACM provisioning certificates by source (none: empty). One read. */
  listAcmCertificates(tenantId: string): Promise<StoredAcmCertificate[]>
  /** Whether one was deleted. Deleting a tenant deletes them. `audit`: appended in the delete's transaction. */
  deleteAcmCertificate(
    tenantId: string,
    source: AcmCertificateSource,
    options?: { audit?: readonly AppendAuditInput[] },
  ): Promise<boolean>

  close(): Promise<void>
}
