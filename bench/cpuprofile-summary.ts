/**
 * Summarises a `.cpuprofile` (as `PEERPLACE_CHAT_PROFILE` writes one): the functions with the
 * most self time, and the most inclusive time, with their share of all samples.
 * `npx tsx bench/cpuprofile-summary.ts <file> [rows] [filter]`; `filter` keeps only functions
 * whose name or file contains it in the inclusive list.
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const [file, rowsArg, filter] = process.argv.slice(2)
if (!file) {
  console.error('usage: cpuprofile-summary <file> [rows] [filter]')
  process.exit(2)
}
const rows = Number(rowsArg ?? 30)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

const label = (n: ProfileNode) => {
  const { functionName, url, lineNumber } = n.callFrame
  const where = url ? ` ${url.replace(/^.*\//, '')}:${lineNumber + 1}` : ''
  return `${functionName || '(anonymous)'}${where}`
}

// Time of each sample: the delta that follows it.
const selfUs = new Map<string, number>()
const totalUs = new Map<string, number>()
let all = 0
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i + 1] ?? 0
  all += us
  const node = byId.get(id)!
  selfUs.set(label(node), (selfUs.get(label(node)) ?? 0) + us)
  const seen = new Set<string>()
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const name = label(byId.get(at)!)
    if (seen.has(name)) continue
    seen.add(name)
    totalUs.set(name, (totalUs.get(name) ?? 0) + us)
  }
})

const print = (title: string, map: Map<string, number>, keep: (name: string) => boolean) => {
  console.info(`\n${title}`)
  const top = [...map].filter(([name]) => keep(name)).sort((a, b) => b[1] - a[1])
  for (const [name, us] of top.slice(0, rows)) {
    const share = ((100 * us) / all).toFixed(1).padStart(5)
    console.info(`${(us / 1000).toFixed(0).padStart(7)} ms ${share}%  ${name}`)
  }
}
console.info(`${(all / 1000).toFixed(0)} ms sampled`)
print('self time', selfUs, () => true)
print('inclusive time', totalUs, (name) => !filter || name.includes(filter))
