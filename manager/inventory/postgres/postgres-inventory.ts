import type { AcmCertificateSource, PutAcmCertificateInput, StoredAcmCertificate } from '../acm-certificate.ts'
import {
  ACM_CERTIFICATE_SQL,
  acmCertificateFromRow,
  acmCertificateRow,
  assertAcmSource,
  type AcmCertificateRow,
} from '../sql/acm-certificate-sql.ts'
import type pg from 'pg'
import { AlreadyExistsError, InventoryError, NotFoundError } from '../errors.ts'
import { assertId, assertKey } from '../host-patch.ts'
import type {
  AppendAuditInput,
  AuditClass,
  AuditCountPrune,
  AuditEvent,
  AuditOfGroup,
  AuditOfStored,
  AuditPruneCursor,
  AuditQuery,
  CreateHostInput,
  CreateTenantInput,
  DeviceCredential,
  GroupWriteOptions,
  Host,
  HostKey,
  HostPage,
  HostPageRequest,
  HostPatch,
  DesiredTargets,
  HostSummary,
  HostSummaryFilter,
  HostUpdate,
  Inventory,
  PutCredentialInput,
  StateCount,
  Tenant,
  TenantPatch,
  WriteOptions,
} from '../port.ts'
import type { HostGroup, PutGroupInput } from '../amt-policy.ts'
import {
  GROUP_SQL,
  assertGroupKey,
  groupFromRow,
  groupNotFound,
  groupToRow,
  nextGroup,
  type GroupRow,
} from '../sql/group-sql.ts'
import { newCredential, newTenant, patchedTenant, stateCountOf, tenantNotEmpty } from '../sql/records.ts'
import { credentialFromRow, credentialToRow, tenantFromRow, tenantToRow, type TenantRow } from '../sql/rows.ts'
import { STATEMENT_SQL as S, type CountRow } from '../sql/statements-sql.ts'
import { appendAudit, listAudit, pruneAuditOlderThan, pruneAuditOverCount } from './audit-store.ts'
import { hostPage, hostSummary } from './host-query.ts'
import { HostStore } from './host-store.ts'
import { asInventoryError, isForeignKeyViolation, isUniqueViolation } from './pg-error.ts'
import { sqlOn, type Sql } from './sql.ts'
import { inTransaction } from './transaction.ts'

/**
 * The Inventory on a PostgreSQL pool (the caller's: close() does not end it). A read is one statement on the pool;
 * a write is one transaction on one client (transaction.ts), its host rows locked (host-store.ts), so replicas
 * sharing the database never lose an update and a stale expectedVersion is a VERSION_CONFLICT.
 */
export class PostgresInventory implements Inventory {
  readonly #pool: pg.Pool
  readonly #sql: Sql
  readonly #now: () => Date
  readonly #hosts: HostStore
  #closed = false

  constructor(pool: pg.Pool, now: () => Date = () => new Date()) {
    this.#pool = pool
    this.#sql = sqlOn(pool)
    this.#now = now
    this.#hosts = new HostStore(now)
  }

  createTenant(input: CreateTenantInput): Promise<Tenant> {
    return this.#write(async (sql) => {
      const tenant = newTenant(input, this.#now())
      try {
        await sql.run(S.tenantInsert, tenantToRow(tenant))
      } catch (err) {
        if (isUniqueViolation(err)) throw new AlreadyExistsError('tenant', { tenantId: tenant.tenantId })
        throw err
      }
      return tenant
    })
  }

  getTenant(tenantId: string): Promise<Tenant> {
    return this.#read((sql) => tenantOf(sql, tenantId))
  }

  listTenants(): Promise<Tenant[]> {
    return this.#read(async (sql) => (await sql.rows<TenantRow>(S.tenantList)).map(tenantFromRow))
  }

  updateTenant(tenantId: string, patch: TenantPatch): Promise<Tenant> {
    return this.#write(async (sql) => {
      const tenant = patchedTenant(await tenantOf(sql, tenantId, ' FOR UPDATE'), patch)
      await sql.run(S.tenantUpdate, tenantToRow(tenant))
      return tenant
    })
  }

  deleteTenant(tenantId: string): Promise<void> {
    return this.#write(async (sql) => {
      await tenantOf(sql, tenantId, ' FOR UPDATE')
      if ((await sql.row(S.tenantHasHosts, [tenantId])) !== undefined) throw tenantNotEmpty(tenantId)
      try {
        await sql.run(S.tenantDelete, [tenantId])
      } catch (err) {
        // A host created meanwhile by another replica.
        if (isForeignKeyViolation(err)) throw tenantNotEmpty(tenantId)
        throw err
      }
    })
  }

  createHost(input: CreateHostInput): Promise<Host> {
    return this.#write((sql) => this.#hosts.insert(sql, input))
  }

  createHosts(inputs: readonly CreateHostInput[]): Promise<Host[]> {
    return this.#write((sql) => this.#hosts.insertMany(sql, inputs))
  }

  async getHost(key: HostKey): Promise<Host> {
    const host = await this.findHost(key)
    if (host === null) throw new NotFoundError('host', { tenantId: key.tenantId, hostId: key.hostId })
    return host
  }

  findHost(key: HostKey): Promise<Host | null> {
    return this.#read((sql) => this.#hosts.find(sql, key))
  }

  findHosts(keys: readonly HostKey[]): Promise<(Host | null)[]> {
    return this.#read((sql) => this.#hosts.findMany(sql, keys))
  }

  listHosts(request?: HostPageRequest): Promise<HostPage> {
    return this.#read((sql) => hostPage(sql, request ?? {}))
  }

  updateHost(key: HostKey, patch: HostPatch, options: WriteOptions = {}): Promise<Host> {
    return this.#write((sql) => this.#hosts.update(sql, { key, patch, expectedVersion: options.expectedVersion }))
  }

  updateHosts(updates: readonly HostUpdate[], audit?: AuditOfStored): Promise<Host[]> {
    return this.#write(async (sql) => this.#audited(sql, await this.#hosts.updateMany(sql, updates), audit))
  }

  setDesiredMany(targets: DesiredTargets, patch: HostPatch, audit?: AuditOfStored): Promise<Host[]> {
    return this.#write(async (sql) => this.#audited(sql, await this.#hosts.setDesiredMany(sql, targets, patch), audit))
  }

  /** Appends the write's audit events in its transaction. */
  async #audited(sql: Sql, stored: Host[], audit: AuditOfStored | undefined): Promise<Host[]> {
    const events = audit?.(stored) ?? []
    if (events.length > 0) await appendAudit(sql, events, this.#now().toISOString())
    return stored
  }

  deleteHost(key: HostKey, options: WriteOptions = {}): Promise<void> {
    return this.#write((sql) => this.#hosts.delete(sql, key, options.expectedVersion))
  }

  countHosts(filter: { tenantId?: string } = {}): Promise<StateCount[]> {
    return this.#read(async (sql) => {
      const { tenantId } = filter
      const rows = await (tenantId === undefined
        ? sql.rows<CountRow>(S.hostCountAll)
        : sql.rows<CountRow>(S.hostCountTenant, [tenantId]))
      return rows.map(stateCountOf)
    })
  }

  summarizeHosts(tenantId: string, filter?: HostSummaryFilter): Promise<HostSummary> {
    return this.#read((sql) => {
      assertId('tenantId', tenantId)
      return hostSummary(sql, tenantId, filter)
    })
  }

  putCredential(input: PutCredentialInput): Promise<DeviceCredential> {
    return this.#write(async (sql) => {
      const credential = newCredential(input, this.#now())
      if ((await this.#hosts.find(sql, credential)) === null)
        throw new NotFoundError('host', { tenantId: credential.tenantId, hostId: credential.hostId })
      try {
        await sql.run(S.credentialUpsert, credentialToRow(credential))
      } catch (err) {
        if (isUniqueViolation(err)) throw new AlreadyExistsError('credential', { username: input.username })
        // The host was deleted meanwhile.
        if (isForeignKeyViolation(err))
          throw new NotFoundError('host', { tenantId: input.tenantId, hostId: input.hostId })
        throw err
      }
      return credential
    })
  }

  getCredentialByUsername(username: string): Promise<DeviceCredential | null> {
    return this.#read(async (sql) => {
      const row = await sql.row<Parameters<typeof credentialFromRow>[0]>(S.credentialByUsername, [username])
      return row === undefined ? null : credentialFromRow(row)
    })
  }

  replaceCredentialHash(username: string, expectedHash: string, passwordHash: string): Promise<boolean> {
    return this.#write(async (sql) => (await sql.run(S.credentialRehash, [passwordHash, username, expectedHash])) === 1)
  }

  deleteCredential(key: HostKey): Promise<void> {
    return this.#write(async (sql) => {
      assertKey(key)
      if ((await sql.run(S.credentialDelete, [key.tenantId, key.hostId])) === 0)
        throw new NotFoundError('credential', { tenantId: key.tenantId, hostId: key.hostId })
    })
  }

  appendAudit(events: readonly AppendAuditInput[]): Promise<AuditEvent[]> {
    return this.#write((sql) => appendAudit(sql, events, this.#now().toISOString()))
  }

  listAudit(tenantId: string, query: AuditQuery = {}): Promise<AuditEvent[]> {
    return this.#read((sql) => listAudit(sql, tenantId, query))
  }

  pruneAuditOlderThan(auditClass: AuditClass, before: string, limit: number): Promise<number> {
    return this.#read((sql) => pruneAuditOlderThan(sql, auditClass, before, limit))
  }

  pruneAuditOverCount(request: AuditCountPrune): Promise<{ deleted: number; next: AuditPruneCursor | null }> {
    return this.#write((sql) => pruneAuditOverCount(sql, request))
  }

  putGroup(input: PutGroupInput, options: GroupWriteOptions = {}): Promise<HostGroup> {
    return this.#write(async (sql) => {
      await tenantOf(sql, input.tenantId, ' FOR SHARE')
      const stored = await groupOf(sql, input.tenantId, input.name, ' FOR UPDATE')
      const group = nextGroup(stored, input, options.expectedVersion, this.#now())
      await sql.run(GROUP_SQL.upsert, groupToRow(group))
      await this.#groupAudited(sql, group, options.audit)
      return group
    })
  }

  getGroup(tenantId: string, name: string): Promise<HostGroup> {
    return this.#read(async (sql) => {
      const group = await groupOf(sql, tenantId, name)
      if (group === undefined) throw groupNotFound(tenantId, name)
      return group
    })
  }

  listGroups(tenantId: string): Promise<HostGroup[]> {
    return this.#read(async (sql) => {
      assertId('tenantId', tenantId)
      return (await sql.rows<GroupRow>(GROUP_SQL.list, [tenantId])).map(groupFromRow)
    })
  }

  deleteGroup(tenantId: string, name: string, options: Pick<GroupWriteOptions, 'audit'> = {}): Promise<void> {
    return this.#write(async (sql) => {
      const group = await groupOf(sql, tenantId, name, ' FOR UPDATE')
      if (group === undefined) throw groupNotFound(tenantId, name)
      await sql.run(GROUP_SQL.delete, [tenantId, name])
      await this.#groupAudited(sql, group, options.audit)
    })
  }

  putAcmCertificate(
    input: PutAcmCertificateInput,
    options: { audit?: readonly AppendAuditInput[] } = {},
  ): Promise<StoredAcmCertificate> {
    return this.#write(async (sql) => {
      await tenantOf(sql, input.tenantId, ' FOR SHARE')
      const row = acmCertificateRow(input, this.#now())
      await sql.run(ACM_CERTIFICATE_SQL.upsert, row)
      if (options.audit && options.audit.length > 0) await appendAudit(sql, options.audit, row.updated_at)
      return acmCertificateFromRow(row)
    })
  }

  listAcmCertificates(tenantId: string): Promise<StoredAcmCertificate[]> {
    return this.#read(async (sql) => {
      assertId('tenantId', tenantId)
      return (await sql.rows<AcmCertificateRow>(ACM_CERTIFICATE_SQL.list, [tenantId])).map(acmCertificateFromRow)
    })
  }

  deleteAcmCertificate(
    tenantId: string,
    source: AcmCertificateSource,
    options: { audit?: readonly AppendAuditInput[] } = {},
  ): Promise<boolean> {
    return this.#write(async (sql) => {
      assertId('tenantId', tenantId)
      assertAcmSource(source)
      const deleted = (await sql.run(ACM_CERTIFICATE_SQL.delete, [tenantId, source])) > 0
      if (deleted && options.audit && options.audit.length > 0)
        await appendAudit(sql, options.audit, this.#now().toISOString())
      return deleted
    })
  }

  /** Appends a group write's audit events in its transaction. */
  async #groupAudited(sql: Sql, group: HostGroup, audit: AuditOfGroup | undefined): Promise<void> {
    const events = audit?.(group) ?? []
    if (events.length > 0) await appendAudit(sql, events, this.#now().toISOString())
  }

  /** Idempotent; later calls reject with INVENTORY_CLOSED. The pool stays open: it is the caller's. */
  close(): Promise<void> {
    this.#closed = true
    return Promise.resolve()
  }

  /** One statement (or a few) on the pool, outside a transaction. */
  async #read<T>(run: (sql: Sql) => Promise<T>): Promise<T> {
    try {
      if (this.#closed) throw new InventoryError('INVENTORY_CLOSED', 'the inventory is closed')
      return await run(this.#sql)
    } catch (err) {
      throw asInventoryError(err)
    }
  }

  /** In one transaction, rolled back when it throws. */
  #write<T>(run: (sql: Sql) => Promise<T>): Promise<T> {
    return this.#read(() => inTransaction(this.#pool, run))
  }
}

async function tenantOf(sql: Sql, tenantId: string, lock = ''): Promise<Tenant> {
  assertId('tenantId', tenantId)
  const row = await sql.row<TenantRow>(`${S.tenantGet}${lock}`, [tenantId])
  if (row === undefined) throw new NotFoundError('tenant', { tenantId })
  return tenantFromRow(row)
}

async function groupOf(sql: Sql, tenantId: string, name: string, lock = ''): Promise<HostGroup | undefined> {
  assertGroupKey(tenantId, name)
  const row = await sql.row<GroupRow>(`${GROUP_SQL.get}${lock}`, [tenantId, name])
  return row === undefined ? undefined : groupFromRow(row)
}
