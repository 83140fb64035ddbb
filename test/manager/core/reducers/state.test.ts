import test from 'ava'
import type { HostPatch } from '../../../../manager/inventory/port.ts'
import type { PayloadOf } from '../../../../schemas/index.ts'
import { AgentMessages, metricValue, seedHost, startTestCore, TENANT } from '../../../helpers/manager-core.ts'

type StateBody = Omit<PayloadOf<'state'>, 'v' | 'ts' | 'hostId' | 'bootId' | 'seq'>

const REQUESTED_AT = new Date(Date.now() - 5_000).toISOString()

/** Host states before the report. Every desired patch is one generation. */
const BEFORE: Record<string, HostPatch[]> = {
  fresh: [],
  'activation asked (gen 1)': [{ desiredState: 'PROVISIONED', activationRequestedAt: REQUESTED_AT }],
  'deactivation asked (gen 2)': [
    { desiredState: 'PROVISIONED' },
    { desiredState: 'UNPROVISIONED', currentState: 'PROVISIONED', phase: 'PROVISIONED' },
  ],
  'activating (gen 2)': [
    { desiredState: 'PROVISIONED' },
    { desiredState: 'PROVISIONED', activationRequestedAt: REQUESTED_AT },
    {
      status: 'AMT Activation In Progress',
      statusIndicator: 'IN_PROGRESS',
      phase: 'ACTIVATING',
      observedGeneration: 2,
      currentState: 'UNPROVISIONED',
    },
  ],
}

const state = (phase: StateBody['phase'], observedGeneration: number, extra: Partial<StateBody> = {}): StateBody => ({
  phase,
  observedGeneration,
  controlMode: phase === 'PROVISIONED' ? 'CCM' : 'PRE_PROVISIONING',
  remoteStatus: null,
  ...extra,
})

const rpcError = {
  code: 1,
  name: 'ActivationFailed',
  message: 'activation failed: profile not found',
  class: 'permanent' as const,
}

interface Row {
  before: keyof typeof BEFORE
  report: StateBody
  expect: {
    phase: StateBody['phase']
    currentState: string
    status: string
    statusIndicator: string
    observedGeneration: number
    activationPending?: boolean
  }
}

/** The correlation table: host state × state report → stored fields (and the published status view). */
const TABLE: Record<string, Row> = {
  'never asked, reports UNPROVISIONED': {
    before: 'fresh',
    report: state('UNPROVISIONED', 0),
    expect: {
      phase: 'UNPROVISIONED',
      currentState: 'UNPROVISIONED',
      status: 'AMT not activated',
      statusIndicator: 'IDLE',
      observedGeneration: 0,
    },
  },
  'never asked, reports PROVISIONED': {
    before: 'fresh',
    report: state('PROVISIONED', 0),
    expect: {
      phase: 'PROVISIONED',
      currentState: 'PROVISIONED',
      status: 'AMT Activation Done',
      statusIndicator: 'IDLE',
      observedGeneration: 0,
    },
  },
  'never asked, amtinfo failed': {
    before: 'fresh',
    report: state('FAILED', 0, {
      controlMode: 'UNKNOWN',
      error: { code: 10, name: 'AmtInfoFailed', message: 'interrupted', class: 'transient' },
    }),
    expect: {
      phase: 'FAILED',
      currentState: 'UNSPECIFIED',
      status: 'AMT error: AmtInfoFailed: interrupted',
      statusIndicator: 'ERROR',
      observedGeneration: 0,
    },
  },
  'never asked, NOT_SUPPORTED': {
    before: 'fresh',
    report: state('NOT_SUPPORTED', 0, { controlMode: 'UNKNOWN', reason: 'no ME device' }),
    expect: {
      phase: 'NOT_SUPPORTED',
      currentState: 'UNPROVISIONED',
      status: 'AMT not supported: no ME device',
      statusIndicator: 'ERROR',
      observedGeneration: 0,
    },
  },
  'activation asked, ACTIVATING': {
    before: 'activation asked (gen 1)',
    report: state('ACTIVATING', 1),
    expect: {
      phase: 'ACTIVATING',
      currentState: 'UNPROVISIONED',
      status: 'AMT Activation In Progress',
      statusIndicator: 'IN_PROGRESS',
      observedGeneration: 1,
      activationPending: true,
    },
  },
  'activation asked, ACTIVATING after a transient failure (retry)': {
    before: 'activation asked (gen 1)',
    report: state('ACTIVATING', 1, {
      error: { code: 10, name: 'InterruptedSystemCall', message: 'retrying', class: 'transient' },
    }),
    expect: {
      phase: 'ACTIVATING',
      currentState: 'UNPROVISIONED',
      status: 'AMT Activation In Progress',
      statusIndicator: 'IN_PROGRESS',
      observedGeneration: 1,
      activationPending: true,
    },
  },
  'activation asked, ACTIVATING with an unknown control mode keeps the current state': {
    before: 'activation asked (gen 1)',
    report: state('ACTIVATING', 1, { controlMode: 'UNKNOWN' }),
    expect: {
      phase: 'ACTIVATING',
      currentState: 'UNSPECIFIED',
      status: 'AMT Activation In Progress',
      statusIndicator: 'IN_PROGRESS',
      observedGeneration: 1,
      activationPending: true,
    },
  },
  'activation asked, PROVISIONED': {
    before: 'activation asked (gen 1)',
    report: state('PROVISIONED', 1),
    expect: {
      phase: 'PROVISIONED',
      currentState: 'PROVISIONED',
      status: 'AMT Activation Done',
      statusIndicator: 'IDLE',
      observedGeneration: 1,
    },
  },
  'activation asked, FAILED with an rpc error': {
    before: 'activation asked (gen 1)',
    report: state('FAILED', 1, { error: rpcError, reason: 'activation failed: profile not found' }),
    expect: {
      phase: 'FAILED',
      currentState: 'UNPROVISIONED',
      status: 'AMT Activation Failed: ActivationFailed: activation failed: profile not found',
      statusIndicator: 'ERROR',
      observedGeneration: 1,
    },
  },
  'activation asked, FAILED without an rpc error': {
    before: 'activation asked (gen 1)',
    report: state('FAILED', 1, { reason: 'no RPS URL: set rpsUrl in desired or rps.url in the agent config' }),
    expect: {
      phase: 'FAILED',
      currentState: 'UNPROVISIONED',
      status: 'AMT Activation Failed: no RPS URL: set rpsUrl in desired or rps.url in the agent config',
      statusIndicator: 'ERROR',
      observedGeneration: 1,
    },
  },
  'deactivation asked, DEACTIVATING': {
    before: 'deactivation asked (gen 2)',
    report: state('DEACTIVATING', 2, { controlMode: 'CCM' }),
    expect: {
      phase: 'DEACTIVATING',
      currentState: 'PROVISIONED',
      status: 'AMT Deactivation In Progress',
      statusIndicator: 'IN_PROGRESS',
      observedGeneration: 2,
    },
  },
  'deactivation asked, UNPROVISIONED': {
    before: 'deactivation asked (gen 2)',
    report: state('UNPROVISIONED', 2),
    expect: {
      phase: 'UNPROVISIONED',
      currentState: 'UNPROVISIONED',
      status: 'AMT deactivated',
      statusIndicator: 'IDLE',
      observedGeneration: 2,
    },
  },
  'deactivation asked, FAILED (AMT still on)': {
    before: 'deactivation asked (gen 2)',
    report: state('FAILED', 2, {
      controlMode: 'ACM',
      error: { code: 2, name: 'MissingPassword', message: 'no password', class: 'permanent' },
    }),
    expect: {
      phase: 'FAILED',
      currentState: 'PROVISIONED',
      status: 'AMT deactivation failed: MissingPassword: no password',
      statusIndicator: 'ERROR',
      observedGeneration: 2,
    },
  },
  'activating gen 2, agent restarted and reports gen 0: status kept': {
    before: 'activating (gen 2)',
    report: state('UNPROVISIONED', 0),
    expect: {
      phase: 'UNPROVISIONED',
      currentState: 'UNPROVISIONED',
      status: 'AMT Activation In Progress',
      statusIndicator: 'IN_PROGRESS',
      observedGeneration: 0,
      activationPending: true,
    },
  },
  'activating gen 2, a late PROVISIONED of gen 1: device state moves, status kept': {
    before: 'activating (gen 2)',
    report: state('PROVISIONED', 1),
    expect: {
      phase: 'PROVISIONED',
      currentState: 'PROVISIONED',
      status: 'AMT Activation In Progress',
      statusIndicator: 'IN_PROGRESS',
      observedGeneration: 1,
      activationPending: true,
    },
  },
  'activating gen 2, NOT_SUPPORTED of gen 1: an error whatever the generation': {
    before: 'activating (gen 2)',
    report: state('NOT_SUPPORTED', 1, { controlMode: 'UNKNOWN', reason: 'ME disabled in BIOS' }),
    expect: {
      phase: 'NOT_SUPPORTED',
      currentState: 'UNPROVISIONED',
      status: 'AMT not supported: ME disabled in BIOS',
      statusIndicator: 'ERROR',
      observedGeneration: 1,
    },
  },
}

for (const [name, row] of Object.entries(TABLE)) {
  test(`state: ${name}`, async (t) => {
    const { dispatch, inventory, outbound } = await startTestCore(t)
    const before = await seedHost(inventory, 'h-1', BEFORE[row.before])
    const agent = new AgentMessages(before)
    const { topic, payload } = agent.encode('state', row.report)
    t.like(await dispatch(topic, payload, false), { outcome: 'accepted', changed: true })

    const stored = await inventory.getHost(before)
    const { activationPending = false, ...fields } = row.expect
    t.like(stored, fields)
    t.is(stored.activationRequestedAt !== null, activationPending, 'activation still pending')
    t.is(stored.lastSeq.state, 0)
    t.is(stored.bootId, agent.bootId)
    if (stored.status !== before.status) t.true(stored.statusTimestamp >= before.statusTimestamp)
    t.like(outbound.last(before, 'status'), {
      ...fields,
      phase: undefined,
      statusTimestamp: stored.statusTimestamp,
      desiredGeneration: stored.desiredGeneration,
    })
  })
}

test('state: PROVISIONED after an activation request observes the activation duration', async (t) => {
  const { dispatch, inventory, metrics } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1', BEFORE['activation asked (gen 1)'])
  const { topic, payload } = new AgentMessages(host).encode('state', state('PROVISIONED', 1))
  await dispatch(topic, payload, false)
  const { values } = await metrics.activationDuration.get()
  t.is(values.find((value) => value.metricName === 'amt_manager_activation_duration_seconds_count')?.value, 1)
  const sum = values.find((value) => value.metricName === 'amt_manager_activation_duration_seconds_sum')?.value ?? 0
  t.true(sum >= 5, `duration ${sum} s covers the time since the request`)
})

test('state: the same report again changes nothing and publishes nothing', async (t) => {
  const { dispatch, inventory, outbound, metrics } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1', BEFORE['activation asked (gen 1)'])
  const agent = new AgentMessages(host)
  const first = agent.encode('state', state('PROVISIONED', 1))
  await dispatch(first.topic, first.payload, false)
  const afterFirst = await inventory.getHost(host)
  const published = outbound.payloads(host, 'status').length
  const again = agent.encode('state', state('PROVISIONED', 1))
  t.like(await dispatch(again.topic, again.payload, false), { outcome: 'accepted', changed: false })
  const afterAgain = await inventory.getHost(host)
  t.like(afterAgain, {
    status: afterFirst.status,
    statusTimestamp: afterFirst.statusTimestamp,
    phase: 'PROVISIONED',
    lastSeq: { state: 1 },
  })
  t.is(outbound.payloads(host, 'status').length, published)
  t.is(await metricValue(metrics.unchanged, { leaf: 'state' }), 1)
})

test('state: reports of one host in one batch are applied in order', async (t) => {
  const { dispatch, inventory, outbound } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1', BEFORE['activation asked (gen 1)'])
  const agent = new AgentMessages(host)
  const reports = [state('ACTIVATING', 1), state('PROVISIONED', 1)].map((body) => agent.encode('state', body))
  const outcomes = await Promise.all(reports.map(({ topic, payload }) => dispatch(topic, payload, false)))
  t.deepEqual(
    outcomes.map((o) => o.outcome),
    ['accepted', 'accepted'],
  )
  t.like(await inventory.getHost(host), {
    phase: 'PROVISIONED',
    status: 'AMT Activation Done',
    lastSeq: { state: 1 },
    activationRequestedAt: null,
  })
  t.like(outbound.last(host, 'status'), { status: 'AMT Activation Done' })
})

test('state from a gRPC agent (no generation) is about the current request', async (t) => {
  const { core, inventory, outbound } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1', BEFORE['activating (gen 2)'])
  const error = { code: null, name: 'ActivationFailed', message: 'rpc exited 1' }
  const result = await core.record(host, { kind: 'state', facts: { phase: 'FAILED', error } }, { kind: 'grpc' })
  t.is(result.outcome, 'accepted')
  const stored = await inventory.getHost(host)
  t.like(stored, {
    agentKind: 'grpc',
    observedGeneration: 2,
    status: 'AMT Activation Failed: ActivationFailed: rpc exited 1',
    statusIndicator: 'ERROR',
  })
  t.like(outbound.last(host, 'status'), { agentKind: 'grpc', statusIndicator: 'ERROR' })
  t.is(stored.lastSeq.state, undefined)
})

test('state of a host pending deletion that reports AMT off removes the host and clears its retained topics', async (t) => {
  const { core, dispatch, inventory, outbound } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1', [{ desiredState: 'PROVISIONED' }])
  t.is(await core.requestDeletion(host, 'api:test'), 'pending')
  const pending = await inventory.getHost(host)
  t.like(pending, { deletion: 'pending', desiredState: 'UNPROVISIONED', desiredGeneration: 2 })
  t.like(outbound.last(host, 'desired'), { state: 'UNPROVISIONED', generation: 2 })

  const { topic, payload } = new AgentMessages(host).encode('state', state('UNPROVISIONED', 2))
  await dispatch(topic, payload, false)
  await core.idle()
  t.is(await inventory.findHost(host), null)
  const cleared = outbound.published
    .filter((p) => p.topic.startsWith(`amt/v1/${TENANT}/h-1/`) && p.payload.length === 0)
    .map((p) => p.topic.split('/').slice(4).join('/'))
  t.deepEqual(cleared.sort(), ['capability', 'desired', 'presence', 'state', 'status'])
  const audit = await inventory.listAudit(TENANT, { hostId: 'h-1' })
  t.true(audit.some((event) => event.kind === 'host.deleted'))
})

test('state: the control mode the agent reports is stored as reportedControlMode; a gRPC report keeps it', async (t) => {
  const { core, dispatch, inventory } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1', [{ desiredState: 'PROVISIONED', controlMode: 'ACM' }])
  t.is(host.reportedControlMode, null, 'nothing reported yet')
  const agent = new AgentMessages(host)
  const report = async (body: StateBody) => {
    const { topic, payload } = agent.encode('state', body)
    t.like(await dispatch(topic, payload, true), { outcome: 'accepted' })
    await core.idle()
    return inventory.getHost(host)
  }
  t.like(await report(state('PROVISIONED', 1, { controlMode: 'CCM' })), {
    controlMode: 'ACM',
    reportedControlMode: 'CCM',
    currentState: 'PROVISIONED',
  })
  t.like(await report(state('PROVISIONED', 1, { controlMode: 'ACM' })), { reportedControlMode: 'ACM' })
  await core.record(host, { kind: 'state', facts: { phase: 'PROVISIONED' } }, { kind: 'grpc' })
  t.like(await inventory.getHost(host), { reportedControlMode: 'ACM' }, 'a gRPC agent says nothing about it')
})
