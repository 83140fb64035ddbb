import { MemorySessionRecords } from '../../../../manager/api/sessions/session-records.ts'
import { sessionStoreConformance } from '../../../conformance/session-store.ts'

sessionStoreConformance('memory', () => {
  const records = new MemorySessionRecords()
  return Promise.resolve({ records, another: () => Promise.resolve(records) })
})
