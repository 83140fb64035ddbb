import { z } from 'zod'
import { ErrorBody } from '../api/errors.ts'
import { BulkResult } from '../api/routes/host-amt.ts'
import { AcmEligibilityView } from '../api/routes/host-acm.ts'
import { EventPage } from '../api/routes/host-events.ts'
import { PowerActionAnswer, PowerStateAnswer } from '../api/routes/host-power.ts'
import { Deleted, HostPage, Registered } from '../api/host-answers.ts'
import { API_PREFIX } from '../api/server-paths.ts'
import { HostView, TenantView } from '../api/views.ts'
import { DriftPage, EffectivePolicyView, GroupView } from '../api/policy-views.ts'
import type { AmtPolicy, GroupSelector } from '../inventory/port.ts'
import { RolloutView } from '../api/rollout-schemas.ts'
import { ApplyView } from '../api/routes/policy-rollouts.ts'
import { CertificatesAnswer, RemovedAnswer, StoredCertificateView } from '../api/routes/tenant-acm-certificate.ts'
import { CliError } from './io.ts'
import { describeIssuesInline } from '../../schemas/issues.ts'

/**
 * A small typed client of the manager API (fetch). Answers are parsed with the server's own zod schemas; a
 * failure answer becomes a CliError `<CODE>: <message>`. The token goes only into the Authorization header.
 */
export interface ClientOptions {
  baseUrl: string
  token: string | undefined
  fetch: typeof fetch
}

export type HostQuery = {
  tenantId?: string
  desiredState?: string
  currentState?: string
  statusIndicator?: string
  sku?: string
  controlMode?: string
  online?: string
  phase?: string
  capability?: string
  condition?: string
  search?: string
  /** `key=value` or `key`, every one must hold. */
  label?: string[]
  sort?: string
  limit?: number
  cursor?: string
}
export type DesiredInput = {
  desiredAmtState: 'PROVISIONED' | 'UNPROVISIONED'
  amtControlMode?: 'ACM' | 'CCM'
  amtDnsSuffix?: string
  localDeactivation?: boolean
}

export function createApiClient({ baseUrl, token, fetch }: ClientOptions) {
  const root = `${baseUrl.replace(/\/+$/, '')}${API_PREFIX}`

  async function call<S extends z.ZodType>(
    schema: S,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<z.infer<S>> {
    if (token === undefined || token === '')
      throw new CliError('no API token: set AMT_MANAGER_TOKEN or pass --token', 2)
    let response: Response
    try {
      response = await fetch(`${root}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    } catch (err) {
      throw new CliError(`cannot reach the manager at ${baseUrl}: ${err instanceof Error ? err.message : String(err)}`)
    }
    const text = await response.text()
    const json = parseJson(text)
    if (!response.ok) {
      const failure = ErrorBody.safeParse(json)
      throw new CliError(failure.success ? `${failure.data.code}: ${failure.data.message}` : `HTTP ${response.status}`)
    }
    const parsed = schema.safeParse(json)
    if (parsed.success) return parsed.data
    throw new CliError(`unexpected answer from ${method} ${path}: ${describeIssuesInline(parsed.error, { max: 1 })}`)
  }

  const seg = encodeURIComponent
  return {
    listHosts(query: HostQuery) {
      const { tenantId, ...rest } = query
      const search = queryString(rest)
      return call(
        HostPage,
        'GET',
        tenantId === undefined ? `/hosts${search}` : `/tenants/${seg(tenantId)}/hosts${search}`,
      )
    },
    getHost: (tenantId: string, hostId: string) =>
      call(HostView, 'GET', `/tenants/${seg(tenantId)}/hosts/${seg(hostId)}`),
    acmEligibility: (tenantId: string, hostId: string) =>
      call(AcmEligibilityView, 'GET', `/tenants/${seg(tenantId)}/hosts/${seg(hostId)}/acm-eligibility`),
    hostEvents: (tenantId: string, hostId: string, limit: number) =>
      call(EventPage, 'GET', `/tenants/${seg(tenantId)}/hosts/${seg(hostId)}/events?limit=${limit}`),
    powerAction: (tenantId: string, hostId: string, action: string) =>
      call(PowerActionAnswer, 'POST', `/tenants/${seg(tenantId)}/hosts/${seg(hostId)}/power`, { action }),
    powerState: (tenantId: string, hostId: string) =>
      call(PowerStateAnswer, 'GET', `/tenants/${seg(tenantId)}/hosts/${seg(hostId)}/power`),
    registerHost: (
      tenantId: string,
      body: {
        hostId: string
        name?: string
        controlMode?: 'ACM' | 'CCM'
        dnsSuffix?: string
        labels?: Record<string, string>
      },
    ) => call(Registered, 'POST', `/tenants/${seg(tenantId)}/hosts`, body),
    deleteHost: (tenantId: string, hostId: string, force: boolean) =>
      call(Deleted, 'DELETE', `/tenants/${seg(tenantId)}/hosts/${seg(hostId)}${force ? '?force=true' : ''}`),
    setDesiredBulk: (
      tenantId: string,
      body: DesiredInput & ({ hostIds: string[] } | { filter: { label?: string[] } }),
    ) => call(BulkResult, 'POST', `/tenants/${seg(tenantId)}/amt/bulk`, body),
    rotatePassword: (tenantId: string, hostId: string) =>
      call(
        z.object({ rotationId: z.string(), host: HostView }),
        'POST',
        `/tenants/${seg(tenantId)}/hosts/${seg(hostId)}/amt/rotate-password`,
      ),
    editLabels: (tenantId: string, hostId: string, body: { set: Record<string, string>; remove: string[] }) =>
      call(HostView, 'PATCH', `/tenants/${seg(tenantId)}/hosts/${seg(hostId)}/labels`, body),
    setPolicyOverride: (tenantId: string, hostId: string, policy: AmtPolicy | null) =>
      call(HostView, 'PUT', `/tenants/${seg(tenantId)}/hosts/${seg(hostId)}/policy-override`, { policy }),
    hostPolicy: (tenantId: string, hostId: string) =>
      call(EffectivePolicyView, 'GET', `/tenants/${seg(tenantId)}/hosts/${seg(hostId)}/policy`),
    listGroups: (tenantId: string) =>
      call(z.object({ groups: z.array(GroupView) }), 'GET', `/tenants/${seg(tenantId)}/groups`),
    getGroup: (tenantId: string, name: string) =>
      call(GroupView, 'GET', `/tenants/${seg(tenantId)}/groups/${seg(name)}`),
    putGroup: (
      tenantId: string,
      name: string,
      body: { selector: GroupSelector; priority: number; policy: AmtPolicy },
    ) => call(GroupView, 'PUT', `/tenants/${seg(tenantId)}/groups/${seg(name)}`, body),
    deleteGroup: (tenantId: string, name: string) =>
      call(z.object({ deleted: z.literal(true) }), 'DELETE', `/tenants/${seg(tenantId)}/groups/${seg(name)}`),
    groupDrift: (tenantId: string, name: string, limit: number) =>
      call(DriftPage, 'GET', `/tenants/${seg(tenantId)}/groups/${seg(name)}/drift?limit=${limit}`),
    createRollout: (tenantId: string, body: object) =>
      call(RolloutView, 'POST', `/tenants/${seg(tenantId)}/rollouts`, body),
    rotatePasswords: (tenantId: string, body: object) =>
      call(RolloutView, 'POST', `/tenants/${seg(tenantId)}/amt/rotate-password`, body),
    applyGroupPolicy: (tenantId: string, group: string, body: object) =>
      call(ApplyView, 'POST', `/tenants/${seg(tenantId)}/groups/${seg(group)}/rollout`, body),
    listRollouts: (tenantId: string) =>
      call(z.object({ rollouts: z.array(RolloutView) }), 'GET', `/tenants/${seg(tenantId)}/rollouts`),
    getRollout: (tenantId: string, id: string) =>
      call(RolloutView, 'GET', `/tenants/${seg(tenantId)}/rollouts/${seg(id)}`),
    rolloutStep: (tenantId: string, id: string, step: string) =>
      call(RolloutView, 'POST', `/tenants/${seg(tenantId)}/rollouts/${seg(id)}/${seg(step)}`),
    listTenants: () => call(z.object({ tenants: z.array(TenantView) }), 'GET', '/tenants'),
    createTenant: (body: { tenantId: string; name?: string; passwordPolicy?: 'static' | 'random' }) =>
      call(TenantView, 'POST', '/tenants', body),
    setAcmCertificate: (tenantId: string, body: { chain: string; domainSuffix?: string }) =>
      call(StoredCertificateView, 'PUT', `/tenants/${seg(tenantId)}/acm/provisioning-certificate`, body),
    acmCertificates: (tenantId: string) =>
      call(CertificatesAnswer, 'GET', `/tenants/${seg(tenantId)}/acm/provisioning-certificate`),
    removeAcmCertificate: (tenantId: string) =>
      call(RemovedAnswer, 'DELETE', `/tenants/${seg(tenantId)}/acm/provisioning-certificate`),
  }
}

export type ApiClient = ReturnType<typeof createApiClient>

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function queryString(query: Record<string, string | number | string[] | undefined>): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    if (Array.isArray(value)) for (const item of value) params.append(name, item)
    else if (value !== undefined) params.set(name, String(value))
  }
  const text = params.toString()
  return text === '' ? '' : `?${text}`
}
