import { change, NO_CHANGE, type Handler } from './change.ts'

/** presence → online flag (bootId and lastSeen are written for every accepted report by the ingest). */
export const handlePresence: Handler<'presence'> = (host, facts) => {
  if (host.online === facts.online) return NO_CHANGE
  return change({ online: facts.online }, [
    { kind: facts.online ? 'agent.online' : 'agent.offline', detail: { agentVersion: facts.agentVersion ?? null } },
  ])
}
