/**
 * proto-loader names the FileDescriptorProto it builds after the package (`device_management.proto`); the
 * reference's descriptor file name is `dm-manager.proto`, which reflection clients (grpcurl, Postman) show and
 * ask for by name. protobufjs also writes the type name of a field RELATIVE (`AMTStatus`) where protoc, and so
 * upstream's reflection, writes it fully qualified (`.device_management.AMTStatus`). This rewrites both in the
 * serialized FileDescriptorProto, keeping every other field byte for byte. A tiny protobuf walk: no other
 * dependency needed.
 */
const NAME_FIELD = 1
const WIRE_VARINT = 0
const WIRE_FIXED64 = 1
const WIRE_LENGTH_DELIMITED = 2
const WIRE_FIXED32 = 5

/** descriptor.proto field numbers used here. */
const FILE = { messageType: 4, service: 6, extension: 7 } as const
const MESSAGE = { name: 1, field: 2, nestedType: 3, extension: 6 } as const
const FIELD = { name: 1, extendee: 2, typeName: 6 } as const
const SERVICE = { name: 1, method: 2 } as const
const METHOD = { name: 1, inputType: 2, outputType: 3 } as const

interface WireField {
  number: number
  /** The whole field: key and value. */
  bytes: Buffer
  /** The value of a length-delimited field. */
  value?: Buffer
}

type Rewriters = Readonly<Partial<Record<number, (value: Buffer) => Buffer>>>

export function renameFileDescriptor(bytes: Buffer, name: string): Buffer {
  const kept = fieldsOf(bytes).filter((field) => field.number !== NAME_FIELD)
  return Buffer.concat([lengthDelimited(NAME_FIELD, Buffer.from(name, 'utf8')), ...kept.map((field) => field.bytes)])
}

/**
 * Makes every type reference of a serialized FileDescriptorProto fully qualified (`.pkg.Type`), as protoc does:
 * field type names and extendees, method input and output types. protobufjs writes a reference relative to the
 * referring scope; with every type at the top level of the package (the reference's file has no nested types;
 * a nested type is refused here) that scope is the package.
 */
export function qualifyTypeNames(bytes: Buffer, packageName: string): Buffer {
  const qualify = (value: Buffer): Buffer => {
    const name = value.toString('utf8')
    return name === '' || name.startsWith('.') ? value : Buffer.from(`.${packageName}.${name}`, 'utf8')
  }
  const field = (value: Buffer) => rewrite(value, { [FIELD.typeName]: qualify, [FIELD.extendee]: qualify })
  const nested = (): Buffer => {
    throw new Error('qualifyTypeNames: nested message types are not supported')
  }
  const message = (value: Buffer) =>
    rewrite(value, { [MESSAGE.field]: field, [MESSAGE.extension]: field, [MESSAGE.nestedType]: nested })
  const method = (value: Buffer) => rewrite(value, { [METHOD.inputType]: qualify, [METHOD.outputType]: qualify })
  const service = (value: Buffer) => rewrite(value, { [SERVICE.method]: method })
  return rewrite(bytes, { [FILE.messageType]: message, [FILE.service]: service, [FILE.extension]: field })
}

/**
 * Every type reference of a serialized FileDescriptorProto, as [where, type name]: `Message.field` for a field,
 * `Service.Method input|output` for a method. What reflection serves, readable in tests and checks.
 */
export function typeReferences(bytes: Buffer): Array<[string, string]> {
  const text = (field: WireField | undefined): string => field?.value?.toString('utf8') ?? ''
  const byNumber = (fields: WireField[], number: number) =>
    fields.filter((field) => field.number === number && field.value)
  const references: Array<[string, string]> = []
  for (const message of byNumber(fieldsOf(bytes), FILE.messageType)) {
    const parts = fieldsOf(message.value ?? Buffer.alloc(0))
    const name = text(byNumber(parts, MESSAGE.name)[0])
    for (const field of byNumber(parts, MESSAGE.field)) {
      const entries = fieldsOf(field.value ?? Buffer.alloc(0))
      const typeName = byNumber(entries, FIELD.typeName)[0]
      if (typeName !== undefined) references.push([`${name}.${text(byNumber(entries, FIELD.name)[0])}`, text(typeName)])
    }
  }
  for (const service of byNumber(fieldsOf(bytes), FILE.service)) {
    const parts = fieldsOf(service.value ?? Buffer.alloc(0))
    const name = text(byNumber(parts, SERVICE.name)[0])
    for (const method of byNumber(parts, SERVICE.method)) {
      const entries = fieldsOf(method.value ?? Buffer.alloc(0))
      const where = `${name}.${text(byNumber(entries, METHOD.name)[0])}`
      references.push([`${where} input`, text(byNumber(entries, METHOD.inputType)[0])])
      references.push([`${where} output`, text(byNumber(entries, METHOD.outputType)[0])])
    }
  }
  return references
}

/** The name (field 1) of a serialized FileDescriptorProto, or null. */
export function fileDescriptorName(bytes: Buffer): string | null {
  return (
    fieldsOf(bytes)
      .find((field) => field.number === NAME_FIELD)
      ?.value?.toString('utf8') ?? null
  )
}

/** Replaces the values of length-delimited fields by number; every other byte kept, order kept. */
function rewrite(bytes: Buffer, rewriters: Rewriters): Buffer {
  return Buffer.concat(
    fieldsOf(bytes).map((field) => {
      const rewriter = rewriters[field.number]
      if (rewriter === undefined || field.value === undefined) return field.bytes
      return lengthDelimited(field.number, rewriter(field.value))
    }),
  )
}

function fieldsOf(bytes: Buffer): WireField[] {
  const fields: WireField[] = []
  let offset = 0
  while (offset < bytes.length) {
    const start = offset
    const [key, afterKey] = readVarint(bytes, offset)
    let value: Buffer | undefined
    if (key % 8 === WIRE_LENGTH_DELIMITED) {
      const [length, afterLength] = readVarint(bytes, afterKey)
      offset = checked(bytes, afterLength + length)
      value = bytes.subarray(afterLength, offset)
    } else {
      offset = skipValue(bytes, afterKey, key % 8)
    }
    const whole = bytes.subarray(start, offset)
    fields.push({ number: Math.floor(key / 8), bytes: whole, ...(value !== undefined ? { value } : {}) })
  }
  return fields
}

function lengthDelimited(number: number, value: Buffer): Buffer {
  return Buffer.concat([writeVarint(number * 8 + WIRE_LENGTH_DELIMITED), writeVarint(value.length), value])
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
