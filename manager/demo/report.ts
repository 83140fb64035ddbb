import { existsSync } from 'node:fs'
import path from 'node:path'
import { DEFAULT_API_URL } from '../api/server-paths.ts'
import { formatTable, type Column } from '../cli/table.ts'
import { DEMO_TENANT, REAL_AGENT_HOST, type DemoHost } from './fleet-plan.ts'
import { countStages, type HostProgress } from './progress.ts'

const COLUMNS: Column<HostProgress>[] = [
  { header: 'NAME', value: ({ demo }) => demo.name },
  { header: 'HOST', value: ({ host }) => host.hostId },
  { header: 'DEVICE', value: ({ demo }) => demo.label },
  { header: 'SKU', value: ({ host }) => host.sku },
  { header: 'CURRENT', value: ({ host }) => host.currentState },
  { header: 'INDICATOR', value: ({ host }) => host.statusIndicator },
  { header: 'GEN', value: ({ host }) => `${host.observedGeneration}/${host.desiredGeneration}` },
  { header: 'STATUS', value: ({ host }) => host.status, maxWidth: 90 },
]

/** The final table, then one summary line (and which hosts did not end as expected). */
export function finalReport(
  progress: readonly HostProgress[],
  elapsedMs: number,
  settled: boolean,
): { text: string; asExpected: boolean } {
  const counts = countStages(progress)
  const unexpected = progress.filter(({ stage, demo }) => stage !== demo.expected)
  const outcome = (['PROVISIONED', 'NOT_SUPPORTED', 'FAILED'] as const)
    .map((stage) => `${counts[stage]} ${stage}`)
    .join(' · ')
  const head = settled
    ? `all ${progress.length} hosts settled in ${(elapsedMs / 1000).toFixed(1)} s: ${outcome}`
    : `not every host settled within ${(elapsedMs / 1000).toFixed(0)} s: ${outcome} · ${counts.waiting + counts.activating} unsettled`
  const tail =
    unexpected.length === 0
      ? 'every host ended as its device predicts (capable → PROVISIONED, not capable → NOT_SUPPORTED, faulty → FAILED)'
      : `NOT as expected: ${unexpected.map(({ demo, stage }) => `${demo.name} (${demo.hostId}) is ${stage}, expected ${demo.expected}`).join('; ')}`
  return {
    text: `\n${formatTable(COLUMNS, progress)}\n${head}\n${tail}\n`,
    asExpected: settled && unexpected.length === 0,
  }
}

export interface TryItInput {
  apiUrl: string
  mqttHost: string
  mqttPort: number
  dataDir: string
  adminTokenFile: string
  integratorUsername: string
  integratorPasswordFile: string
  faulty: DemoHost | undefined
  /** A host that ended PROVISIONED: its CIRA connection to the simulated MPS takes power actions. */
  provisioned: DemoHost | undefined
}

/** How to use the running demo: the web console, curl, the CLI, mosquitto_sub, and one real agent process. */
export function tryIt(input: TryItInput): string {
  const shown = (file: string): string => {
    const relative = path.relative(process.cwd(), file)
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file
  }
  // the launcher this process was started with (bin/amt-manager.js, or where a package manager linked it)
  const cli = `node ${shown(process.argv[1] ?? 'bin/amt-manager.js')}`
  const token = existsSync(input.adminTokenFile)
    ? `export AMT_MANAGER_TOKEN="$(cat ${shown(input.adminTokenFile)})"`
    : `export AMT_MANAGER_TOKEN="$(${cli} tokens create --role admin --global --data-dir ${shown(input.dataDir)})"`
  const signInWith = existsSync(input.adminTokenFile)
    ? `the admin API token in ${shown(input.adminTokenFile)} (cat ${shown(input.adminTokenFile)}, paste it into the form)`
    : `an admin API token: ${cli} tokens create --role admin --global --data-dir ${shown(input.dataDir)}`
  const lines = [
    `Web console: ${input.apiUrl}/console     API docs: ${input.apiUrl}/docs`,
    `  sign in with ${signInWith}`,
    '',
    'The manager keeps serving the API and the broker (Ctrl-C stops it). In another terminal:',
    '',
    `  ${token}`,
    ...(input.apiUrl === DEFAULT_API_URL ? [] : [`  export AMT_MANAGER_URL=${input.apiUrl}`]),
    `  curl -s -H "Authorization: Bearer $AMT_MANAGER_TOKEN" '${input.apiUrl}/api/v1/tenants/${DEMO_TENANT}/hosts?limit=2'`,
    `  ${cli} hosts list --tenant ${DEMO_TENANT}`,
    ...(input.faulty
      ? [`  ${cli} hosts show ${DEMO_TENANT} ${input.faulty.hostId}     # ${input.faulty.name}, the failed one`]
      : []),
    ...(input.provisioned
      ? [
          `  ${cli} hosts power ${DEMO_TENANT} ${input.provisioned.hostId} cycle     # ${input.provisioned.name}, through the simulated MPS`,
          `  ${cli} hosts power ${DEMO_TENANT} ${input.provisioned.hostId} off      # then \`hosts list\`: POWER shows off`,
        ]
      : []),
    `  mosquitto_sub -h ${input.mqttHost} -p ${input.mqttPort} -u ${input.integratorUsername} -P "$(cat ${shown(input.integratorPasswordFile)})" -t 'amt/v1/${DEMO_TENANT}/+/status' -v`,
    '',
    `  npm run demo:agent     # one real agent process (rpc emulator as its AMT) for host ${REAL_AGENT_HOST.hostId}, then:`,
    `  ${cli} hosts activate ${DEMO_TENANT} ${REAL_AGENT_HOST.hostId}`,
    '',
    `Manager log: ${shown(path.join(input.dataDir, 'manager.log'))}`,
  ]
  return `${lines.join('\n')}\n`
}
