import { createHash, timingSafeEqual } from 'node:crypto'
import { BlockList, isIPv4 } from 'node:net'
import type { onRequestHookHandler } from 'fastify'
import type { SecretValue } from '../../../lib/secret-value.ts'
import { sourceRangeOf } from '../../config/broker-auth.ts'
import { ApiError } from '../errors.ts'

export interface EndpointGuardOptions {
  secret: SecretValue
  /** Addresses or CIDR ranges the brokers call from; empty: any address. */
  allowedSources: readonly string[]
}

const BEARER = /^Bearer +(\S+) *$/i
const BASIC = /^Basic +([A-Za-z0-9+/=]+) *$/i

/**
 * Who may call the broker-auth endpoints: a caller from an allowed source (403 FORBIDDEN otherwise) that presents
 * the shared secret (401 UNAUTHENTICATED otherwise), as `Authorization: Bearer <secret>` (EMQX: a configured header)
 * or as HTTP Basic with the secret as the password and any user name (VerneMQ: `http://broker:<secret>@host/...`,
 * its HTTP client sends the URL's userinfo as Basic). The secret is compared in constant time (SHA-256 of both, then
 * timingSafeEqual), and never logged: the API's log redacts the Authorization header.
 */
export function createEndpointGuard({ secret, allowedSources }: EndpointGuardOptions): onRequestHookHandler {
  const expected = digest(secret.reveal())
  const sources = allowedSources.length === 0 ? null : blockListOf(allowedSources)
  return (request, _reply, done) => {
    if (sources !== null && !allowedAddress(sources, request.ip)) {
      done(
        new ApiError(
          'FORBIDDEN',
          'this address may not call the broker-auth endpoints (api.brokerAuth.allowedSources)',
        ),
      )
      return
    }
    const presented = presentedSecret(request.headers.authorization)
    if (presented === null || !timingSafeEqual(digest(presented), expected)) {
      const needed =
        "the broker-auth endpoints need the broker's shared secret (Authorization: Bearer <secret>, or Basic)"
      done(new ApiError('UNAUTHENTICATED', needed))
      return
    }
    done()
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

function presentedSecret(header: string | undefined): string | null {
  if (header === undefined) return null
  const bearer = BEARER.exec(header)
  if (bearer?.[1] !== undefined) return bearer[1]
  const basic = BASIC.exec(header)
  if (basic?.[1] === undefined) return null
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? null : decoded.slice(colon + 1)
}

function blockListOf(ranges: readonly string[]): BlockList {
  const list = new BlockList()
  for (const text of ranges) {
    const range = sourceRangeOf(text)
    if (range !== null) list.addSubnet(range.address, range.prefix, range.family)
  }
  return list
}

/** An IPv4 peer on a dual-stack socket shows as `::ffff:a.b.c.d`: it is checked as the IPv4 address it is. */
function allowedAddress(list: BlockList, address: string): boolean {
  const mapped = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : null
  if (mapped !== null && isIPv4(mapped)) return list.check(mapped, 'ipv4')
  return list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6')
}
