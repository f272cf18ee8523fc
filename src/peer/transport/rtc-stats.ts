import type { PipeStats } from './pipe.ts'

type Stat = Record<string, unknown>

/** Reads the selected candidate pair of a connection's stats report. */
export function pipeStatsFromReport(report: RTCStatsReport): PipeStats {
  const stats = new Map<string, Stat>()
  report.forEach((value: Stat, key: string) => stats.set(key, value))

  let pair: Stat | undefined
  for (const stat of stats.values()) {
    if (stat.type === 'transport' && typeof stat.selectedCandidatePairId === 'string') {
      pair = stats.get(stat.selectedCandidatePairId)
      if (pair) break
    }
  }
  // Firefox marks the pair instead of naming it on the transport.
  pair ??= [...stats.values()].find(
    (stat) => stat.type === 'candidate-pair' && (stat.selected === true || stat.nominated === true),
  )

  const candidateType = (id: unknown): string | null => {
    const type = typeof id === 'string' ? stats.get(id)?.candidateType : undefined
    return typeof type === 'string' ? type : null
  }
  const rtt = pair?.currentRoundTripTime
  return {
    rttMs: typeof rtt === 'number' ? rtt * 1000 : null,
    bytesSent: numberOr0(pair?.bytesSent),
    bytesReceived: numberOr0(pair?.bytesReceived),
    localCandidateType: candidateType(pair?.localCandidateId),
    remoteCandidateType: candidateType(pair?.remoteCandidateId),
  }
}

function numberOr0(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}
