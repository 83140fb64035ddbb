import type { core } from 'zod'
import type { Leaf } from '../../schemas/topics.ts'

/** Payloads each leaf's schema must reject, with the issue it reports: payloads.test.ts, mini-payloads.test.ts. */
type Mutation = (payload: Record<string, unknown>) => void
export interface BadCase {
  leaf: Leaf
  name: string
  mutate: Mutation
  /** zod path of the expected issue, joined with dots; '' for the root. */
  path: string
  /** zod issue code. */
  code: core.$ZodIssue['code']
}

const set =
  (key: string, value: unknown): Mutation =>
  (payload) => {
    payload[key] = value
  }
const setIn =
  (outer: string, key: string, value: unknown): Mutation =>
  (payload) => {
    ;(payload[outer] as Record<string, unknown>)[key] = value
  }
const remove =
  (key: string): Mutation =>
  (payload) => {
    delete payload[key]
  }

const long = (n: number) => 'x'.repeat(n)
const TOO_BIG_INT = Number.MAX_SAFE_INTEGER + 1

export const BAD: BadCase[] = [
  // envelope
  {
    leaf: 'presence',
    name: 'ts without offset',
    mutate: set('ts', '2026-03-01T12:00:00'),
    path: 'ts',
    code: 'invalid_format',
  },
  {
    leaf: 'presence',
    name: 'ts with a space',
    mutate: set('ts', '2026-03-01 12:00:00Z'),
    path: 'ts',
    code: 'invalid_format',
  },
  { leaf: 'presence', name: 'ts as a number', mutate: set('ts', 1772366400), path: 'ts', code: 'invalid_type' },
  {
    leaf: 'presence',
    name: 'ts impossible date',
    mutate: set('ts', '2026-02-30T12:00:00Z'),
    path: 'ts',
    code: 'invalid_format',
  },
  { leaf: 'presence', name: 'hostId with slash', mutate: set('hostId', 'a/b'), path: 'hostId', code: 'invalid_format' },
  { leaf: 'presence', name: 'hostId empty', mutate: set('hostId', ''), path: 'hostId', code: 'invalid_format' },
  {
    leaf: 'presence',
    name: 'hostId too long',
    mutate: set('hostId', long(65)),
    path: 'hostId',
    code: 'invalid_format',
  },
  { leaf: 'presence', name: 'hostId missing', mutate: remove('hostId'), path: 'hostId', code: 'invalid_type' },
  {
    leaf: 'presence',
    name: 'bootId not a uuid',
    mutate: set('bootId', 'boot-1'),
    path: 'bootId',
    code: 'invalid_format',
  },
  { leaf: 'presence', name: 'bootId missing', mutate: remove('bootId'), path: 'bootId', code: 'invalid_type' },
  { leaf: 'presence', name: 'seq negative', mutate: set('seq', -1), path: 'seq', code: 'too_small' },
  { leaf: 'presence', name: 'seq fractional', mutate: set('seq', 1.5), path: 'seq', code: 'invalid_type' },
  { leaf: 'presence', name: 'seq beyond 2^53-1', mutate: set('seq', TOO_BIG_INT), path: 'seq', code: 'too_big' },
  { leaf: 'presence', name: 'seq as a string', mutate: set('seq', '1'), path: 'seq', code: 'invalid_type' },
  { leaf: 'presence', name: 'online as a string', mutate: set('online', 'yes'), path: 'online', code: 'invalid_type' },
  {
    leaf: 'presence',
    name: 'agentVersion too long',
    mutate: set('agentVersion', long(65)),
    path: 'agentVersion',
    code: 'too_big',
  },
  { leaf: 'presence', name: 'unknown key', mutate: set('extra', 1), path: '', code: 'unrecognized_keys' },
  // capability
  { leaf: 'capability', name: 'bad sku', mutate: set('sku', 'VPRO'), path: 'sku', code: 'invalid_value' },
  { leaf: 'capability', name: 'skuRaw negative', mutate: set('skuRaw', -1), path: 'skuRaw', code: 'too_small' },
  {
    leaf: 'capability',
    name: 'bad control mode',
    mutate: set('controlMode', 'activated in client control mode'),
    path: 'controlMode',
    code: 'invalid_value',
  },
  {
    leaf: 'capability',
    name: 'bad ras.remoteStatus',
    mutate: setIn('ras', 'remoteStatus', 'up'),
    path: 'ras.remoteStatus',
    code: 'invalid_value',
  },
  {
    leaf: 'capability',
    name: 'unknown key in ras',
    mutate: setIn('ras', 'mpsPort', 4433),
    path: 'ras',
    code: 'unrecognized_keys',
  },
  {
    leaf: 'capability',
    name: 'bad rpc line',
    mutate: setIn('rpc', 'line', 'v4'),
    path: 'rpc.line',
    code: 'invalid_value',
  },
  { leaf: 'capability', name: 'bad lms', mutate: set('lms', 'running'), path: 'lms', code: 'invalid_value' },
  {
    leaf: 'capability',
    name: 'features too long',
    mutate: set('features', long(129)),
    path: 'features',
    code: 'too_big',
  },
  { leaf: 'capability', name: 'capable missing', mutate: remove('capable'), path: 'capable', code: 'invalid_type' },
  // state
  { leaf: 'state', name: 'bad phase', mutate: set('phase', 'DONE'), path: 'phase', code: 'invalid_value' },
  {
    leaf: 'state',
    name: 'observedGeneration negative',
    mutate: set('observedGeneration', -1),
    path: 'observedGeneration',
    code: 'too_small',
  },
  {
    leaf: 'state',
    name: 'rpc exit code over 255',
    mutate: set('error', { code: 256, name: 'X', message: '', class: 'permanent' }),
    path: 'error.code',
    code: 'too_big',
  },
  {
    leaf: 'state',
    name: 'bad error class',
    mutate: set('error', { code: 1, name: 'X', message: '', class: 'fatal' }),
    path: 'error.class',
    code: 'invalid_value',
  },
  { leaf: 'state', name: 'reason too long', mutate: set('reason', long(1025)), path: 'reason', code: 'too_big' },
  // events
  { leaf: 'events', name: 'bad kind', mutate: set('kind', 'rpc.exploded'), path: 'kind', code: 'invalid_value' },
  {
    leaf: 'events',
    name: 'nested detail',
    mutate: set('detail', { nested: { a: 1 } }),
    path: 'detail.nested',
    code: 'invalid_union',
  },
  { leaf: 'events', name: 'message too long', mutate: set('message', long(1025)), path: 'message', code: 'too_big' },
  // desired: never a secret
  { leaf: 'desired', name: 'a password', mutate: set('password', 'P@ssw0rd!'), path: '', code: 'unrecognized_keys' },
  {
    leaf: 'desired',
    name: 'an amtPassword',
    mutate: set('amtPassword', 'P@ssw0rd!'),
    path: '',
    code: 'unrecognized_keys',
  },
  { leaf: 'desired', name: 'agent envelope fields', mutate: set('seq', 1), path: '', code: 'unrecognized_keys' },
  { leaf: 'desired', name: 'generation 0', mutate: set('generation', 0), path: 'generation', code: 'too_small' },
  {
    leaf: 'desired',
    name: 'generation beyond 2^53-1',
    mutate: set('generation', TOO_BIG_INT),
    path: 'generation',
    code: 'too_big',
  },
  {
    leaf: 'desired',
    name: 'state DISCONNECTED',
    mutate: set('state', 'DISCONNECTED'),
    path: 'state',
    code: 'invalid_value',
  },
  {
    leaf: 'desired',
    name: 'control mode UNSPECIFIED',
    mutate: set('controlMode', 'UNSPECIFIED'),
    path: 'controlMode',
    code: 'invalid_value',
  },
  {
    leaf: 'desired',
    name: 'rpsUrl https',
    mutate: set('rpsUrl', 'https://rps.example.com/activate'),
    path: 'rpsUrl',
    code: 'invalid_format',
  },
  {
    leaf: 'desired',
    name: 'rpsUrl without scheme',
    mutate: set('rpsUrl', 'rps.example.com/activate'),
    path: 'rpsUrl',
    code: 'invalid_format',
  },
  {
    leaf: 'desired',
    name: 'rpsUrl without slashes',
    mutate: set('rpsUrl', 'wss:rps.example.com'),
    path: 'rpsUrl',
    code: 'invalid_format',
  },
  {
    leaf: 'desired',
    name: 'rpsUrl too long',
    mutate: set('rpsUrl', `wss://rps.example.com/${long(500)}`),
    path: 'rpsUrl',
    code: 'too_big',
  },
  {
    leaf: 'desired',
    name: 'empty profileName',
    mutate: set('profileName', ''),
    path: 'profileName',
    code: 'too_small',
  },
  {
    leaf: 'desired',
    name: 'generation missing',
    mutate: remove('generation'),
    path: 'generation',
    code: 'invalid_type',
  },
  // secrets
  {
    leaf: 'secret/req',
    name: 'bad correlationId',
    mutate: set('correlationId', 'req-1'),
    path: 'correlationId',
    code: 'invalid_format',
  },
  { leaf: 'secret/req', name: 'bad purpose', mutate: set('purpose', 'audit'), path: 'purpose', code: 'invalid_value' },
  { leaf: 'secret/req', name: 'generation 0', mutate: set('generation', 0), path: 'generation', code: 'too_small' },
  { leaf: 'secret/req', name: 'candidate -1', mutate: set('candidate', -1), path: 'candidate', code: 'too_small' },
  { leaf: 'secret/req', name: 'candidate 10', mutate: set('candidate', 10), path: 'candidate', code: 'too_big' },
  { leaf: 'secret/req', name: 'candidate 1.5', mutate: set('candidate', 1.5), path: 'candidate', code: 'invalid_type' },
  { leaf: 'secret/res', name: 'version 0', mutate: set('version', 0), path: 'version', code: 'too_small' },
  {
    leaf: 'secret/res',
    name: 'newPassword too short',
    mutate: set('newPassword', 'short'),
    path: 'newPassword',
    code: 'too_small',
  },
  {
    leaf: 'desired',
    name: 'rotationId not a uuid',
    mutate: set('rotationId', 'r-1'),
    path: 'rotationId',
    code: 'invalid_format',
  },
  { leaf: 'secret/res', name: 'bad origin', mutate: set('origin', 'vault'), path: 'origin', code: 'invalid_value' },
  { leaf: 'secret/res', name: 'more a string', mutate: set('more', 'yes'), path: 'more', code: 'invalid_type' },
  { leaf: 'secret/res', name: 'ok missing', mutate: remove('ok'), path: 'ok', code: 'invalid_union' },
  {
    leaf: 'secret/res',
    name: 'password too short',
    mutate: set('password', 'short'),
    path: 'password',
    code: 'too_small',
  },
  {
    leaf: 'secret/res',
    name: 'password too long',
    mutate: set('password', long(33)),
    path: 'password',
    code: 'too_big',
  },
  {
    leaf: 'secret/res',
    name: 'ok true without password',
    mutate: remove('password'),
    path: 'password',
    code: 'invalid_type',
  },
  {
    leaf: 'secret/res',
    name: 'error next to a password',
    mutate: set('error', 'x'),
    path: '',
    code: 'unrecognized_keys',
  },
  // status
  { leaf: 'status', name: 'bad tenantId', mutate: set('tenantId', 'a+b'), path: 'tenantId', code: 'invalid_format' },
  {
    leaf: 'status',
    name: 'bad statusIndicator',
    mutate: set('statusIndicator', 'OK'),
    path: 'statusIndicator',
    code: 'invalid_value',
  },
  {
    leaf: 'status',
    name: 'bad currentState',
    mutate: set('currentState', 'ACTIVATING'),
    path: 'currentState',
    code: 'invalid_value',
  },
  {
    leaf: 'status',
    name: 'statusTimestamp negative',
    mutate: set('statusTimestamp', -1),
    path: 'statusTimestamp',
    code: 'too_small',
  },
  {
    leaf: 'status',
    name: 'lastSeen not a time',
    mutate: set('lastSeen', 'yesterday'),
    path: 'lastSeen',
    code: 'invalid_format',
  },
  { leaf: 'status', name: 'status text too long', mutate: set('status', long(1025)), path: 'status', code: 'too_big' },
  { leaf: 'status', name: 'bad agentKind', mutate: set('agentKind', 'http'), path: 'agentKind', code: 'invalid_value' },
  {
    leaf: 'status',
    name: 'an action as powerState',
    mutate: set('powerState', 'reset'),
    path: 'powerState',
    code: 'invalid_value',
  },
  {
    leaf: 'status',
    name: 'powerStateReadAt not a time',
    mutate: set('powerStateReadAt', 'now'),
    path: 'powerStateReadAt',
    code: 'invalid_format',
  },
  {
    leaf: 'status',
    name: 'bad powerAction outcome',
    mutate: setIn('powerAction', 'outcome', 'ok'),
    path: 'powerAction.outcome',
    code: 'invalid_value',
  },
  {
    leaf: 'status',
    name: 'unknown key in powerAction',
    mutate: setIn('powerAction', 'code', 10),
    path: 'powerAction',
    code: 'unrecognized_keys',
  },
]
