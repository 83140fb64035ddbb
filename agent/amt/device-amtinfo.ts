import type { AmtinfoKey, DeviceControlMode, DeviceModel, DeviceRas } from './device-model.ts'
import { amtMajor, reportedSku } from './device-model.ts'
import { certificateHashesDocument, type DeviceCertificateHash } from './device-root-hashes.ts'

/** What one amtinfo call reads from the (modelled) firmware, before rpc formats it for its line. */
export interface AmtSnapshot {
  heciAvailable: boolean
  amt: string
  buildNumber: string
  /** Decimal, '' when unreadable. */
  sku: string
  features: string
  uuid: string
  controlMode: DeviceControlMode
  /** '' below AMT 12 (rpc prints it only on AMT > 11). */
  operationalState: string
  dnsSuffix: string
  dnsSuffixOS: string
  hostnameOS: string
  ras: DeviceRas
  certificateHashes: DeviceCertificateHash[]
  /** Keys the document leaves out (faults.amtinfoOmits). */
  omitted: readonly AmtinfoKey[]
}

const V2_CONTROL_MODES: Readonly<Record<DeviceControlMode, string>> = {
  'pre-provisioning': 'pre-provisioning state',
  ccm: 'activated in client control mode',
  acm: 'activated in admin control mode',
}
const V3_CONTROL_MODES: Readonly<Record<DeviceControlMode, string>> = {
  'pre-provisioning': 'not activated',
  ccm: 'client control mode',
  acm: 'admin control mode',
}

/** rpc-go's decodeAMT: the `features` text from the AMT version and the SKU. */
export function decodeFeatures(version: string, sku: string): string {
  const parts = version.split('.')
  if (parts.length <= 1) return 'Invalid AMT version format'
  const major = Number(parts[0])
  if (parts[0] === '' || !Number.isFinite(major)) return 'Invalid AMT version'
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(sku)) return 'Invalid SKU'
  const bits = Number(sku)
  const has = (bit: number) => (bits & bit) !== 0
  const words: string[] = []
  if (major < 5) {
    if (has(0x08)) words.push('AMT')
  } else {
    if (has(0x08)) words.push('AMT Pro')
    if (has(0x10)) words.push('Intel Standard Manageability')
    if (has(0x2000)) words.push('AT-p')
    if (has(0x4000)) words.push('Corporate')
  }
  return words.join(' ')
}

/** The snapshot amtinfo reads now, with the given (possibly transient) RAS state. */
export function snapshotOf(model: DeviceModel, ras: DeviceRas, heciAvailable: boolean): AmtSnapshot {
  const skuNumber = reportedSku(model)
  const sku = skuNumber === null ? '' : String(skuNumber)
  return {
    heciAvailable,
    amt: model.amtVersion,
    buildNumber: model.buildNumber,
    sku,
    features: model.features ?? decodeFeatures(model.amtVersion, sku),
    uuid: model.uuid,
    controlMode: model.controlMode,
    operationalState: amtMajor(model) > 11 ? model.operationalState : '',
    dnsSuffix: model.dnsSuffix,
    dnsSuffixOS: model.dnsSuffixOS,
    hostnameOS: model.hostnameOS,
    ras: { ...ras },
    certificateHashes: model.certificateHashes.map((hash) => ({ ...hash })),
    omitted: [...(model.faults.amtinfoOmits ?? [])],
  }
}

const without = (entries: [string, unknown][], omitted: readonly string[]) =>
  entries.filter(([key]) => !omitted.includes(key))

/** amtinfo sections of rpc v2 (`-ver`, `-bld`, ...); no flag besides -json selects all but certificates. */
export type V2Section =
  'ver' | 'bld' | 'sku' | 'uuid' | 'mode' | 'dns' | 'hostname' | 'ras' | 'lan' | 'operationalState' | 'cert'
export const V2_ALL_SECTIONS: readonly V2Section[] = [
  'ver',
  'bld',
  'sku',
  'uuid',
  'mode',
  'dns',
  'hostname',
  'ras',
  'lan',
  'operationalState',
]

const WIRED = {
  isEnable: true,
  linkStatus: 'up',
  dhcpEnabled: true,
  dhcpMode: 'passive',
  ipAddress: '0.0.0.0',
  osIpAddress: '192.168.1.20',
  macAddress: 'a4:bb:6d:11:22:33',
}
const WIRELESS = {
  isEnable: false,
  linkStatus: 'down',
  dhcpEnabled: true,
  dhcpMode: 'passive',
  ipAddress: '0.0.0.0',
  osIpAddress: 'Not Found',
  macAddress: '00:00:00:00:00:00',
}
/** v2 `amtinfo -json`: a Go map, so keys come out sorted; selected sections only; empty values kept. */
export function amtinfoDocumentV2(s: AmtSnapshot, sections: ReadonlySet<V2Section>): Record<string, unknown> {
  const doc: Record<string, unknown> = {}
  if (sections.has('ver')) doc.amt = s.amt
  if (sections.has('bld')) doc.buildNumber = s.buildNumber
  if (sections.has('sku')) doc.sku = s.sku
  if (sections.has('ver') && sections.has('sku')) doc.features = s.features
  if (sections.has('uuid')) doc.uuid = s.uuid
  if (sections.has('mode')) doc.controlMode = V2_CONTROL_MODES[s.controlMode]
  if (sections.has('operationalState') && s.operationalState !== '') doc.operationalState = s.operationalState
  if (sections.has('dns')) Object.assign(doc, { dnsSuffix: s.dnsSuffix, dnsSuffixOS: s.dnsSuffixOS })
  if (sections.has('hostname')) doc.hostnameOS = s.hostnameOS
  if (sections.has('ras')) doc.ras = { ...s.ras }
  if (sections.has('lan')) Object.assign(doc, { wiredAdapter: WIRED, wirelessAdapter: WIRELESS })
  if (sections.has('cert')) doc.certificateHashes = certificateHashesDocument(s.certificateHashes)
  return Object.fromEntries(without(Object.entries(doc), s.omitted).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

const provisioningStateOf = (mode: DeviceControlMode) =>
  mode === 'pre-provisioning' ? 'pre-provisioning' : 'post-provisioning'

/**
 * v3 `amtinfo --json`: a Go struct (fixed key order), empty fields omitted, heciAvailable always present; with
 * `--cert` the certificate hashes too (keyed by name, as v2).
 */
export function amtinfoDocumentV3(s: AmtSnapshot, certificates = false): Record<string, unknown> {
  const ras = { ...s.ras, ...(s.ras.mpsHostname ? { mpsPort: 4433 } : {}) }
  const entries: [string, unknown][] = s.heciAvailable
    ? [
        ['amt', s.amt],
        ['buildNumber', s.buildNumber],
        ['sku', s.sku],
        ['features', s.features],
        ['uuid', s.uuid],
        ['controlMode', V3_CONTROL_MODES[s.controlMode]],
        ['provisioningState', provisioningStateOf(s.controlMode)],
        ['operationalState', s.operationalState],
        ['dnsSuffix', s.dnsSuffix],
        ['dnsSuffixOS', s.dnsSuffixOS],
        ['hostnameOS', s.hostnameOS],
        ['ras', Object.fromEntries(Object.entries(ras).filter(([, value]) => value !== ''))],
        ['wiredAdapter', WIRED],
        ['wirelessAdapter', WIRELESS],
        ...(certificates
          ? [['certificateHashes', certificateHashesDocument(s.certificateHashes)] as [string, unknown]]
          : []),
      ]
    : [
        ['dnsSuffixOS', s.dnsSuffixOS],
        ['hostnameOS', s.hostnameOS],
      ]
  entries.push(['heciAvailable', s.heciAvailable])
  return Object.fromEntries(without(entries, s.omitted).filter(([, value]) => value !== ''))
}
