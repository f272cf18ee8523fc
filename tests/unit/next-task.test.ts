import { describe, expect, it } from 'vitest'
import { nextTask } from '../../src/lib/next-task.ts'

describe('nextTask', () => {
  it('resolves in a later task: microtasks and tasks queued before it run first', async () => {
    const order: string[] = []
    const other = new MessageChannel()
    other.port1.onmessage = () => {
      order.push('task queued before')
      other.port1.close()
    }
    other.port2.postMessage(undefined)
    queueMicrotask(() => order.push('microtask'))
    await nextTask()
    order.push('next task')
    expect(order).toEqual(['microtask', 'task queued before', 'next task'])
  })
})
