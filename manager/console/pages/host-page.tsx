import { hasRole } from '../../api/auth.ts'
import type { HostView } from '../../api/views.ts'
import type { PageFrame } from '../page-frame.ts'
import { consolePaths } from '../paths.ts'
import { HostActions } from './host-actions.tsx'
import type { AmtSummary } from './host-amt-summary.ts'
import { HostAuditPanel, type AuditPage, type AuditQuery } from './host-audit.tsx'
import { DeletedHostPanel, HostFieldsPanel } from './host-fields.tsx'
import { Layout } from './layout.tsx'
import { HostPolicyPanel, type HostPolicy } from './host-policy.tsx'

export interface HostPageProps {
  frame: PageFrame
  tenantId: string
  hostId: string
  /** The host and its summary; null when it was deleted (its audit trail is still shown). */
  host: { view: HostView; summary: AmtSummary } | null
  /** Its labels and effective policy; null when it was deleted. */
  policy: HostPolicy | null
  audit: { query: AuditQuery; page: AuditPage }
  now: Date
}

/**
 * One host: every field, its actions by role, what arrived live while the page is open, and its audit trail. The
 * page script (client/host-page.ts) finds it by data-host-page, follows the tenant's host changes and re-fetches the
 * fields panel and the first audit page from the fragment URLs given here.
 */
export function HostPage({ frame, tenantId, hostId, host, policy, audit, now }: HostPageProps) {
  const canAct = host !== null && hasRole(frame.principal, 'operator')
  const auditFragment = consolePaths.hostFragment(tenantId, hostId, 'audit')
  const auditClass = audit.query.class === undefined ? '' : `?class=${audit.query.class}`
  const title = `Host ${host?.view.name ?? hostId}`
  return (
    <Layout title={title} tenantId={tenantId} {...frame}>
      <div
        class="host-page"
        data-testid="host-page"
        data-host-page=""
        data-tenant-id={tenantId}
        data-host-id={hostId}
        data-fields-url={consolePaths.hostFragment(tenantId, hostId, 'fields')}
        data-audit-url={`${auditFragment}${auditClass}`}
        data-api-host={`/api/v1/tenants/${encodeURIComponent(tenantId)}/hosts/${encodeURIComponent(hostId)}`}
      >
        <p class="crumbs">
          <a href={consolePaths.hosts(tenantId)}>{`Hosts of ${tenantId}`}</a>
        </p>
        <h1>
          {`${title} `}
          <code data-testid="host-id">{hostId}</code>
        </h1>
        <p class="muted">
          {'Live updates: '}
          <span data-testid="live-state" data-slot="live-state">
            off (the page script has not started)
          </span>
        </p>
        {host === null ? (
          <DeletedHostPanel hostId={hostId} />
        ) : (
          <HostFieldsPanel view={host.view} summary={host.summary} now={now} />
        )}
        {policy === null ? null : <HostPolicyPanel tenantId={tenantId} policy={policy} />}
        {canAct ? (
          <HostActions
            hostId={hostId}
            admin={hasRole(frame.principal, 'admin')}
            provisioned={host.view.currentState === 'PROVISIONED'}
          />
        ) : null}
        <section aria-labelledby="live-events-title" data-testid="live-events-panel">
          <h2 id="live-events-title">Live events</h2>
          <p class="muted" data-slot="live-events-empty">
            Changes of this host that arrive while the page is open are listed here, newest first.
          </p>
          <ol class="live-events" data-testid="live-events" data-slot="live-events" />
        </section>
        <HostAuditPanel tenantId={tenantId} hostId={hostId} query={audit.query} page={audit.page} />
      </div>
    </Layout>
  )
}
