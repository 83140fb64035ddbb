import test from 'ava'
import type { AgentMessage, StateBody } from '../../../agent/messages.ts'
import { createReporter } from '../../../agent/reconcile/reporter.ts'

const state: StateBody = { phase: 'PROVISIONED', observedGeneration: 1, controlMode: 'CCM', remoteStatus: 'connected' }

test('state and capability are published only when they change; events always', (t) => {
  const sent: AgentMessage[] = []
  const reporter = createReporter((m) => sent.push(m))
  reporter.state(state)
  reporter.state({ ...state })
  reporter.state({ ...state, observedGeneration: 2 })
  reporter.event('rpc.started', 'x')
  reporter.event('rpc.started', 'x')
  t.deepEqual(
    sent.map((m) => m.leaf),
    ['state', 'state', 'events', 'events'],
  )
  t.deepEqual(reporter.lastState(), { ...state, observedGeneration: 2 })
})
