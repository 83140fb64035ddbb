import type { KvAnswer } from './vault-kv.ts'

/**
 * `GET|HEAD /v1/sys/health` as Vault answers it, without a token (RPS and MPS poll
 * `/v1/sys/health?standbyok=true` before they start, and exit after ~50 s without an answer): 200 for an
 * initialised, unsealed active node, 503 while sealed (`sealedcode` overrides), with Vault's status body. The fake is
 * one active node, so `standbyok` changes nothing.
 */
export function healthAnswer(query: URLSearchParams, sealed: boolean, startedAt: number): KvAnswer {
  const code = (name: string, fallback: number) => {
    const value = Number(query.get(name) ?? fallback)
    return Number.isInteger(value) && value >= 100 && value <= 599 ? value : fallback
  }
  return {
    status: sealed ? code('sealedcode', 503) : code('activecode', 200),
    body: {
      initialized: true,
      sealed,
      standby: sealed,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: Math.floor(Date.now() / 1000),
      version: '1.15.6',
      cluster_name: 'vault-cluster-fake',
      cluster_id: `fake-${startedAt}`,
    },
  }
}
