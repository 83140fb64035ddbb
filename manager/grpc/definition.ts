import { fileURLToPath } from 'node:url'
import type { ServiceDefinition } from '@grpc/grpc-js'
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader'
import { fileDescriptorName, qualifyTypeNames, renameFileDescriptor } from './descriptor-name.ts'

/** The descriptor of the EMF southbound API (reference/southbound-grpc.md), written from the reference. */
export const PROTO_FILE = fileURLToPath(new URL('./dm-manager.proto', import.meta.url))
/** The descriptor file name reflection shows (proto-loader would say `device_management.proto`). */
export const DESCRIPTOR_FILE_NAME = 'dm-manager.proto'
const PACKAGE_NAME = 'device_management'
export const SERVICE_NAME = `${PACKAGE_NAME}.DeviceManagement`

export const RPC_NAMES = ['ReportAMTStatus', 'RetrieveActivationDetails', 'ReportActivationResults'] as const
export type RpcName = (typeof RPC_NAMES)[number]

/**
 * How messages become JS objects, for the server and for test clients alike: field names as in the .proto,
 * enums as value names (an unknown number stays a number: requests.ts refuses it), every field present.
 */
const LOADER_OPTIONS: Options = { keepCase: true, enums: String, longs: String, defaults: true, oneofs: true }

/**
 * Loads the .proto (synchronously: one small file) into a package definition for grpc-js and reflection, as
 * protoc would describe it: the file descriptor named DESCRIPTOR_FILE_NAME, every type reference fully
 * qualified (`.device_management.AMTStatus`), in the served descriptor bytes and in the message descriptors alike.
 */
export function loadDmManagerDefinition(): PackageDefinition {
  const definition = loadSync(PROTO_FILE, LOADER_OPTIONS)
  const fix = (bytes: Buffer): Buffer =>
    fileDescriptorName(bytes) === `${PACKAGE_NAME}.proto`
      ? qualifyTypeNames(renameFileDescriptor(bytes, DESCRIPTOR_FILE_NAME), PACKAGE_NAME)
      : bytes
  for (const entry of Object.values(definition)) {
    const protos: unknown = 'fileDescriptorProtos' in entry ? entry.fileDescriptorProtos : undefined
    if (Array.isArray(protos))
      Object.assign(entry, {
        fileDescriptorProtos: protos.map((bytes: unknown) => (Buffer.isBuffer(bytes) ? fix(bytes) : bytes)),
      })
    const methods: unknown[] = 'format' in entry ? [] : Object.values(entry)
    for (const described of [
      entry,
      ...methods.flatMap((method) => [field(method, 'requestType'), field(method, 'responseType')]),
    ]) {
      qualifyFieldTypeNames(field(described, 'type'))
    }
  }
  return definition
}

/** protobufjs's DescriptorProto object of a message: relative field type names made `.package.Name`. */
function qualifyFieldTypeNames(type: unknown): void {
  const fields = field(type, 'field')
  if (!Array.isArray(fields)) return
  for (const described of fields) {
    const typeName = field(described, 'typeName')
    if (typeof typeName === 'string' && typeName !== '' && !typeName.startsWith('.')) {
      Object.assign(described as object, { typeName: `.${PACKAGE_NAME}.${typeName}` })
    }
  }
}

const field = (value: unknown, name: string): unknown =>
  typeof value === 'object' && value !== null && name in value ? (value as Record<string, unknown>)[name] : undefined

/** The DeviceManagement service of a loaded definition. */
export function deviceManagementService(definition: PackageDefinition): ServiceDefinition {
  const service = definition[SERVICE_NAME]
  if (service === undefined || !('ReportAMTStatus' in service))
    throw new Error(`${SERVICE_NAME} is missing from ${PROTO_FILE}`)
  return service
}
