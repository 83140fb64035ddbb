import type { ObservedControlMode } from '../../schemas/enums.ts'
import { describeIssuesInline } from '../../schemas/issues.ts'
import { AmtinfoField, RasRemoteStatus } from '../../schemas/mini/payloads.ts'
import * as z from 'zod/mini'
import type { AmtInfo, RpcVersion } from './port.ts'
import { rpcBadOutput } from './rpc-failure.ts'

/**
 * What rpc prints, parsed with zod/mini (../shared/reference/rpc-go.md). Unknown keys are ignored. amtinfo is parsed
 * field by field: a field that is absent, empty or of the wrong type is unread and reported (missingFields) instead
 * of refusing the whole document; capability and state are decided from the decisive fields alone (classify.ts).
 */
type AmtinfoField = z.infer<typeof AmtinfoField>

const SkuValue = z.union([z.string(), z.number()])
/** A field read if it has the type, else unread (undefined). */
const unreadOtherwise = <T extends z.core.SomeType>(schema: T) => z.catch(z.optional(schema), undefined)
const optionalText = () => unreadOtherwise(z.string())

const RasOutput = z.object({
  networkStatus: optionalText(),
  remoteStatus: optionalText(),
  remoteTrigger: optionalText(),
  mpsHostname: optionalText(),
})

/**
 * amtinfo of either line. v2 (`-json`) keeps a field that fails to read with an empty value; v3 (`--json`) omits empty
 * fields and adds `provisioningState` and `heciAvailable` (false: no ME data at all).
 */
const AmtinfoOutput = z.object({
  amt: optionalText(),
  buildNumber: optionalText(),
  sku: unreadOtherwise(SkuValue),
  features: optionalText(),
  uuid: optionalText(),
  controlMode: optionalText(),
  provisioningState: optionalText(),
  operationalState: optionalText(),
  dnsSuffix: optionalText(),
  dnsSuffixOS: optionalText(),
  ras: unreadOtherwise(RasOutput),
  heciAvailable: unreadOtherwise(z.boolean()),
})
type AmtinfoOutput = z.infer<typeof AmtinfoOutput>

/** `version -json` / `version --json`. */
const VersionOutput = z.object({ app: z.string(), version: z.string(), protocol: z.string() })
type VersionOutput = z.infer<typeof VersionOutput>

/** One logrus JSON line on stderr (`-json` / `--json`). */
export const RpcLogLineOutput = z.object({ level: z.string(), msg: z.string(), time: z.optional(z.string()) })

const CONTROL_MODES: Readonly<Record<string, ObservedControlMode>> = {
  'pre-provisioning state': 'PRE_PROVISIONING', // v2
  'not activated': 'PRE_PROVISIONING', // v3
  'activated in client control mode': 'CCM',
  'client control mode': 'CCM',
  'activated in admin control mode': 'ACM',
  'admin control mode': 'ACM',
}
const PROVISIONING_STATES = ['pre-provisioning', 'in provisioning', 'post-provisioning'] as const

/** Maps both lines' control-mode strings; anything else (incl. "unknown state", "") is UNKNOWN. */
function controlModeOf(text: string | undefined): ObservedControlMode {
  return CONTROL_MODES[(text ?? '').trim().toLowerCase()] ?? 'UNKNOWN'
}

const clamp = (text: string | undefined, max: number): string => (text ?? '').trim().slice(0, max)

function skuNumber(sku: string | number | undefined): number | null {
  if (typeof sku === 'number') return Number.isInteger(sku) && sku >= 0 ? sku : null
  const text = (sku ?? '').trim()
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text)) return null
  return Number(text)
}

function provisioningStateOf(raw: string | undefined, controlMode: ObservedControlMode): AmtInfo['provisioningState'] {
  const given = PROVISIONING_STATES.find((state) => state === raw?.trim().toLowerCase())
  if (given) return given
  if (raw !== undefined && raw.trim() !== '') return 'unknown'
  if (controlMode === 'PRE_PROVISIONING') return 'pre-provisioning'
  return controlMode === 'UNKNOWN' ? 'unknown' : 'post-provisioning'
}

function rasOf(ras: z.infer<typeof RasOutput> | undefined): AmtInfo['ras'] {
  if (!ras) return null
  const status = RasRemoteStatus.safeParse(ras.remoteStatus?.trim().toLowerCase())
  return {
    networkStatus: clamp(ras.networkStatus, 64),
    remoteStatus: status.success ? status.data : 'unknown',
    remoteTrigger: clamp(ras.remoteTrigger, 64),
    mpsHostname: clamp(ras.mpsHostname, 255),
  }
}

/** Which expected fields were not read: absent, empty, malformed (a SKU that is not a number), or unknown. */
function missingFieldsOf(info: Omit<AmtInfo, 'missingFields'>): AmtinfoField[] {
  const unread: Record<AmtinfoField, boolean> = {
    amt: info.amtVersion === '',
    buildNumber: info.buildNumber === '',
    sku: info.sku === null,
    uuid: info.uuid === '',
    controlMode: info.controlMode === 'UNKNOWN',
    ras: info.ras === null,
  }
  return AmtinfoField.options.filter((field) => unread[field])
}

/** Normalises a parsed amtinfo document into AmtInfo, bounded to the capability schema's lengths. */
function normaliseAmtInfo(doc: AmtinfoOutput): AmtInfo {
  const controlMode = controlModeOf(doc.controlMode)
  const info = {
    amtVersion: clamp(doc.amt, 32),
    buildNumber: clamp(doc.buildNumber, 32),
    sku: skuNumber(doc.sku),
    features: clamp(doc.features, 128),
    uuid: clamp(doc.uuid, 64),
    controlMode,
    provisioningState: provisioningStateOf(doc.provisioningState, controlMode),
    operationalState: clamp(doc.operationalState, 32),
    dnsSuffix: clamp(doc.dnsSuffix, 255),
    dnsSuffixOS: clamp(doc.dnsSuffixOS, 255),
    ras: rasOf(doc.ras),
  }
  const missingFields = missingFieldsOf(info)
  return missingFields.length > 0 ? { ...info, missingFields } : info
}

/** Parses stdout as one JSON document (tolerating text around it); throws RpcBadOutput. */
export function parseJsonDocument(command: string, stdout: string): unknown {
  const text = stdout.trim()
  if (text === '') throw rpcBadOutput(command, 'empty stdout')
  try {
    return JSON.parse(text) as unknown
  } catch {
    const start = text.indexOf('{')
    const end = text.lastIndexOf('}')
    if (start >= 0 && end > start) {
      try {
        return JSON.parse(text.slice(start, end + 1)) as unknown
      } catch {
        // fall through
      }
    }
    throw rpcBadOutput(command, `stdout is not JSON (${text.length} characters)`)
  }
}

/** Marker returned when v3 reports that the ME interface is not available (no ME data in the document). */
export const HECI_UNAVAILABLE = 'heci-unavailable'

/** The fields capability and state are decided from; a document with none of them is not amtinfo's. */
const DECISIVE_KEYS = ['sku', 'controlMode', 'provisioningState'] as const

/**
 * Decodes an amtinfo document (v2 or v3: the same keys; only v3 says heciAvailable). Throws RpcBadOutput when it
 * is not a JSON object or holds no decisive field at all (e.g. v2 `amtinfo -json -n`, which selects nothing); other
 * fields may be missing.
 */
export function decodeAmtinfo(line: RpcVersion['line'], document: unknown): AmtInfo | typeof HECI_UNAVAILABLE {
  const parsed = AmtinfoOutput.safeParse(document)
  if (!parsed.success) throw rpcBadOutput('amtinfo', describeIssuesInline(parsed.error, { max: 3 }))
  if (line === 'v3' && parsed.data.heciAvailable === false) return HECI_UNAVAILABLE
  if (DECISIVE_KEYS.every((key) => parsed.data[key] === undefined)) {
    throw rpcBadOutput('amtinfo', `none of the fields ${DECISIVE_KEYS.join(', ')} in the document`)
  }
  return normaliseAmtInfo(parsed.data)
}

/** stdout of amtinfo → AmtInfo (or the v3 "no ME" marker). Throws RpcBadOutput. */
export function parseAmtinfo(line: RpcVersion['line'], stdout: string): AmtInfo | typeof HECI_UNAVAILABLE {
  return decodeAmtinfo(line, parseJsonDocument('amtinfo', stdout))
}

/**
 * The rpc line from a version string: v3 when the major version is >= 3. Unparsable versions (rpc-go's
 * "Development Build") are taken as v2, the line deployed today.
 */
export function lineOfVersion(version: string): RpcVersion['line'] {
  const major = /^v?(\d+)\./i.exec(version.trim())?.[1]
  return major !== undefined && Number(major) >= 3 ? 'v3' : 'v2'
}

export function decodeVersion(document: unknown): RpcVersion {
  const parsed = VersionOutput.safeParse(document)
  if (!parsed.success) throw rpcBadOutput('version', describeIssuesInline(parsed.error, { max: 3 }))
  const version = parsed.data.version.trim().replace(/^v/i, '').slice(0, 32)
  return { line: lineOfVersion(parsed.data.version), version }
}

/** stdout of `version --json` → RpcVersion. Throws RpcBadOutput. */
export function parseVersion(stdout: string): RpcVersion {
  return decodeVersion(parseJsonDocument('version', stdout))
}
