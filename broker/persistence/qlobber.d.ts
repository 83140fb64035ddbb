/**
 * Types for qlobber (the package ships none), the topic matcher aedes and aedes-persistence use. Only what the
 * broker uses is typed: a QlobberTrue only answers whether any added filter matches a topic.
 */
declare module 'qlobber' {
  export interface QlobberOptions {
    separator?: string
    wildcard_one?: string
    wildcard_some?: string
    /** `wildcard_one` matches an empty level too (MQTT: `a/+/b` matches `a//b`). */
    match_empty_levels?: boolean
    /** Topics and filters with more levels throw `too many words` (default 100). */
    max_words?: number
  }
  export class QlobberTrue {
    constructor(options?: QlobberOptions)
    add(filter: string): this
    test(topic: string): boolean
  }
}
