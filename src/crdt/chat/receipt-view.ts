import type { PeerId } from '../../peer/ids.ts'

/** How far one of this device's messages has got: delivered to and read by whom. */
export interface ReceiptView {
  /** Members other than the author. */
  recipients: PeerId[]
  /** Recipients whose device holds the message. */
  delivered: PeerId[]
  /** Recipients who have seen it. */
  read: PeerId[]
  /** Recipients whose device does not hold it yet. */
  missing: PeerId[]
  state: 'sent' | 'partly-delivered' | 'delivered' | 'read'
}

/** "sent", "delivered to 2 of 3", "delivered to all, read by 1", "read by all". */
export function receiptLabel(view: ReceiptView): string {
  const n = view.recipients.length
  if (view.state === 'read') return n === 1 ? 'read' : 'read by all'
  if (view.state === 'sent') return 'sent'
  const delivered =
    view.state === 'delivered'
      ? n === 1
        ? 'delivered'
        : 'delivered to all'
      : `delivered to ${view.delivered.length} of ${n}`
  return view.read.length > 0 ? `${delivered}, read by ${view.read.length}` : delivered
}
