import { MemoryRolloutStore } from '../../../manager/rollouts/memory-rollout-store.ts'
import { rolloutStoreConformance } from '../../conformance/rollout-store.ts'

rolloutStoreConformance('memory', () => {
  const store = new MemoryRolloutStore()
  return Promise.resolve({ store, another: () => Promise.resolve(store) })
})
