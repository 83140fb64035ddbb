import { z } from 'zod'
import { isMpsAddress, MPS_ADDRESS_RULE } from '../../schemas/dns-names.ts'

/**
 * The manager's `dmt` config section: RPS and MPS of the Device Management Toolkit. Absent (the embedded demo):
 * profiles are not managed and power actions answer DMT_NOT_CONFIGURED. main() parses it with the rest of the
 * config and passes it to createDmt (create-dmt.ts). `token` and `ciraPassword` are secrets: never log them.
 */

const Retry = z
  .strictObject({
    attempts: z.int().min(1).max(10).default(3).describe('tries per request (network failures, timeouts, 5xx)'),
    baseMs: z.int().min(1).max(60_000).default(200).describe('first backoff delay'),
    maxMs: z.int().min(1).max(300_000).default(2000).describe('largest backoff delay'),
  })
  .prefault({})

const Service = {
  token: z.string().min(1).optional().describe('bearer token for the REST API (API gateway JWT); secret'),
  timeoutMs: z.int().min(100).max(120_000).default(5000).describe('per request attempt'),
  retry: Retry,
}

const httpUrl = z.url({ protocol: /^https?$/ }).max(512)

export const RpsConfig = z.strictObject({
  url: httpUrl.describe('RPS REST base, e.g. http://rps:8081'),
  activationUrl: z
    .url({ protocol: /^wss?$/ })
    .max(512)
    .describe('RPS activation endpoint the agents use (sent in every desired), e.g. wss://rps.example/activate'),
  ...Service,
})

export const MpsConfig = z.strictObject({
  url: httpUrl.describe('MPS REST base, e.g. http://mps:3000'),
  publicAddress: z
    .string()
    .min(1)
    .max(253)
    .refine(isMpsAddress, { message: `publicAddress must be ${MPS_ADDRESS_RULE}` })
    .describe(
      'the address AMT devices open their CIRA connection to (lower-case FQDN with a TLD, or IPv4); also the certificate common name',
    ),
  port: z.int().min(1024).max(49151).default(4433).describe('MPS CIRA port'),
  username: z
    .string()
    .regex(/^[A-Za-z0-9]{5,16}$/, { message: 'username must be 5-16 letters or digits (AMT rule)' })
    .default('admin')
    .describe('CIRA username AMT presents to MPS'),
  ciraPassword: z
    .string()
    .min(8)
    .max(63)
    .optional()
    .describe('MPS password in the CIRA config; absent: RPS generates one per device; secret'),
  ...Service,
})

/** Parallel RPS/MPS requests while preparing many hosts (TenantProvisioning, DeviceRegistration). */
export const DEFAULT_DMT_CONCURRENCY = 8

/** A scheduled round over the PROVISIONED hosts (host-sweep.ts): how often, how many hosts at once. */
const sweepConfig = (intervalSeconds: number, off: string, what: string) =>
  z
    .strictObject({
      intervalSeconds: z
        .int()
        .min(0)
        .max(86_400)
        .default(intervalSeconds)
        .describe(`seconds between rounds; 0 = ${off}`),
      concurrency: z.int().min(1).max(32).default(4).describe(`hosts ${what} at once during a round`),
    })
    .prefault({})

/** The refresh of PROVISIONED hosts' power state from MPS (power-sweep.ts). */
const PowerSweepConfig = sweepConfig(300, 'no sweep (reads only after actions and GET .../power)', 'read from MPS')

/** The registration with MPS of PROVISIONED hosts it does not know (registration-sweep.ts; also at start). */
const RegistrationSweepConfig = sweepConfig(600, 'no sweep, not even at start', 'checked with MPS')

export const DmtConfig = z.strictObject({
  rps: RpsConfig,
  mps: MpsConfig,
  /** Parallel RPS/MPS requests while preparing many hosts (bulk activation). */
  concurrency: z.int().min(1).max(64).default(DEFAULT_DMT_CONCURRENCY),
  powerSweep: PowerSweepConfig,
  registrationSweep: RegistrationSweepConfig,
})

export type DmtConfig = z.infer<typeof DmtConfig>
export type DmtConfigInput = z.input<typeof DmtConfig>
