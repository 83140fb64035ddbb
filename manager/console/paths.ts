import { DOCS_PREFIX } from '../api/docs-ui.ts'

/** The console's URLs, built in one place (pages link with them, routes register their patterns). */
export const CONSOLE_PREFIX = '/console'

const segment = (value: string): string => encodeURIComponent(value)

export const consolePaths = {
  home: CONSOLE_PREFIX,
  signIn: `${CONSOLE_PREFIX}/sign-in`,
  signOut: `${CONSOLE_PREFIX}/sign-out`,
  tenants: `${CONSOLE_PREFIX}/tenants`,
  asset: (name: string) => `${CONSOLE_PREFIX}/assets/${segment(name)}`,
  overview: (tenantId: string) => `${CONSOLE_PREFIX}/tenants/${segment(tenantId)}`,
  hosts: (tenantId: string) => `${CONSOLE_PREFIX}/tenants/${segment(tenantId)}/hosts`,
  host: (tenantId: string, hostId: string) => `${CONSOLE_PREFIX}/tenants/${segment(tenantId)}/hosts/${segment(hostId)}`,
  /** The host page's fragments (fields panel, first page of the audit trail), re-fetched on a live change. */
  hostFragment: (tenantId: string, hostId: string, name: 'fields' | 'audit') =>
    `${CONSOLE_PREFIX}/tenants/${segment(tenantId)}/hosts/${segment(hostId)}/fragments/${name}`,
  /** Fragments the page scripts re-fetch after live changes: the overview's numbers, the wave, a table row. */
  counts: (tenantId: string) => `${CONSOLE_PREFIX}/tenants/${segment(tenantId)}/counts`,
  progress: (tenantId: string) => `${CONSOLE_PREFIX}/tenants/${segment(tenantId)}/progress`,
  hostRow: (tenantId: string, hostId: string) =>
    `${CONSOLE_PREFIX}/tenants/${segment(tenantId)}/hosts/${segment(hostId)}/row`,
  groups: (tenantId: string) => `${CONSOLE_PREFIX}/tenants/${segment(tenantId)}/groups`,
  group: (tenantId: string, name: string) => `${CONSOLE_PREFIX}/tenants/${segment(tenantId)}/groups/${segment(name)}`,
  /** The JSON API call a group page's "roll out this group's policy" makes. */
  groupRolloutApi: (tenantId: string, name: string) =>
    `/api/v1/tenants/${segment(tenantId)}/groups/${segment(name)}/rollout`,
  rollouts: (tenantId: string) => `${CONSOLE_PREFIX}/tenants/${segment(tenantId)}/rollouts`,
  rollout: (tenantId: string, rolloutId: string) =>
    `${CONSOLE_PREFIX}/tenants/${segment(tenantId)}/rollouts/${segment(rolloutId)}`,
  /** The rollout page's live part (state, reason, counts, its operator's buttons), re-fetched on host changes. */
  rolloutProgress: (tenantId: string, rolloutId: string) =>
    `${CONSOLE_PREFIX}/tenants/${segment(tenantId)}/rollouts/${segment(rolloutId)}/progress`,
  /** The JSON API a rollout's buttons call (…/approve, …/pause, …/resume, …/cancel appended). */
  rolloutApi: (tenantId: string, rolloutId: string) =>
    `/api/v1/tenants/${segment(tenantId)}/rollouts/${segment(rolloutId)}`,
  /** The JSON API call the hosts page's bulk activation makes. */
  bulkApi: (tenantId: string) => `/api/v1/tenants/${segment(tenantId)}/amt/bulk`,
  /** The JSON API call the hosts page's "rotate the AMT password" makes (always a rollout). */
  rotateApi: (tenantId: string) => `/api/v1/tenants/${segment(tenantId)}/amt/rotate-password`,
  apiDocs: DOCS_PREFIX,
} as const
