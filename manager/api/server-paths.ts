/** The versioned prefix of every authenticated route (shared by the server and the CLI client). */
export const API_PREFIX = '/api/v1'

/** The CLI's default manager URL (the manager's default HTTP listener). */
export const DEFAULT_API_URL = 'http://127.0.0.1:8080'
