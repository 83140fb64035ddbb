import type { IncomingHttpHeaders } from 'node:http2'
import type { Server } from '@grpc/grpc-js'

/**
 * The identity metadata keys that must arrive once (docs/grpc-bridge.md): sent twice → UNAUTHENTICATED.
 *
 * node:http2 folds a repeated request header before grpc-js builds the call's Metadata: `authorization` is one of
 * node's single-value headers, so only the FIRST value survives (a second token was silently ignored), and any
 * other name is joined into one "a, b" value (a repeated `activeprojectid` became one non-UUID value, ignored).
 * grpc-go agents send metadata as is. This restores, for these keys only, every value as it was on the wire (from
 * the raw header list of the HTTP/2 stream) before grpc-js reads the headers, so auth.ts sees them all.
 */
const IDENTITY_METADATA = ['authorization', 'activeprojectid'] as const

type StreamListener = (stream: unknown, headers: IncomingHttpHeaders, flags: number, rawHeaders: string[]) => void

interface StreamEvents {
  prependListener(event: 'stream', listener: StreamListener): unknown
}

/**
 * Installs the restore step on every HTTP/2 server of a bound grpc-js Server (call after bindAsync). grpc-js
 * keeps them in a private map; if a grpc-js upgrade removes it, start() fails here instead of silently
 * accepting repeated identity metadata again.
 */
export function keepRepeatedIdentityMetadata(server: Server): void {
  const http2Servers: unknown = Reflect.get(server, 'http2Servers')
  if (!(http2Servers instanceof Map) || http2Servers.size === 0) {
    throw new Error('grpc-js exposes no HTTP/2 server: repeated identity metadata could not be refused')
  }
  for (const http2Server of http2Servers.keys()) {
    if (!isStreamEmitter(http2Server)) throw new Error('grpc-js HTTP/2 server is not an event emitter')
    http2Server.prependListener('stream', (_stream, headers, _flags, rawHeaders) => {
      restoreRepeated(headers, rawHeaders)
    })
  }
}

/** Puts every wire value of a repeated identity key into the header object (as an array, as grpc-js expects). */
function restoreRepeated(headers: IncomingHttpHeaders, rawHeaders: readonly string[]): void {
  const writable = headers as Record<string, string | string[] | undefined>
  for (const name of IDENTITY_METADATA) {
    const values = valuesOf(rawHeaders, name)
    if (values.length > 1) writable[name] = values
  }
}

function valuesOf(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = []
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const value = rawHeaders[index + 1]
    if (rawHeaders[index] === name && value !== undefined) values.push(value)
  }
  return values
}

const isStreamEmitter = (value: unknown): value is StreamEvents =>
  typeof value === 'object' && value !== null && typeof Reflect.get(value, 'prependListener') === 'function'
