import { MemoryTokenStore } from '../../../../manager/api/tokens/token-store.ts'
import { tokenStoreConformance } from '../../../conformance/token-store.ts'

tokenStoreConformance('memory', () => {
  const store = new MemoryTokenStore()
  return Promise.resolve({ store, another: () => Promise.resolve(store) })
})
