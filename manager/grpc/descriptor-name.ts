/**
 * proto-loader names the FileDescriptorProto it builds after the package (`device_management.proto`); the
 * reference's descriptor file name is `dm-manager.proto`, which reflection clients (grpcurl, Postman) show and
 * ask for by name. This rewrites field 1 (`name`) of a serialized FileDescriptorProto, keeping every other
 * field byte for byte. A tiny protobuf walk: no other dependency needed.
 */
const NAME_FIELD = 1
const WIRE_VARINT = 0
const WIRE_FIXED64 = 1
const WIRE_LENGTH_DELIMITED = 2
const WIRE_FIXED32 = 5

export function renameFileDescriptor(bytes: Buffer, name: string): Buffer {
  const kept: Buffer[] = []
  let offset = 0
  while (offset < bytes.length) {
    const start = offset
    const [key, afterKey] = readVarint(bytes, offset)
    offset = skipValue(bytes, afterKey, key % 8)
    if (Math.floor(key / 8) !== NAME_FIELD) kept.push(bytes.subarray(start, offset))
  }
  const encodedName = Buffer.from(name, 'utf8')
  return Buffer.concat([Buffer.from([(NAME_FIELD << 3) | WIRE_LENGTH_DELIMITED]), writeVarint(encodedName.length), encodedName, ...kept])
}

/** The name (field 1) of a serialized FileDescriptorProto, or null. */
export function fileDescriptorName(bytes: Buffer): string | null {
  let offset = 0
  while (offset < bytes.length) {
    const [key, afterKey] = readVarint(bytes, offset)
    if (key === ((NAME_FIELD << 3) | WIRE_LENGTH_DELIMITED)) {
      const [length, afterLength] = readVarint(bytes, afterKey)
      return bytes.subarray(afterLength, afterLength + length).toString('utf8')
    }
    offset = skipValue(bytes, afterKey, key % 8)
  }
  return null
}

function skipValue(bytes: Buffer, offset: number, wireType: number): number {
  switch (wireType) {
    case WIRE_VARINT:
      return readVarint(bytes, offset)[1]
    case WIRE_FIXED64:
      return checked(bytes, offset + 8)
    case WIRE_LENGTH_DELIMITED: {
      const [length, afterLength] = readVarint(bytes, offset)
      return checked(bytes, afterLength + length)
    }
    case WIRE_FIXED32:
      return checked(bytes, offset + 4)
    default:
      throw new Error(`unsupported wire type ${wireType} in a file descriptor`)
  }
}

function readVarint(bytes: Buffer, offset: number): [number, number] {
  let value = 0
  let factor = 1
  for (let at = offset; at < bytes.length && at < offset + 8; at++) {
    const byte = bytes[at] ?? 0
    value += (byte & 0x7f) * factor
    if ((byte & 0x80) === 0) return [value, at + 1]
    factor *= 128
  }
  throw new Error('truncated or oversized varint in a file descriptor')
}

function writeVarint(value: number): Buffer {
  const out: number[] = []
  let rest = value
  while (rest >= 0x80) {
    out.push((rest % 128) | 0x80)
    rest = Math.floor(rest / 128)
  }
  out.push(rest)
  return Buffer.from(out)
}

function checked(bytes: Buffer, end: number): number {
  if (end > bytes.length) throw new Error('truncated file descriptor')
  return end
}
