import type { ComponentChildren } from 'preact'
import { controlModeText } from '../../api/control-mode-text.ts'
import type { HostView } from '../../api/views.ts'

/** How the host page shows values: times with their age, yes/no, JSON for structures; "none" for null. */

const NONE = <span class="muted">none</span>

/** "42 s ago", "5 min ago", "3 h ago", "2 d ago" (or "in …" for a time ahead of the clock). */
function ageOf(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso)
  const abs = Math.abs(ms)
  const [amount, unit] =
    abs < 60_000
      ? [abs / 1000, 's']
      : abs < 3_600_000
        ? [abs / 60_000, 'min']
        : abs < 86_400_000
          ? [abs / 3_600_000, 'h']
          : [abs / 86_400_000, 'd']
  const text = `${Math.floor(amount)} ${unit}`
  return ms >= 0 ? `${text} ago` : `in ${text}`
}

function Time({ iso, now }: { iso: string | null; now: Date }) {
  if (iso === null) return NONE
  return (
    <>
      <time dateTime={iso}>{iso}</time> <span class="muted">{`(${ageOf(iso, now)})`}</span>
    </>
  )
}

function Json({ value }: { value: unknown }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>
}

/** A plain value: a string, number or boolean as text, null as "none", anything else as JSON. */
function Plain({ value }: { value: unknown }): ComponentChildren {
  if (value === null || value === undefined) return NONE
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  if (typeof value === 'string') return value === '' ? <span class="muted">(empty)</span> : value
  if (typeof value === 'number') return String(value)
  return <Json value={value} />
}

const TIME_FIELDS = new Set(['createdAt', 'updatedAt', 'lastSeen', 'activationRequestedAt', 'powerStateReadAt'])

/** One field of the host view as the page shows it. */
export function FieldValue({ field, view, now }: { field: string; view: HostView; now: Date }) {
  const value: unknown = (view as Record<string, unknown>)[field]
  if (TIME_FIELDS.has(field)) return <Time iso={typeof value === 'string' ? value : null} now={now} />
  switch (field) {
    case 'statusTimestamp':
      return view.statusTimestamp === 0 ? (
        NONE
      ) : (
        <Time iso={new Date(view.statusTimestamp * 1000).toISOString()} now={now} />
      )
    case 'online':
      return <span class={view.online ? 'state-ok' : 'state-na'}>{view.online ? 'online' : 'offline'}</span>
    case 'powerAction':
      return <PowerAction view={view} now={now} />
    case 'reportedControlMode':
      return <ReportedControlMode view={view} />
    case 'rotation':
      return <Rotation view={view} now={now} />
    case 'identity':
      return <Identity view={view} />
    case 'capability':
      return <CapabilityReport view={view} />
    default:
      return <Plain value={value} />
  }
}

function PowerAction({ view, now }: { view: HostView; now: Date }) {
  const action = view.powerAction
  if (action === null) return NONE
  const tone = action.outcome === 'failed' ? 'state-bad' : action.outcome === 'pending' ? 'state-warn' : 'state-ok'
  return (
    <>
      {`${action.requested}: `}
      <span class={tone} data-testid="power-action-outcome">
        {action.outcome}
      </span>
      {` · ${action.message} · `}
      <Time iso={action.at} now={now} />
    </>
  )
}

/** What AMT reports beside what was asked, a difference in words (never colour alone). */
function ReportedControlMode({ view }: { view: HostView }) {
  const { text, differs } = controlModeText(view.controlMode, view.reportedControlMode)
  return (
    <>
      {view.reportedControlMode ?? <span class="muted">not reported yet</span>}{' '}
      <span class={differs ? 'state-warn' : 'muted'} data-testid="control-mode-comparison">
        {differs ? `(differs: ${text})` : `(${text})`}
      </span>
    </>
  )
}

const ROTATION_TONES = { pending: 'state-warn', confirmed: 'state-ok', failed: 'state-bad' } as const

/** The last password rotation as the API shows it (rotation-views.ts): never a password, only its version number. */
function Rotation({ view, now }: { view: HostView; now: Date }) {
  const rotation = view.rotation
  if (rotation === null) return <span class="muted">never rotated</span>
  return (
    <dl class="fields nested" data-testid="rotation">
      <div>
        <dt>State</dt>
        <dd class={ROTATION_TONES[rotation.state]} data-testid="rotation-state">
          {rotation.state}
        </dd>
      </div>
      <div>
        <dt>Requested</dt>
        <dd>
          <Time iso={rotation.requestedAt} now={now} />
          {` by ${rotation.actor}`}
        </dd>
      </div>
      <div>
        <dt>Settled</dt>
        <dd>
          <Time iso={rotation.settledAt} now={now} />
        </dd>
      </div>
      {rotation.reason === null ? null : (
        <div>
          <dt>Reason</dt>
          <dd data-testid="rotation-reason">{rotation.reason}</dd>
        </div>
      )}
      <div>
        <dt>New password</dt>
        <dd>{`version ${rotation.newVersion} of the host's secret`}</dd>
      </div>
      {rotation.restoredAt === undefined ? null : (
        <div>
          <dt>Restored</dt>
          <dd data-testid="rotation-restored">
            <Time iso={rotation.restoredAt} now={now} />
            {' (AMT had taken the new password: current again)'}
          </dd>
        </div>
      )}
      <div>
        <dt>MPS copy</dt>
        <dd data-testid="rotation-mps-copy">
          {rotation.mpsCopy ?? <span class="muted">not yet (until confirmed)</span>}
        </dd>
      </div>
    </dl>
  )
}

function Identity({ view }: { view: HostView }) {
  const identity = view.identity
  if (identity === null) return <span class="muted">not reported yet (no AMT UUID from the agent)</span>
  return (
    <>
      <code>{identity.amtUuid}</code>{' '}
      <span class={identity.matches ? 'state-ok' : 'state-bad'} data-testid="identity-match">
        {identity.matches ? 'matches the host id' : 'differs from the host id'}
      </span>
    </>
  )
}

/** The agent's last capability report: a definition list of its fields, and the report as JSON. */
function CapabilityReport({ view }: { view: HostView }) {
  const report = view.capability
  if (report === null) return <span class="muted">no capability report yet</span>
  return (
    <>
      <dl class="fields nested">
        {Object.entries(report).map(([key, value]) => (
          <div key={key}>
            <dt>{key}</dt>
            <dd data-testid={`capability-${key}`}>
              <Plain value={value} />
            </dd>
          </div>
        ))}
      </dl>
      <details>
        <summary>The report as JSON</summary>
        <Json value={report} />
      </details>
    </>
  )
}
