import type { Tenant } from '../../inventory/port.ts'
import { consolePaths } from '../paths.ts'
import { Layout } from './layout.tsx'
import type { PageFrame } from '../page-frame.ts'

/** A global admin's start: every tenant, each linking to its overview. */
export function TenantsPage({ frame, tenants }: { frame: PageFrame; tenants: readonly Tenant[] }) {
  return (
    <Layout title="Tenants" {...frame}>
      <h1>Tenants</h1>
      {tenants.length === 0 ? (
        <p>No tenant yet: create one with the API or `amt-manager tenants create`.</p>
      ) : (
        <ul>
          {tenants.map((tenant) => (
            <li key={tenant.tenantId}>
              <a href={consolePaths.overview(tenant.tenantId)}>{tenant.tenantId}</a>
            </li>
          ))}
        </ul>
      )}
    </Layout>
  )
}
