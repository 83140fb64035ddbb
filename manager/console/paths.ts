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
  apiDocs: DOCS_PREFIX,
} as const
