import { readFile } from 'node:fs/promises'
import test from 'ava'
import { RPC_NAMES } from '../../../manager/grpc/definition.ts'
import { BRIDGE_STATUSES } from '../../../manager/grpc/errors.ts'
import { GRPC_DEFAULTS } from '../../../manager/config/grpc.ts'

/** docs/grpc-bridge.md and the code agree: every status code the bridge answers with, every RPC, the default port. */
const doc = await readFile(new URL('../../../docs/grpc-bridge.md', import.meta.url), 'utf8')

test('the status code table lists every code the bridge answers with', (t) => {
  for (const status of ['OK', ...BRIDGE_STATUSES]) t.regex(doc, new RegExp(`^\\| ${status} \\|`, 'm'), status)
})

test('every RPC and the default port are documented', (t) => {
  for (const rpc of RPC_NAMES) t.true(doc.includes(rpc), rpc)
  t.true(doc.includes(String(GRPC_DEFAULTS.port)))
})
