import type { Fleet, HostView } from '../../../agent/simulate/index.ts'
import type { DmtConfigInput } from '../../dmt/config.ts'
import { FakeMps } from './mps/fake-mps.ts'
import { FakeRps } from './rps/fake-rps.ts'

/**
 * RPS and MPS of the Device Management Toolkit, simulated in this process for the demo (`amt-manager demo`): the
 * same stand-ins the tests use (rps/fake-rps.ts, mps/fake-mps.ts: real HTTP servers on 127.0.0.1 that answer and
 * validate as RPS v2.40.0 and MPS v2.34.1 do, state in memory). The manager talks to them through its real REST
 * clients, as to real servers. What the simulated devices cannot do themselves — open a CIRA connection to MPS
 * once activated — `followFleet` does for them, so power actions reach them.
 */

/** Where simulated AMT devices "open" CIRA: RPS needs a lower-case FQDN with a TLD (docs/dmt.md). */
const SIMULATED_MPS_ADDRESS = 'mps.demo.invalid'
/** The activation endpoint sent in every desired (the simulated AMT does not dial it). */
const SIMULATED_ACTIVATION_URL = 'wss://rps.demo.invalid/activate'
/** The demo refreshes power states often, so a newcomer sees them soon after activation. */
const DEMO_POWER_SWEEP_SECONDS = 15

export interface SimulatedDmt {
  rps: FakeRps
  mps: FakeMps
  /** The manager's `dmt` config section pointing at the two servers. */
  config: DmtConfigInput
  /** Opens a host's CIRA connection when its agent reports PROVISIONED, closes it otherwise; returns the unsubscribe. */
  followFleet(fleet: Pick<Fleet, 'onChange'>): () => void
  close(): Promise<void>
}

export async function startSimulatedDmt(): Promise<SimulatedDmt> {
  const [rps, mps] = await Promise.all([FakeRps.start(), FakeMps.start()])
  const retry = { attempts: 2, baseMs: 50, maxMs: 200 }
  return {
    rps,
    mps,
    config: {
      rps: { url: rps.url, activationUrl: SIMULATED_ACTIVATION_URL, retry },
      mps: { url: mps.url, publicAddress: SIMULATED_MPS_ADDRESS, retry },
      powerSweep: { intervalSeconds: DEMO_POWER_SWEEP_SECONDS },
    },
    followFleet: (fleet) => fleet.onChange((host) => followHost(mps, host)),
    close: async () => {
      await Promise.all([rps.close(), mps.close()])
    },
  }
}

/**
 * AMT keeps its CIRA connection while provisioned (MPS accepts only devices registered with it); a device already
 * connected keeps its power state.
 */
function followHost(mps: FakeMps, host: HostView): void {
  const connected = mps.devices.get(host.hostId.toLowerCase())?.connectionStatus === true
  if (host.phase === 'PROVISIONED' && !connected) mps.connect(host.hostId)
  else if (host.phase !== 'PROVISIONED' && connected) mps.disconnect(host.hostId)
}
