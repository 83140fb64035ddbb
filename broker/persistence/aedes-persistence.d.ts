/**
 * Types for aedes-persistence's in-memory persistence class. The package's main entry exports a factory of its
 * callback wrapper; the class aedes 1.x can use directly (async interface) lives in asyncPersistence.js, which the
 * package types in types/asyncPersistence.d.ts without pointing its deep import path at them.
 */
declare module 'aedes-persistence/asyncPersistence.js' {
  import MemoryPersistence from 'aedes-persistence/types/asyncPersistence.js'
  export default MemoryPersistence
}
