/**
 * Valid payloads and topics for tests. The canonical example of each leaf lives in schemas/contract/examples.ts
 * (it is also shown in docs/asyncapi.yaml); this file re-exports it and adds variants and helpers.
 */
import type { PayloadOf } from '../../schemas/messages/index.ts'
import { buildTopic, type Leaf } from '../../schemas/topics.ts'
import {
  EXAMPLE_BOOT_ID,
  EXAMPLE_CORRELATION_ID,
  EXAMPLE_HOST_ID,
  EXAMPLE_TENANT_ID,
  EXAMPLE_TS,
  EXAMPLES,
} from '../../schemas/contract/examples.ts'

export { EXAMPLE_BOOT_ID, EXAMPLE_HOST_ID, EXAMPLE_TENANT_ID, EXAMPLES }

/** A fresh deep copy of a leaf's canonical example, safe to mutate; `overrides` replace top-level fields. */
export function example<L extends Leaf>(leaf: L, overrides: Partial<PayloadOf<L>> = {}): PayloadOf<L> {
  return { ...structuredClone(EXAMPLES[leaf]), ...overrides }
}

/** The example address's topic for a leaf. */
export function exampleTopic(
  leaf: Leaf,
  hostId: string = EXAMPLE_HOST_ID,
  tenantId: string = EXAMPLE_TENANT_ID,
): string {
  return buildTopic({ tenantId, hostId, leaf })
}

/** Further valid payloads: other branches of unions, optional fields, edge values. */
const EXAMPLE_OK = {
  v: 1,
  ts: EXAMPLE_TS,
  hostId: EXAMPLE_HOST_ID,
  correlationId: EXAMPLE_CORRELATION_ID,
  ok: true,
  password: 'Older-Passw0rd',
} as const

const VARIANTS: { readonly [L in Leaf]: readonly PayloadOf<L>[] } = {
  presence: [{ ...EXAMPLES.presence, seq: 1, online: false }],
  capability: [
    {
      ...EXAMPLES.capability,
      capable: false,
      sku: 'UNSPECIFIED',
      reason: 'SKU 0x0 has neither the AMT Pro nor the ISM bit',
      skuRaw: null,
      features: '',
      controlMode: 'UNKNOWN',
      ras: null,
      meiDevice: null,
      lms: 'not-managed',
      rpc: null,
    },
  ],
  state: [
    {
      ...EXAMPLES.state,
      phase: 'FAILED',
      controlMode: 'PRE_PROVISIONING',
      remoteStatus: null,
      error: {
        code: 139,
        name: 'LMSConnectionFailed',
        message: 'Please install LMS for activation',
        class: 'permanent',
      },
      reason: 'rpc activate failed',
    },
    {
      ...EXAMPLES.state,
      phase: 'FAILED',
      error: { code: null, name: 'Timeout', message: 'rpc killed after 300 s', class: 'transient' },
    },
    {
      ...EXAMPLES.state,
      phase: 'NOT_SUPPORTED',
      observedGeneration: 0,
      controlMode: 'UNKNOWN',
      remoteStatus: null,
      reason: 'no ME device',
    },
  ],
  events: [
    {
      v: 1,
      ts: EXAMPLE_TS,
      hostId: EXAMPLE_HOST_ID,
      bootId: EXAMPLE_BOOT_ID,
      seq: 2,
      kind: 'lms.enabled',
      message: 'LMS enabled',
    },
  ],
  desired: [
    {
      ...EXAMPLES.desired,
      state: 'UNPROVISIONED',
      controlMode: 'ACM',
      dnsSuffix: 'corp.example.com',
      rpsUrl: 'ws://rps:8080/activate',
    },
    {
      v: 1,
      ts: '2026-03-01T13:00:00+01:00',
      hostId: 'node-17.site_a',
      generation: Number.MAX_SAFE_INTEGER,
      state: 'PROVISIONED',
      controlMode: 'CCM',
    },
    { ...EXAMPLES.desired, rotationId: '2b0e6f4c-93a5-4c39-9d55-0c6a1f3f7e11' },
  ],
  'secret/req': [
    { ...EXAMPLES['secret/req'], purpose: 'activate' },
    { ...EXAMPLES['secret/req'], candidate: 0 },
    { ...EXAMPLES['secret/req'], candidate: 9 },
    { ...EXAMPLES['secret/req'], purpose: 'rotate', candidate: 1 },
  ],
  'secret/res': [
    EXAMPLE_OK,
    { ...EXAMPLE_OK, more: false, origin: 'tenant' },
    { ...EXAMPLE_OK, newPassword: 'New!Password2' },
    {
      v: 1,
      ts: EXAMPLE_TS,
      hostId: EXAMPLE_HOST_ID,
      correlationId: EXAMPLE_CORRELATION_ID,
      ok: false,
      error: 'no password stored for this host',
    },
  ],
  status: [
    {
      ...EXAMPLES.status,
      currentState: 'UNSPECIFIED',
      statusIndicator: 'ERROR',
      status: 'AMT not supported',
      lastSeen: null,
      agentKind: 'grpc',
      reportedControlMode: null,
    },
    { ...EXAMPLES.status, controlMode: 'CCM', reportedControlMode: 'CCM', dnsSuffix: '' },
    { ...EXAMPLES.status, powerState: 'unknown', powerStateReadAt: null, powerAction: null },
    statusWithoutPower(),
  ],
}

/** A status as a manager before the power fields and reportedControlMode published it (they are optional). */
function statusWithoutPower(): PayloadOf<'status'> {
  const {
    powerState: _state,
    powerStateReadAt: _readAt,
    powerAction: _action,
    reportedControlMode: _reported,
    ...older
  } = EXAMPLES.status
  return older
}

/** Every valid payload of a leaf: the canonical example first, then the variants. */
export function validPayloads<L extends Leaf>(leaf: L): PayloadOf<L>[] {
  return [EXAMPLES[leaf], ...VARIANTS[leaf]].map((payload) => structuredClone(payload))
}
