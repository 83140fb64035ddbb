import { createPublicKey, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Metadata } from '@grpc/grpc-js'
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import { z } from 'zod'
import { GRPC_DEFAULTS } from '../config/grpc.ts'
import { GrpcError } from './errors.ts'
import { tenantOf } from './tenant.ts'

/**
 * Caller identity of every DeviceManagement call: metadata `authorization: Bearer <JWT>`, verified locally
 * (no network) with a configured public key (PEM: SPKI or certificate) or a JWKS; optional issuer and audience
 * checks; then the tenant and role rules of tenant.ts. The token is never logged nor put in an error text.
 */
export interface JwtAuthOptions {
  /** Exactly one key source. */
  publicKeyPem?: string
  publicKeyFile?: string
  jwks?: JSONWebKeySet
  jwksFile?: string
  issuer?: string | string[]
  audience?: string | string[]
  /** Accepted JWS algorithms; default: any the key supports (never `none`). */
  algorithms?: string[]
  /** Default GRPC_DEFAULTS.clockToleranceSec (config `grpc.auth.clockToleranceSec`). */
  clockToleranceSec?: number
  /** Verified tokens remembered until their `exp` (agents reuse a token for many calls); default 10 000, 0: off. */
  cacheSize?: number
  /** The clock (tests). */
  now?: () => Date
}

/** Verifies a JWT (signature, expiry, issuer, audience); rejects with a reason (no token content). */
export interface TokenVerifier {
  verify(token: string): Promise<JWTPayload>
}

export interface Caller {
  tenantId: string
  /** The token's `sub`, for logs. */
  subject: string | undefined
}

const JwksFile = z.object({ keys: z.array(z.looseObject({ kty: z.string() })).min(1) })
const RealmRoles = z.object({ realm_access: z.object({ roles: z.array(z.unknown()) }) })
const BEARER = /^bearer\s+(\S+)\s*$/i

/** A verifier from the options; throws (at start-up) on a missing, ambiguous or unreadable key. */
export async function createJwtVerifier(options: JwtAuthOptions): Promise<TokenVerifier> {
  const key = await keyOf(options)
  const verifyOptions = {
    clockTolerance: options.clockToleranceSec ?? GRPC_DEFAULTS.clockToleranceSec,
    ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
    ...(options.audience !== undefined ? { audience: options.audience } : {}),
    ...(options.algorithms !== undefined ? { algorithms: options.algorithms } : {}),
  }
  const now = options.now ?? (() => new Date())
  const verify = async (token: string): Promise<JWTPayload> =>
    (await jwtVerify(token, key, { ...verifyOptions, currentDate: now() })).payload
  const cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE
  return cacheSize > 0
    ? cachedVerifier(verify, { size: cacheSize, toleranceSec: verifyOptions.clockTolerance, now })
    : { verify }
}

const DEFAULT_CACHE_SIZE = 10_000

/**
 * Remembers verified tokens (by their full text) until `exp` (+ the clock tolerance), the oldest dropped first
 * beyond `size`. Only a token that passed verification is remembered; one without `exp` is never cached. It
 * saves the signature check (about half of a call's CPU) for the agents' repeated calls with the same token.
 */
function cachedVerifier(
  verify: (token: string) => Promise<JWTPayload>,
  { size, toleranceSec, now }: { size: number; toleranceSec: number; now: () => Date },
): TokenVerifier {
  const verified = new Map<string, JWTPayload & { exp: number }>()
  return {
    verify: async (token) => {
      const hit = verified.get(token)
      if (hit !== undefined && (hit.exp + toleranceSec) * 1000 > now().getTime()) return hit
      verified.delete(token)
      const payload = await verify(token)
      if (typeof payload.exp === 'number') {
        verified.set(token, { ...payload, exp: payload.exp })
        if (verified.size > size) verified.delete(verified.keys().next().value ?? '')
      }
      return payload
    },
  }
}

async function keyOf(options: JwtAuthOptions): Promise<KeyObject | JWTVerifyGetKey> {
  const sources = [options.publicKeyPem, options.publicKeyFile, options.jwks, options.jwksFile].filter(
    (source) => source !== undefined,
  )
  if (sources.length !== 1)
    throw new Error('gRPC auth: configure exactly one of publicKeyPem, publicKeyFile, jwks, jwksFile')
  if (options.publicKeyPem !== undefined) return createPublicKey(options.publicKeyPem)
  if (options.publicKeyFile !== undefined) return createPublicKey(await readFile(options.publicKeyFile, 'utf8'))
  const jwks = options.jwks ?? parseJwks(await readFile(options.jwksFile ?? '', 'utf8'), options.jwksFile ?? '')
  return createLocalJWKSet(jwks)
}

function parseJwks(text: string, file: string): JSONWebKeySet {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new Error(`gRPC auth: ${file} is not JSON`)
  }
  const parsed = JwksFile.safeParse(json)
  if (!parsed.success) throw new Error(`gRPC auth: ${file} is not a JWKS ({ "keys": [ ... ] })`)
  return parsed.data
}

/** The caller of a call, or a GrpcError (UNAUTHENTICATED / PERMISSION_DENIED) with a reason safe to log. */
export async function authenticate(metadata: Metadata, verifier: TokenVerifier): Promise<Caller> {
  const token = bearerToken(metadata)
  let claims: JWTPayload
  try {
    claims = await verifier.verify(token)
  } catch (err) {
    throw new GrpcError('UNAUTHENTICATED', `invalid token: ${reasonOf(err)}`)
  }
  const roles = RealmRoles.safeParse(claims)
  const roleNames = roles.success
    ? roles.data.realm_access.roles.filter((role): role is string => typeof role === 'string')
    : []
  const projects = metadata.get('activeprojectid').filter((value): value is string => typeof value === 'string')
  if (projects.length > 1) throw new GrpcError('UNAUTHENTICATED', 'more than one activeprojectid metadata value')
  const verdict = tenantOf(roleNames, projects)
  if (!verdict.ok) throw new GrpcError(verdict.status, verdict.reason)
  return { tenantId: verdict.tenantId, subject: typeof claims.sub === 'string' ? claims.sub.slice(0, 128) : undefined }
}

function bearerToken(metadata: Metadata): string {
  const values = metadata.get('authorization')
  if (values.length === 0) throw new GrpcError('UNAUTHENTICATED', 'missing authorization metadata (Bearer JWT)')
  if (values.length > 1) throw new GrpcError('UNAUTHENTICATED', 'more than one authorization metadata value')
  const match = typeof values[0] === 'string' ? BEARER.exec(values[0]) : null
  if (match?.[1] === undefined) throw new GrpcError('UNAUTHENTICATED', 'authorization metadata is not "Bearer <JWT>"')
  return match[1]
}

/** jose's error code (e.g. ERR_JWT_EXPIRED), never its message (it may quote claims). */
function reasonOf(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined
  return typeof code === 'string' ? code : 'verification failed'
}
