import test from 'ava'
import { Registry } from 'prom-client'
import { createRolloutMetrics } from '../../../manager/metrics/rollout-metrics.ts'
import { MemoryRolloutStore } from '../../../manager/rollouts/memory-rollout-store.ts'
import { newRollout } from '../../conformance/rollout-store.ts'

test('rollouts by state, and the members of rollouts not yet final by status, read from the store at scrape time', async (t) => {
  const store = new MemoryRolloutStore()
  const registry = new Registry()
  const metrics = createRolloutMetrics(registry, store)
  await store.create(newRollout('open', ['h1', 'h2', 'h3']))
  await store.create(newRollout('done', ['h1'], { state: 'completed' }))
  await store.updateMembers('open', [
    { position: 0, status: 'failed', generation: 1, errorName: 'ActivationFailed', startedAt: null, finishedAt: null },
    { position: 1, status: 'in-progress', generation: 1, errorName: null, startedAt: null, finishedAt: null },
  ])
  metrics.starts.inc({ tenant_id: 'acme' }, 2)
  const text = await registry.metrics()
  t.regex(text, /^amt_manager_rollouts\{state="canary"\} 1$/m)
  t.regex(text, /^amt_manager_rollouts\{state="completed"\} 1$/m)
  t.regex(text, /^amt_manager_rollouts\{state="running"\} 0$/m)
  t.regex(text, /^amt_manager_rollout_hosts\{tenant_id="acme",rollout_id="open",status="pending"\} 1$/m)
  t.regex(text, /^amt_manager_rollout_hosts\{tenant_id="acme",rollout_id="open",status="failed"\} 1$/m)
  t.regex(text, /^amt_manager_rollout_hosts\{tenant_id="acme",rollout_id="open",status="in-progress"\} 1$/m)
  t.false(text.includes('rollout_id="done"'), 'a final rollout leaves the series')
  t.regex(text, /^amt_manager_rollout_starts_total\{tenant_id="acme"\} 2$/m)
})

test('a scrape reads no ended rollout: the states are one count, the members only those of rollouts not yet final', async (t) => {
  const store = new MemoryRolloutStore()
  for (let i = 0; i < 50; i++) await store.create(newRollout(`done-${i}`, ['h1'], { state: 'completed' }))
  await store.create(newRollout('open', ['h1']))
  const read: string[] = []
  const counted = {
    countByState: () => store.countByState(),
    list: async (query: Parameters<MemoryRolloutStore['list']>[0]) => {
      const found = await store.list(query)
      read.push(...found.map((rollout) => rollout.id))
      return found
    },
    progress: (id: string) => store.progress(id),
  }
  const registry = new Registry()
  createRolloutMetrics(registry, counted)
  const text = await registry.metrics()
  t.regex(text, /^amt_manager_rollouts\{state="completed"\} 50$/m)
  t.regex(text, /^amt_manager_rollouts\{state="canary"\} 1$/m)
  t.deepEqual(read, ['open'], 'only the rollout under way was read')
})
