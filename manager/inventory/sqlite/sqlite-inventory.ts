import type { AcmCertificateSource, PutAcmCertificateInput, StoredAcmCertificate } from '../acm-certificate.ts'
import {
  ACM_CERTIFICATE_SQL,
  acmCertificateFromRow,
  acmCertificateRow,
  assertAcmSource,
  type AcmCertificateRow,
} from '../sql/acm-certificate-sql.ts'
import type Database from 'better-sqlite3'
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
import { AuditStore } from './audit-store.ts'
import { HostQuery } from './host-query.ts'
import { HostStore } from './host-store.ts'
import { newCredential, newTenant, patchedTenant, tenantNotEmpty } from '../sql/records.ts'
import { credentialFromRow, credentialToRow, tenantFromRow, tenantToRow } from '../sql/rows.ts'
import { asInventoryError, isUniqueViolation } from './sqlite-error.ts'
import { prepareStatements, type Statements } from './statements.ts'

/**
 * The Inventory on one better-sqlite3 connection. Calls run synchronously inside the returned promise; every
 * write runs in one IMMEDIATE transaction (the write lock is taken up front, so concurrent writers on the same
 * file wait up to the busy timeout instead of failing half way).
 */
export class SqliteInventory implements Inventory {
  readonly #db: Database.Database
  readonly #s: Statements
  readonly #hosts: HostStore
  readonly #query: HostQuery
  readonly #audit: AuditStore
  readonly #now: () => Date
  readonly #transaction: Database.Transaction<(run: () => unknown) => unknown>

  constructor(db: Database.Database, now: () => Date = () => new Date()) {
    this.#db = db
    this.#now = now
    this.#s = prepareStatements(db)
    this.#query = new HostQuery(db)
    this.#hosts = new HostStore(db, this.#s, this.#query, now)
    this.#audit = new AuditStore(db)
    this.#transaction = db.transaction((run: () => unknown) => run())
  }

  createTenant(input: CreateTenantInput): Promise<Tenant> {
    return this.#write(() => {
      const tenant = newTenant(input, this.#now())
      try {
        this.#s.tenantInsert.run(tenantToRow(tenant))
      } catch (err) {
        if (isUniqueViolation(err)) throw new AlreadyExistsError('tenant', { tenantId: tenant.tenantId })
        throw err
      }
      return tenant
    })
  }

  getTenant(tenantId: string): Promise<Tenant> {
    return this.#read(() => this.#tenant(tenantId))
  }

  listTenants(): Promise<Tenant[]> {
    return this.#read(() => this.#s.tenantList.all().map(tenantFromRow))
  }

  updateTenant(tenantId: string, patch: TenantPatch): Promise<Tenant> {
    return this.#write(() => {
      const tenant = patchedTenant(this.#tenant(tenantId), patch)
      this.#s.tenantUpdate.run(tenantToRow(tenant))
      return tenant
    })
  }

  deleteTenant(tenantId: string): Promise<void> {
    return this.#write(() => {
      this.#tenant(tenantId)
      if (this.#s.tenantHasHosts.get(tenantId) !== undefined) throw tenantNotEmpty(tenantId)
      this.#s.tenantDelete.run(tenantId)
    })
  }

  createHost(input: CreateHostInput): Promise<Host> {
    return this.#write(() => this.#hosts.insert(input))
  }

  createHosts(inputs: readonly CreateHostInput[]): Promise<Host[]> {
    return this.#write(() => this.#hosts.insertMany(inputs))
  }

  getHost(key: HostKey): Promise<Host> {
    return this.#read(() => this.#hosts.get(key))
  }

  findHost(key: HostKey): Promise<Host | null> {
    return this.#read(() => this.#hosts.find(key))
  }

  findHosts(keys: readonly HostKey[]): Promise<(Host | null)[]> {
    return this.#read(() => this.#hosts.findMany(keys))
  }

  listHosts(request?: HostPageRequest): Promise<HostPage> {
    return this.#read(() => this.#query.page(request ?? {}))
  }

  updateHost(key: HostKey, patch: HostPatch, options: WriteOptions = {}): Promise<Host> {
    return this.#write(() => this.#hosts.update({ key, patch, expectedVersion: options.expectedVersion }))
  }

  updateHosts(updates: readonly HostUpdate[], audit?: AuditOfStored): Promise<Host[]> {
    return this.#write(() => this.#audited(this.#hosts.updateMany(updates), audit))
  }

  setDesiredMany(targets: DesiredTargets, patch: HostPatch, audit?: AuditOfStored): Promise<Host[]> {
    return this.#write(() => this.#audited(this.#hosts.setDesiredMany(targets, patch), audit))
  }

  /** Appends the write's audit events in its transaction. */
  #audited(stored: Host[], audit: AuditOfStored | undefined): Host[] {
    const events = audit?.(stored) ?? []
    if (events.length > 0) this.#audit.append(events, this.#now().toISOString())
    return stored
  }

  deleteHost(key: HostKey, options: WriteOptions = {}): Promise<void> {
    return this.#write(() => this.#hosts.delete(key, options.expectedVersion))
  }

  countHosts(filter: { tenantId?: string } = {}): Promise<StateCount[]> {
    return this.#read(() => this.#hosts.count(filter.tenantId))
  }

  summarizeHosts(tenantId: string, filter?: HostSummaryFilter): Promise<HostSummary> {
    return this.#read(() => {
      assertId('tenantId', tenantId)
      return this.#query.summary(tenantId, filter)
    })
  }

  putCredential(input: PutCredentialInput): Promise<DeviceCredential> {
    return this.#write(() => {
      const credential = newCredential(input, this.#now())
      this.#hosts.get(credential)
      try {
        this.#s.credentialUpsert.run(credentialToRow(credential))
      } catch (err) {
        if (isUniqueViolation(err)) throw new AlreadyExistsError('credential', { username: input.username })
        throw err
      }
      return credential
    })
  }

  getCredentialByUsername(username: string): Promise<DeviceCredential | null> {
    return this.#read(() => {
      const row = this.#s.credentialByUsername.get(username)
      return row === undefined ? null : credentialFromRow(row)
    })
  }

  replaceCredentialHash(username: string, expectedHash: string, passwordHash: string): Promise<boolean> {
    return this.#write(() => this.#s.credentialRehash.run(passwordHash, username, expectedHash).changes === 1)
  }

  deleteCredential(key: HostKey): Promise<void> {
    return this.#write(() => {
      assertKey(key)
      const { changes } = this.#s.credentialDelete.run(key.tenantId, key.hostId)
      if (changes === 0) throw new NotFoundError('credential', { tenantId: key.tenantId, hostId: key.hostId })
    })
  }

  appendAudit(events: readonly AppendAuditInput[]): Promise<AuditEvent[]> {
    return this.#write(() => this.#audit.append(events, this.#now().toISOString()))
  }

  listAudit(tenantId: string, query: AuditQuery = {}): Promise<AuditEvent[]> {
    return this.#read(() => this.#audit.list(tenantId, query))
  }

  pruneAuditOlderThan(auditClass: AuditClass, before: string, limit: number): Promise<number> {
    return this.#write(() => this.#audit.pruneOlderThan(auditClass, before, limit))
  }

  pruneAuditOverCount(request: AuditCountPrune): Promise<{ deleted: number; next: AuditPruneCursor | null }> {
    return this.#write(() => this.#audit.pruneOverCount(request))
  }

  putGroup(input: PutGroupInput, options: GroupWriteOptions = {}): Promise<HostGroup> {
    return this.#write(() => {
      this.#tenant(input.tenantId)
      const group = nextGroup(this.#group(input.tenantId, input.name), input, options.expectedVersion, this.#now())
      this.#db.prepare(GROUP_SQL.upsert).run(groupToRow(group))
      this.#groupAudited(group, options.audit)
      return group
    })
  }

  getGroup(tenantId: string, name: string): Promise<HostGroup> {
    return this.#read(() => this.#group(tenantId, name) ?? throwIt(groupNotFound(tenantId, name)))
  }

  listGroups(tenantId: string): Promise<HostGroup[]> {
    return this.#read(() => {
      assertId('tenantId', tenantId)
      return this.#db.prepare<unknown[], GroupRow>(GROUP_SQL.list).all(tenantId).map(groupFromRow)
    })
  }

  deleteGroup(tenantId: string, name: string, options: Pick<GroupWriteOptions, 'audit'> = {}): Promise<void> {
    return this.#write(() => {
      const group = this.#group(tenantId, name) ?? throwIt(groupNotFound(tenantId, name))
      this.#db.prepare(GROUP_SQL.delete).run(tenantId, name)
      this.#groupAudited(group, options.audit)
    })
  }

  putAcmCertificate(
    input: PutAcmCertificateInput,
    options: { audit?: readonly AppendAuditInput[] } = {},
  ): Promise<StoredAcmCertificate> {
    return this.#write(() => {
      this.#tenant(input.tenantId)
      const row = acmCertificateRow(input, this.#now())
      this.#db.prepare(ACM_CERTIFICATE_SQL.upsert).run(row)
      if (options.audit && options.audit.length > 0) this.#audit.append(options.audit, row.updated_at)
      return acmCertificateFromRow(row)
    })
  }

  listAcmCertificates(tenantId: string): Promise<StoredAcmCertificate[]> {
    return this.#read(() => {
      assertId('tenantId', tenantId)
      const rows = this.#db.prepare<unknown[], AcmCertificateRow>(ACM_CERTIFICATE_SQL.list).all(tenantId)
      return rows.map(acmCertificateFromRow)
    })
  }

  deleteAcmCertificate(
    tenantId: string,
    source: AcmCertificateSource,
    options: { audit?: readonly AppendAuditInput[] } = {},
  ): Promise<boolean> {
    return this.#write(() => {
      assertId('tenantId', tenantId)
      assertAcmSource(source)
      const deleted = this.#db.prepare(ACM_CERTIFICATE_SQL.delete).run(tenantId, source).changes > 0
      if (deleted && options.audit && options.audit.length > 0)
        this.#audit.append(options.audit, this.#now().toISOString())
      return deleted
    })
  }

  /** Appends a group write's audit events in its transaction. */
  #groupAudited(group: HostGroup, audit: AuditOfGroup | undefined): void {
    const events = audit?.(group) ?? []
    if (events.length > 0) this.#audit.append(events, this.#now().toISOString())
  }

  #group(tenantId: string, name: string): HostGroup | undefined {
    assertGroupKey(tenantId, name)
    const row = this.#db.prepare<unknown[], GroupRow>(GROUP_SQL.get).get(tenantId, name)
    return row === undefined ? undefined : groupFromRow(row)
  }

  /** Idempotent. */
  close(): Promise<void> {
    if (!this.#db.open) return Promise.resolve()
    return this.#read(() => {
      try {
        this.#db.pragma('optimize')
      } finally {
        this.#db.close()
      }
    })
  }

  #tenant(tenantId: string): Tenant {
    assertId('tenantId', tenantId)
    const row = this.#s.tenantGet.get(tenantId)
    if (row === undefined) throw new NotFoundError('tenant', { tenantId })
    return tenantFromRow(row)
  }

  /** Runs a read now; a throw becomes a rejection. */
  #read<T>(run: () => T): Promise<T> {
    try {
      if (!this.#db.open) throw new InventoryError('INVENTORY_CLOSED', 'the inventory is closed')
      return Promise.resolve(run())
    } catch (err) {
      return Promise.reject(asInventoryError(err))
    }
  }

  /** Runs a write now, in one IMMEDIATE transaction (rolled back when it throws). */
  #write<T>(run: () => T): Promise<T> {
    return this.#read(() => this.#transaction.immediate(run) as T)
  }
}

const throwIt = (err: Error): never => {
  throw err
}
