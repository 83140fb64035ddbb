import type { PayloadOf } from '../messages/index.ts'
import type { Leaf } from '../topics.ts'

/**
 * One valid payload per leaf, addressed to EXAMPLE_ADDRESS. They are shown in docs/asyncapi.yaml and reused by
 * tests (test/schemas/examples.ts). Deterministic on purpose: the generated docs must not change between runs.
 */
export const EXAMPLE_TENANT_ID = 'acme'
export const EXAMPLE_HOST_ID = '4C4C4544-005A-3510-8047-B4C04F564433'
export const EXAMPLE_BOOT_ID = '3f1c2a9e-8b7d-4e21-9c0a-5d6e7f809a1b'
export const EXAMPLE_CORRELATION_ID = '9b2e4f10-6a7c-4d3e-8f21-0c5b7a9d1e42'
export const EXAMPLE_TS = '2026-03-01T12:00:00.000Z'

const agent = { v: 1, ts: EXAMPLE_TS, hostId: EXAMPLE_HOST_ID, bootId: EXAMPLE_BOOT_ID } as const
const manager = { v: 1, ts: EXAMPLE_TS, hostId: EXAMPLE_HOST_ID } as const

export const EXAMPLES: { readonly [L in Leaf]: PayloadOf<L> } = {
  presence: { ...agent, seq: 0, online: true, agentVersion: '0.1.0' },
  capability: {
    ...agent,
    seq: 1,
    capable: true,
    sku: 'AMT',
    skuRaw: 16392,
    features: 'AMT Pro Corporate',
    amtVersion: '18.0.5',
    buildNumber: '1913',
    controlMode: 'PRE_PROVISIONING',
    dnsSuffix: 'corp.example.com',
    dnsSuffixOS: 'corp.example.com',
    trustedRootHashes: [
      {
        name: 'DigiCert Global Root G2',
        algorithm: 'SHA256',
        hash: 'cb3ccbb76031e5e0138f8dd39a23f9de47ffc35e43c1144cea27d46a5ab1cb5f',
        active: true,
        default: true,
      },
    ],
    amtUuid: '4c4c4544-005a-3510-8047-b4c04f564433',
    ras: {
      networkStatus: 'outside enterprise',
      remoteStatus: 'not connected',
      remoteTrigger: 'user initiated',
      mpsHostname: '',
    },
    meiDevice: '/dev/mei0',
    lms: 'active',
    rpc: { line: 'v2', version: '2.52.6' },
  },
  state: {
    ...agent,
    seq: 5,
    phase: 'PROVISIONED',
    observedGeneration: 3,
    controlMode: 'CCM',
    remoteStatus: 'connected',
  },
  events: {
    ...agent,
    seq: 4,
    kind: 'rpc.finished',
    message: 'rpc activate finished',
    generation: 3,
    detail: { exitCode: 0, durationMs: 41250 },
  },
  desired: {
    ...manager,
    generation: 3,
    state: 'PROVISIONED',
    controlMode: 'CCM',
    profileName: 'acme_ccm',
    rpsUrl: 'wss://rps.example.com/activate',
  },
  'secret/req': {
    ...agent,
    seq: 6,
    correlationId: EXAMPLE_CORRELATION_ID,
    purpose: 'deactivate',
    generation: 4,
    candidate: 1,
  },
  'secret/res': {
    ...manager,
    correlationId: EXAMPLE_CORRELATION_ID,
    ok: true,
    password: 'Example-Passw0rd',
    more: true,
    origin: 'host',
    version: 3,
  },
  status: {
    ...manager,
    tenantId: EXAMPLE_TENANT_ID,
    name: 'edge-node-17',
    desiredState: 'PROVISIONED',
    currentState: 'PROVISIONED',
    sku: 'AMT',
    status: 'AMT Activation Done',
    statusIndicator: 'IDLE',
    statusTimestamp: 1772366400,
    controlMode: 'ACM',
    reportedControlMode: 'CCM',
    dnsSuffix: 'corp.example.com',
    desiredGeneration: 3,
    observedGeneration: 3,
    online: true,
    lastSeen: EXAMPLE_TS,
    agentKind: 'mqtt',
    labels: { site: 'berlin', model: 'nuc-13' },
    powerState: 'on',
    powerStateReadAt: EXAMPLE_TS,
    powerAction: {
      requested: 'RESET',
      outcome: 'done',
      message: 'Power action reset done',
      at: '2026-03-01T11:58:00.000Z',
    },
  },
}
