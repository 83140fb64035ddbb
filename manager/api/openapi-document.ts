import { fileURLToPath } from 'node:url'
import { Registry } from 'prom-client'
import { silentLogger } from '../../lib/log.ts'
import { IN_MEMORY, openSqliteInventory } from '../inventory/sqlite/open.ts'
import type { ApiDomain } from './context.ts'
import { HostChangeFeed } from '../core/publish/host-change-feed.ts'
import { createApiServer, openApiDocumentOf } from './server.ts'
import { MemoryTokenStore } from './tokens/token-store.ts'
import { RolloutService } from '../core/rollouts/rollout-service.ts'
import { MemoryRolloutStore } from '../rollouts/memory-rollout-store.ts'

/** Where the committed OpenAPI document lives (generate-openapi.ts writes it; a test compares it). */
export const OPENAPI_FILE = fileURLToPath(new URL('../../docs/openapi.json', import.meta.url))

const notWhileGenerating = (): Promise<never> =>
  Promise.reject(new Error('the API is not serving: only its document is generated'))
const idleDomain: ApiDomain = {
  setDesired: notWhileGenerating,
  requestDeletion: notWhileGenerating,
  refreshHost: notWhileGenerating,
  editHost: notWhileGenerating,
  rotatePassword: notWhileGenerating,
  createTenant: notWhileGenerating,
  hostChanges: new HostChangeFeed({ capacity: 1 }),
}

/** Builds the API (no listener, an empty in-memory Inventory) and returns its OpenAPI document. */
export async function buildOpenApiDocument(): Promise<object> {
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  const app = createApiServer({
    inventory,
    domain: idleDomain,
    tokens: new MemoryTokenStore(),
    log: silentLogger(),
    metrics: new Registry(),
    rollouts: new RolloutService({ store: new MemoryRolloutStore(), inventory, now: () => new Date() }),
  })
  try {
    await app.ready()
    return openApiDocumentOf(app)
  } finally {
    await app.close()
    await inventory.close()
  }
}

/** The file's exact text: 2-space JSON and a final newline. */
export function renderOpenApi(document: object): string {
  return `${JSON.stringify(document, null, 2)}\n`
}
