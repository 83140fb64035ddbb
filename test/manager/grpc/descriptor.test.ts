import { readFile } from 'node:fs/promises'
import test from 'ava'
import { DESCRIPTOR_FILE_NAME, loadDmManagerDefinition, PROTO_FILE } from '../../../manager/grpc/definition.ts'
import { fileDescriptorName, typeReferences } from '../../../manager/grpc/descriptor-name.ts'

/**
 * The wire contract, written by hand from reference/southbound-grpc.md (NOT derived from the .proto): the
 * loaded descriptor must match it exactly: package, service, method paths and types, every field (name,
 * number, type) and every enum value (name, number).
 */
const PACKAGE = 'device_management'
const SERVICE = 'DeviceManagement'

const METHODS = [
  {
    name: 'ReportAMTStatus',
    path: '/device_management.DeviceManagement/ReportAMTStatus',
    request: 'AMTStatusRequest',
    response: 'AMTStatusResponse',
  },
  {
    name: 'RetrieveActivationDetails',
    path: '/device_management.DeviceManagement/RetrieveActivationDetails',
    request: 'ActivationRequest',
    response: 'ActivationDetailsResponse',
  },
  {
    name: 'ReportActivationResults',
    path: '/device_management.DeviceManagement/ReportActivationResults',
    request: 'ActivationResultRequest',
    response: 'ActivationResultResponse',
  },
]

/** [message, field, number, type ('string' or the enum's fully qualified name, as protoc writes it)] */
const FIELDS: Array<[string, string, number, string]> = [
  ['AMTStatusRequest', 'host_id', 1, 'string'],
  ['AMTStatusRequest', 'status', 2, '.device_management.AMTStatus'],
  ['AMTStatusRequest', 'feature', 3, 'string'],
  ['ActivationRequest', 'host_id', 1, 'string'],
  ['ActivationDetailsResponse', 'host_id', 1, 'string'],
  ['ActivationDetailsResponse', 'operation', 2, '.device_management.OperationType'],
  ['ActivationDetailsResponse', 'profile_name', 3, 'string'],
  ['ActivationDetailsResponse', 'action_password', 4, 'string'],
  ['ActivationResultRequest', 'host_id', 1, 'string'],
  ['ActivationResultRequest', 'activation_status', 2, '.device_management.ActivationStatus'],
  ['ActivationResultRequest', 'message', 3, 'string'],
]
const EMPTY_MESSAGES = ['AMTStatusResponse', 'ActivationResultResponse']

const ENUMS: Record<string, Record<string, number>> = {
  OperationType: { ACTIVATE: 0, DEACTIVATE: 1 },
  AMTStatus: { UNKNOWN: 0, ENABLED: 1, DISABLED: 2 },
  ActivationStatus: { UNSPECIFIED: 0, ACTIVATING: 1, ACTIVATED: 2, ACTIVATION_FAILED: 3 },
}

interface FieldDescriptor {
  name: string
  number: number
  label: string
  type: string
  typeName: string
}
interface MethodDescriptor {
  path: string
  originalName: string
  requestStream: boolean
  responseStream: boolean
  requestType: { type: { name: string } }
  responseType: { type: { name: string } }
}

const definition = loadDmManagerDefinition()
const entry = (name: string): Record<string, unknown> => {
  const found = definition[`${PACKAGE}.${name}`]
  if (found === undefined) throw new Error(`${PACKAGE}.${name} is not in the descriptor`)
  return found as unknown as Record<string, unknown>
}

test('package, service and nothing else: exactly the reference messages, enums and one service', (t) => {
  const expected = [
    SERVICE,
    ...Object.keys(ENUMS),
    ...new Set(FIELDS.map(([message]) => message)),
    ...EMPTY_MESSAGES,
  ].map((name) => `${PACKAGE}.${name}`)
  t.deepEqual(Object.keys(definition).sort(), expected.sort())
})

test('three unary RPCs with the reference paths, request and response types', (t) => {
  const service = entry(SERVICE) as Record<string, MethodDescriptor>
  t.deepEqual(Object.keys(service).sort(), METHODS.map((method) => method.name).sort())
  for (const method of METHODS) {
    const found = service[method.name]
    t.like(found, { path: method.path, requestStream: false, responseStream: false }, method.name)
    t.is(found?.requestType.type.name, method.request)
    t.is(found?.responseType.type.name, method.response)
  }
})

test('every field: name, number, type (proto3 singular)', (t) => {
  for (const message of new Set(FIELDS.map(([name]) => name))) {
    const descriptor = entry(message) as { format: string; type: { field: FieldDescriptor[] } }
    t.is(descriptor.format, 'Protocol Buffer 3 DescriptorProto')
    const expected = FIELDS.filter(([name]) => name === message).map(([, field, number, type]) => ({
      field,
      number,
      type,
    }))
    const actual = descriptor.type.field.map((field) => ({
      field: field.name,
      number: field.number,
      type: field.type === 'TYPE_STRING' ? 'string' : field.type === 'TYPE_ENUM' ? field.typeName : field.type,
    }))
    t.deepEqual(actual, expected, message)
    t.true(
      descriptor.type.field.every((field) => field.label === 'LABEL_OPTIONAL'),
      `${message}: no repeated fields`,
    )
  }
  for (const message of EMPTY_MESSAGES)
    t.deepEqual((entry(message) as { type: { field: unknown[] } }).type.field, [], `${message} has no fields`)
})

test('every enum value: name (not prefixed) and number, top level in the package', (t) => {
  for (const [name, values] of Object.entries(ENUMS)) {
    const descriptor = entry(name) as { format: string; type: { value: Array<{ name: string; number: number }> } }
    t.is(descriptor.format, 'Protocol Buffer 3 EnumDescriptorProto')
    t.deepEqual(Object.fromEntries(descriptor.type.value.map((value) => [value.name, value.number])), values, name)
  }
})

test('the served descriptor bytes: every type reference fully qualified, exactly the table (fields and methods)', (t) => {
  const [file] = (entry('AMTStatusRequest') as { fileDescriptorProtos: Buffer[] }).fileDescriptorProtos
  if (file === undefined) throw new Error('no file descriptor')
  const expected = [
    ...FIELDS.filter(([, , , type]) => type !== 'string').map(([message, field, , type]): [string, string] => [
      `${message}.${field}`,
      type,
    ]),
    ...METHODS.flatMap((method): Array<[string, string]> => [
      [`${SERVICE}.${method.name} input`, `.${PACKAGE}.${method.request}`],
      [`${SERVICE}.${method.name} output`, `.${PACKAGE}.${method.response}`],
    ]),
  ]
  t.deepEqual(typeReferences(file), expected)
})

test(`the descriptor file is ${DESCRIPTOR_FILE_NAME}, proto3, without imports`, async (t) => {
  const files = (entry('AMTStatusRequest') as { fileDescriptorProtos: Buffer[] }).fileDescriptorProtos
  t.deepEqual(files.map(fileDescriptorName), ['dm-manager.proto'])
  const source = await readFile(PROTO_FILE, 'utf8')
  t.regex(source, /^syntax = "proto3";$/m)
  t.regex(source, /^package device_management;$/m)
  t.notRegex(source, /^\s*import\s/m)
})
