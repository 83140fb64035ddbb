import type { PeerCertificate } from 'node:tls'
import { isValidId } from '../../schemas/ids.ts'

/**
 * mTLS identity of a device (documented in broker/README.md):
 * the client certificate, signed by the configured CA, carries exactly one subjectAltName URI
 *     urn:amt:{tenantId}:{hostId}
 * Both ids follow the schemas' id rule (no `:`), so the URI splits unambiguously. The subject CN is not used
 * for identity (it is free text for operators). A certificate without such a URI, or with more than one,
 * identifies nobody.
 */
const DEVICE_URI_PREFIX = 'urn:amt:'

export interface DeviceIdentity {
  tenantId: string
  hostId: string
}

export function deviceUri({ tenantId, hostId }: DeviceIdentity): string {
  return `${DEVICE_URI_PREFIX}${tenantId}:${hostId}`
}

export function deviceIdentityFromCertificate(cert: PeerCertificate): DeviceIdentity | null {
  const uris = subjectAltUris(cert.subjectaltname ?? '').filter((uri) => uri.startsWith(DEVICE_URI_PREFIX))
  const [uri] = uris
  if (uri === undefined || uris.length !== 1) return null
  const parts = uri.slice(DEVICE_URI_PREFIX.length).split(':')
  const [tenantId = '', hostId = ''] = parts
  if (parts.length !== 2 || !isValidId(tenantId) || !isValidId(hostId)) return null
  return { tenantId, hostId }
}

/** Node renders SANs as `DNS:a, URI:b`; values with special characters are JSON-quoted (and then not ours). */
function subjectAltUris(subjectaltname: string): string[] {
  return subjectaltname
    .split(', ')
    .filter((entry) => entry.startsWith('URI:'))
    .map((entry) => entry.slice('URI:'.length))
}
