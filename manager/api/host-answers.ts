import { z } from 'zod'
import { HostView } from './views.ts'

/*
 * The answers of the hosts routes (routes/hosts.ts), apart from the routes so the CLI's API client parses them
 * without loading what serves them (registration, the broker's credential store).
 */

export const Registered = z.object({
  host: HostView,
  mqtt: z
    .object({
      username: z.string().describe('`<hostId>@<tenantId>`'),
      password: z.string().describe('shown ONLY in this answer; the manager keeps its hash'),
      url: z.string().optional().describe('the broker agents connect to, when configured'),
    })
    .describe("the device's MQTT credential for the embedded broker"),
})

export const HostPage = z.object({
  hosts: z.array(HostView),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last page'),
  total: z.int().min(0).describe('how many hosts match the filter (on every page)'),
})
export const Deleted = z.object({
  outcome: z
    .enum(['deleted', 'pending'])
    .describe('deleted: gone; pending: removed once the agent reports AMT deactivated'),
})
