import { z } from 'zod'
import { agentEnvelope } from '../envelope.ts'
import { AmtSku, ObservedControlMode, RasRemoteStatus } from '../enums.ts'

export const Ras = z.strictObject({
  networkStatus: z.string().max(64),
  remoteStatus: RasRemoteStatus,
  remoteTrigger: z.string().max(64),
  mpsHostname: z.string().max(255),
})
export type Ras = z.infer<typeof Ras>

/** amtinfo keys (as rpc prints them) that the agent expects from every readable AMT. */
export const AmtinfoField = z.enum(['amt', 'buildNumber', 'sku', 'uuid', 'controlMode', 'ras'])
export type AmtinfoField = z.infer<typeof AmtinfoField>

/** Most root hashes one capability report may carry (AMT 18 ships about 20; a hostile device may claim more). */
const MAX_TRUSTED_ROOT_HASHES = 64

/**
 * One of AMT's trusted root certificate hashes (`rpc amtinfo -cert`: certificateHashes, keyed by name). ACM needs the
 * provisioning certificate's root among the active ones.
 */
export const TrustedRootHash = z.strictObject({
  name: z.string().max(128),
  algorithm: z.enum(['SHA256', 'SHA384', 'SHA512', 'SHA1']),
  hash: z
    .string()
    .regex(/^[0-9a-f]{40,128}$/)
    .describe('lowercase hex of the hash'),
  active: z.boolean(),
  default: z.boolean().describe('a hash the firmware shipped with (not added in MEBx)'),
})
export type TrustedRootHash = z.infer<typeof TrustedRootHash>

/** Classified `rpc amtinfo` output. Retained. */
export const Capability = z
  .strictObject({
    ...agentEnvelope,
    capable: z
      .boolean()
      .describe(
        'true when an ME device is present and the SKU has the AMT Pro (0x08) or ISM (0x10) bit, or AMT is activated',
      ),
    sku: AmtSku,
    reason: z.string().max(512).optional().describe('why the node is not capable'),
    skuRaw: z.int().min(0).nullable().describe('numeric SKU from amtinfo'),
    features: z.string().max(128),
    amtVersion: z.string().max(32),
    buildNumber: z.string().max(32),
    controlMode: ObservedControlMode.describe('activation state reported by the firmware'),
    dnsSuffix: z.string().max(255).describe("AMT's DNS suffix (MEBx, or DHCP option 15); '' when unset"),
    dnsSuffixOS: z
      .string()
      .max(255)
      .optional()
      .describe("the operating system's DNS suffix (amtinfo `dnsSuffixOS`); absent from older agents"),
    trustedRootHashes: z
      .array(TrustedRootHash)
      .max(MAX_TRUSTED_ROOT_HASHES)
      .optional()
      .describe(
        "AMT's trusted root certificate hashes (`rpc amtinfo -cert`); absent when not read (older agents, rpc failed)",
      ),
    amtUuid: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe(
        'the AMT UUID amtinfo reports (`uuid`); absent when rpc could not read it. The manager compares it with the hostId',
      ),
    missingFields: z
      .array(AmtinfoField)
      .max(AmtinfoField.options.length)
      .optional()
      .describe('amtinfo fields rpc could not read (absent, empty or malformed); absent when every field was read'),
    ras: Ras.nullable().describe('remote access (CIRA) status from amtinfo; null when unavailable'),
    meiDevice: z.string().max(64).nullable().describe('the ME interface device found, e.g. /dev/mei0'),
    lms: z
      .enum(['active', 'inactive', 'not-installed', 'unknown', 'not-managed'])
      .describe('status of the Local Manageability Service'),
    rpc: z
      .strictObject({ line: z.enum(['v2', 'v3']), version: z.string().max(32) })
      .nullable()
      .describe('the rpc CLI found on the node (null when missing)'),
  })
  .describe('Classified `rpc amtinfo` output of a node. Retained.')
export type Capability = z.infer<typeof Capability>
