import path from 'node:path'
import test from 'ava'
import { BIN, spawnNode, tempDir } from './support/processes.ts'

const DEMO = ['demo', '--hosts', '6', '--api-port', '0', '--mqtt-port', '0', '--exit-when-settled']

test('`amt-manager demo` settles a small simulated fleet as each device predicts, and runs again on the same data dir', async (t) => {
  const dataDir = path.join(await tempDir(t, 'amt-e2e-demo-'), 'data')

  const first = spawnNode(t, BIN.manager, [...DEMO, '--data-dir', dataDir])
  t.deepEqual(await first.exited, { exitCode: 0, signal: null }, first.output())
  const output = first.output()
  t.regex(output, /tenant demo: 6 simulated hosts \(3 AMT, 1 ISM, 1 not capable, 1 failing activation\); 6 registered, 0 kept/)
  t.regex(output, /all 6 hosts settled in [\d.]+ s: 4 PROVISIONED · 1 NOT_SUPPORTED · 1 FAILED/)
  t.regex(output, /sim-05 .* UNPROVISIONED +ERROR +1\/1 +AMT not supported: /)
  t.regex(output, /sim-06 .* UNPROVISIONED +ERROR +1\/1 +AMT Activation Failed: ActivationFailed: /)
  t.true(output.includes('every host ended as its device predicts'))

  const second = spawnNode(t, BIN.manager, [...DEMO, '--data-dir', dataDir])
  t.deepEqual(await second.exited, { exitCode: 0, signal: null }, second.output())
  t.regex(second.output(), /0 registered, 6 kept with new credentials/)
  t.regex(second.output(), /sim-01 +AMT +AMT +PROVISIONED +IDLE +2\/2 +AMT Activation Done/)
})
