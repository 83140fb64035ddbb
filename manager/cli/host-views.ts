import type { AcmEligibilityView } from '../api/routes/host-acm.ts'
import type { EffectivePolicyView } from '../api/policy-views.ts'
import type { AuditEventView, HostView } from '../api/views.ts'
import { controlModeText } from '../api/control-mode-text.ts'
import { powerCell, powerDetails } from './power-text.ts'
import { formatFields, formatTable, type Column } from './table.ts'

/** How hosts and their events look in the terminal. */

const hostColumns = (now: number): Column<HostView>[] => [
  { header: 'TENANT', value: (host) => host.tenantId },
  { header: 'HOST', value: (host) => host.hostId },
  { header: 'SKU', value: (host) => host.sku },
  { header: 'DESIRED', value: (host) => host.desiredState },
  { header: 'CURRENT', value: (host) => host.currentState },
  { header: 'INDICATOR', value: (host) => host.statusIndicator },
  { header: 'GEN', value: (host) => `${host.observedGeneration}/${host.desiredGeneration}` },
  { header: 'ONLINE', value: (host) => (host.online ? 'yes' : 'no') },
  { header: 'POWER', value: (host) => powerCell(host, now) },
  { header: 'STATUS', value: (host) => host.status, maxWidth: 60 },
]

/** `now`: for the age of each power state reading. */
export const hostTable = (hosts: readonly HostView[], now = Date.now()): string => formatTable(hostColumns(now), hosts)

/** `acm`: the host's ACM eligibility (GET …/acm-eligibility), shown when given. */
export function hostDetails(
  host: HostView,
  now = Date.now(),
  acm?: AcmEligibilityView,
  policy?: EffectivePolicyView,
): string {
  const capability = host.capability
  return formatFields([
    ['tenant', host.tenantId],
    ['host', host.hostId],
    ['name', host.name],
    ['sku', host.sku],
    ['desired state', host.desiredState],
    ['current state', host.currentState],
    ['status', host.status],
    ['indicator', host.statusIndicator],
    ['status time', new Date(host.statusTimestamp * 1000).toISOString()],
    ['control mode', controlModeLine(host)],
    ['dns suffix', host.dnsSuffix || '-'],
    ['generation', `observed ${host.observedGeneration} of desired ${host.desiredGeneration}`],
    ['agent phase', host.phase ?? '-'],
    ['online', host.online ? 'yes' : 'no'],
    ['last seen', host.lastSeen ?? 'never'],
    ['agent', host.agentKind],
    [
      'amt version',
      typeof capability?.amtVersion === 'string' && capability.amtVersion !== '' ? capability.amtVersion : '-',
    ],
    ['amt uuid', amtUuidText(host.identity)],
    ...(acm ? [['acm eligibility', acmText(acm)] as [string, string]] : []),
    ['labels', labelsText(host.labels)],
    ...(policy ? [['policy', policyText(policy)] as [string, string]] : []),
    ...powerDetails(host, now),
    ['password rotation', rotationText(host.rotation)],
    ['deletion', host.deletion],
  ])
}

/** "asked ACM, AMT reports CCM (differs: …)" when AMT is in the other mode than asked. */
function controlModeLine(host: HostView): string {
  const { text, differs } = controlModeText(host.controlMode, host.reportedControlMode)
  return differs ? `${text} (differs)` : text
}

/** The last AMT password rotation in one line (never a password). */
function rotationText(rotation: HostView['rotation']): string {
  if (rotation === null) return '-'
  const when = rotation.settledAt ?? rotation.requestedAt
  const copy =
    rotation.state === 'confirmed' && rotation.mpsCopy === 'pending'
      ? ', MPS copy pending'
      : rotation.mpsCopy === null
        ? ''
        : `, MPS copy ${rotation.mpsCopy}`
  const reason = rotation.state === 'failed' && rotation.reason ? ` — ${rotation.reason}` : ''
  const restored =
    rotation.restoredAt === undefined ? '' : `; AMT had taken it: current again since ${rotation.restoredAt}`
  return `${rotation.state} at ${when} (version ${rotation.newVersion}${copy}${restored})${reason}`
}

function acmText(acm: AcmEligibilityView): string {
  if (!acm.eligible) return `no — ${acm.reason ?? 'unknown'}: ${acm.message ?? ''}`
  const via = acm.via
    ? ` (suffix ${acm.via.suffix} from ${acm.via.suffixSource}, certificate ${acm.via.certificate})`
    : ''
  return `yes${via}${acm.warning ? `; warning: ${acm.warning.message}` : ''}`
}

export const labelsText = (labels: Record<string, string>): string =>
  Object.keys(labels).length === 0
    ? '-'
    : Object.entries(labels)
        .map(([key, value]) => `${key}=${value}`)
        .join(', ')

export const amtPolicyText = (policy: { amt: string; acmFallback?: string }): string =>
  policy.acmFallback === undefined ? policy.amt : `${policy.amt} (fallback ${policy.acmFallback})`

/** `ccm from group:berlin → PROVISIONED CCM` (with the drift), or `none — NOT_MANAGED: <why>`. */
function policyText(effective: EffectivePolicyView): string {
  const policy = effective.policy === null ? 'none' : amtPolicyText(effective.policy)
  const head = `${policy} from ${effective.source}`
  const reason = effective.reason ? ` — ${effective.reason.code}: ${effective.reason.message}` : ''
  if (effective.target === null) return `${head}: nothing to apply${reason}`
  const target = [effective.target.state, effective.target.controlMode].filter(Boolean).join(' ')
  return `${head} → ${target}${effective.drift ? ' (drift: desired differs)' : ''}${reason}`
}

function amtUuidText(identity: HostView['identity']): string {
  if (identity === null) return '-'
  return identity.matches
    ? `${identity.amtUuid} (matches the host id)`
    : `${identity.amtUuid} (MISMATCH: differs from the host id)`
}

const EVENT_COLUMNS: Column<AuditEventView>[] = [
  { header: 'TIME', value: (event) => event.ts },
  { header: 'KIND', value: (event) => event.kind },
  { header: 'ACTOR', value: (event) => event.actor },
  {
    header: 'DETAIL',
    value: (event) => (event.detail === null || event.detail === undefined ? '' : JSON.stringify(event.detail)),
    maxWidth: 80,
  },
]

export const eventTable = (events: readonly AuditEventView[]): string => formatTable(EVENT_COLUMNS, events)
