import { fileURLToPath } from 'node:url'
import type { ServiceDefinition } from '@grpc/grpc-js'
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader'
import { fileDescriptorName, renameFileDescriptor } from './descriptor-name.ts'

/** The descriptor of the EMF southbound API (reference/southbound-grpc.md), written from the reference. */
export const PROTO_FILE = fileURLToPath(new URL('./dm-manager.proto', import.meta.url))
/** The descriptor file name reflection shows (proto-loader would say `device_management.proto`). */
export const DESCRIPTOR_FILE_NAME = 'dm-manager.proto'
export const PACKAGE_NAME = 'device_management'
export const SERVICE_NAME = `${PACKAGE_NAME}.DeviceManagement`

export const RPC_NAMES = ['ReportAMTStatus', 'RetrieveActivationDetails', 'ReportActivationResults'] as const
export type RpcName = (typeof RPC_NAMES)[number]

/**
 * How messages become JS objects, for the server and for test clients alike: field names as in the .proto,
 * enums as value names (an unknown number stays a number: requests.ts refuses it), every field present.
 */
export const LOADER_OPTIONS: Options = { keepCase: true, enums: String, longs: String, defaults: true, oneofs: true }

/**
 * Loads the .proto (synchronously: one small file) into a package definition for grpc-js and reflection, its
 * file descriptor named DESCRIPTOR_FILE_NAME.
 */
export function loadDmManagerDefinition(): PackageDefinition {
  const definition = loadSync(PROTO_FILE, LOADER_OPTIONS)
  const rename = (bytes: Buffer): Buffer => (fileDescriptorName(bytes) === `${PACKAGE_NAME}.proto` ? renameFileDescriptor(bytes, DESCRIPTOR_FILE_NAME) : bytes)
  for (const entry of Object.values(definition)) {
    const protos: unknown = 'fileDescriptorProtos' in entry ? entry.fileDescriptorProtos : undefined
    if (Array.isArray(protos)) Object.assign(entry, { fileDescriptorProtos: protos.map((bytes: unknown) => (Buffer.isBuffer(bytes) ? rename(bytes) : bytes)) })
  }
  return definition
}

/** The DeviceManagement service of a loaded definition. */
export function deviceManagementService(definition: PackageDefinition): ServiceDefinition {
  const service = definition[SERVICE_NAME]
  if (service === undefined || !('ReportAMTStatus' in service)) throw new Error(`${SERVICE_NAME} is missing from ${PROTO_FILE}`)
  return service
}
