import test from 'ava'
import type { HostPatch } from '../../../manager/inventory/port.ts'
import type { PayloadOf } from '../../../schemas/index.ts'
import { metricSum, parseMetrics } from '../../helpers/metrics-text.ts'
import { AgentMessages, notCapable, seedHost, startTestCore, type TestCore } from '../../helpers/manager-core.ts'

type StateBody = Omit<PayloadOf<'state'>, 'v' | 'ts' | 'hostId' | 'bootId' | 'seq'>

const ASKED: HostPatch[] = [
  { desiredState: 'PROVISIONED', activationRequestedAt: new Date(Date.now() - 5_000).toISOString() },
]
const rpcError = { code: 1, name: 'ActivationFailed', message: 'profile not found', class: 'permanent' as const }
const REPORTS: Record<string, StateBody> = {
  provisioned: { phase: 'PROVISIONED', observedGeneration: 1, controlMode: 'CCM', remoteStatus: null },
  failed: {
    phase: 'FAILED',
    observedGeneration: 1,
    controlMode: 'PRE_PROVISIONING',
    remoteStatus: null,
    error: rpcError,
  },
  notSupported: {
    phase: 'NOT_SUPPORTED',
    observedGeneration: 1,
    controlMode: 'UNKNOWN',
    reason: 'no AMT on this node',
    remoteStatus: null,
  },
}

async function report(dispatch: TestCore['dispatch'], agent: AgentMessages, body: StateBody): Promise<void> {
  const { topic, payload } = agent.encode('state', body)
  await dispatch(topic, payload, false)
}

async function exposition(metrics: TestCore['metrics']) {
  return parseMetrics(await metrics.registry.metrics())
}

test('activation results: NOT_SUPPORTED is its own result and series, never counted as a failure; once per request', async (t) => {
  const { dispatch, inventory, metrics } = await startTestCore(t)
  const before = await exposition(metrics)
  for (const result of ['provisioned', 'failed', 'not_supported', 'deadline_passed']) {
    t.true(
      before.some((sample) => sample.name === 'amt_manager_activations_total' && sample.labels.result === result),
      `${result} starts at 0`,
    )
  }
  for (const [hostId, body] of Object.entries(REPORTS)) {
    const agent = new AgentMessages(await seedHost(inventory, hostId, ASKED))
    await report(dispatch, agent, body)
    await report(dispatch, agent, body) // the agent says it again: still one answer to one request
  }
  const byCapability = new AgentMessages(await seedHost(inventory, 'no-amt', ASKED))
  const { topic, payload } = byCapability.encode('capability', notCapable('no ME interface'))
  await dispatch(topic, payload, false)

  const after = await exposition(metrics)
  const activations = (result: string) => metricSum(after, 'amt_manager_activations_total', { result })
  t.deepEqual(
    {
      provisioned: activations('provisioned'),
      failed: activations('failed'),
      notSupported: activations('not_supported'),
    },
    { provisioned: 1, failed: 1, notSupported: 2 },
  )
  const hosts = (labels: Record<string, string>) => metricSum(after, 'amt_manager_hosts', labels)
  t.is(hosts({ phase: 'FAILED', status_indicator: 'ERROR' }), 1, 'the failed host')
  t.is(hosts({ phase: 'NOT_SUPPORTED', status_indicator: 'ERROR' }), 1, 'the NOT_SUPPORTED host, apart from it')
  t.is(hosts({ phase: 'NONE' }), 1, 'the host that has not reported a state yet (not capable by capability)')
  t.is(hosts({ phase: 'PROVISIONED', current_state: 'PROVISIONED' }), 1)
})

test('activation results: a passed deadline counts as deadline_passed', async (t) => {
  let now = new Date()
  const options = { deadlines: { activationMs: 60_000 } }
  const { core, inventory, metrics } = await startTestCore(t, { now: () => now, options })
  const host = await seedHost(inventory, 'slow')
  await core.setDesired({ keys: [host] }, { state: 'PROVISIONED' }, 'test')
  now = new Date(now.getTime() + 61_000)
  t.is(await core.checkDeadlines(), 1)
  t.is(metricSum(await exposition(metrics), 'amt_manager_activations_total', { result: 'deadline_passed' }), 1)
  t.is(metricSum(await exposition(metrics), 'amt_manager_activations_total', { result: 'failed' }), 0)
})
