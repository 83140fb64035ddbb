import type { ExecutionContext } from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { createDispatcher } from '../../../manager/bus/dispatch.ts'
import type { AgentLeaf, BodyOf } from '../../../schemas/index.ts'
import { AgentMessages } from '../../helpers/manager-core.ts'
import { startApi, type ApiHarness } from '../api/api-harness.ts'

export const TENANT = 'acme'

type AgentSender = <L extends AgentLeaf>(leaf: L, body: BodyOf<L>) => Promise<void>

export interface HostPageHarness {
  api: ApiHarness
  tokens: { viewer: string; operator: string; admin: string }
  /** Registers a host (in Inventory) and returns a sender of its agent's messages through the real dispatcher. */
  host(hostId: string): Promise<AgentSender>
  /** GET a console or API path as a role. */
  get(path: string, role?: keyof HostPageHarness['tokens']): ReturnType<ApiHarness['request']>
}

/** The API with the console over a real core; agent reports go through the MQTT dispatcher and are ingested. */
export async function startHostPage(t: ExecutionContext): Promise<HostPageHarness> {
  const api = await startApi(t, { console: true })
  await api.inventory.createTenant({ tenantId: TENANT })
  await api.inventory.createTenant({ tenantId: 'other' })
  const tokens = {
    viewer: await api.token('viewer', TENANT, 'vera'),
    operator: await api.token('operator', TENANT, 'otto'),
    admin: await api.token('admin', TENANT, 'ada'),
  }
  const dispatch = createDispatcher({ record: api.core.record, log: silentLogger(), metrics: api.metrics })
  return {
    api,
    tokens,
    host: async (hostId) => {
      await api.inventory.createHost({ tenantId: TENANT, hostId, name: `${hostId}-name` })
      const messages = new AgentMessages({ tenantId: TENANT, hostId })
      const send: AgentSender = async (leaf, body) => {
        const { topic, payload } = messages.encode(leaf, body)
        const outcome = await dispatch(topic, payload, false)
        if (outcome.outcome === 'rejected') throw new Error(`agent message rejected: ${outcome.reason}`)
        await api.core.idle()
      }
      return send
    },
    get: (path, role = 'admin') => api.request('GET', path, { token: tokens[role] }),
  }
}

/** The inner HTML of the first element with this data-testid (up to its first closing tag of the same name). */
export function byTestId(html: string, testId: string): string | undefined {
  const open = new RegExp(`<(\\w+)[^>]*data-testid="${testId}"[^>]*>`).exec(html)
  if (open === null) return undefined
  const rest = html.slice(open.index + open[0].length)
  const close = rest.indexOf(`</${open[1]}>`)
  return close === -1 ? rest : rest.slice(0, close)
}

/** The text of an HTML snippet: tags dropped, entities of the renderer decoded. */
export function textOf(html: string | undefined): string {
  return (html ?? '')
    .replace(/<[^>]+>/g, '')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}
