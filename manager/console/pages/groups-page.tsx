import type { GroupSelector, HostGroup } from '../../inventory/amt-policy.ts'
import type { PageFrame } from '../page-frame.ts'
import { Layout } from './layout.tsx'
import { policyText } from './host-policy.tsx'
import { consolePaths } from '../paths.ts'

export interface GroupRow {
  group: HostGroup
  /** Hosts whose policy comes from this group and whose desired differs from it (GET …/groups/{name}/drift). */
  drift: number
}

export const selectorText = ({ labels, facts }: GroupSelector): string => {
  const parts = [
    ...Object.entries(labels ?? {}).map(([key, value]) => `${key}=${value}`),
    ...Object.entries(facts ?? {}).map(([key, value]) => `${key}: ${String(value)}`),
  ]
  return parts.length === 0 ? 'every host' : parts.join(', ')
}

/**
 * A tenant's host groups in the order they decide (priority, then name): selector, policy, drift; each name links to
 * the group's page (its drift and, for operators, "roll out this group's policy"). Groups are edited through the API
 * (PUT …/groups/{name}) or `amt-manager groups set` (docs/policy.md).
 */
export function GroupsPage({ frame, tenantId, rows }: { frame: PageFrame; tenantId: string; rows: GroupRow[] }) {
  return (
    <Layout title={`Groups of ${tenantId}`} tenantId={tenantId} {...frame}>
      <h1>{`Groups of ${tenantId}`}</h1>
      {rows.length === 0 ? (
        <p data-testid="no-groups">
          No group yet: create one with the API (PUT …/groups/{'{name}'}) or `amt-manager groups set`.
        </p>
      ) : (
        <table data-testid="groups-table">
          <caption>In the order they decide a host's policy: lower priority first, then by name</caption>
          <thead>
            <tr>
              <th scope="col">group</th>
              <th scope="col">priority</th>
              <th scope="col">selector</th>
              <th scope="col">policy</th>
              <th scope="col">drift</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ group, drift }) => (
              <tr key={group.name} id={`group-${group.name}`} data-testid={`group-${group.name}`}>
                <th scope="row">
                  <a href={consolePaths.group(tenantId, group.name)}>{group.name}</a>
                </th>
                <td>{String(group.priority)}</td>
                <td>{selectorText(group.selector)}</td>
                <td>{policyText(group.policy)}</td>
                <td data-testid={`drift-${group.name}`}>{drift === 0 ? '0' : `${drift} hosts differ`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  )
}
