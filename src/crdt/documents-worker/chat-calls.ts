import { hopMark } from '../../lib/hop-marks.ts'
import type { WorkplaceChat } from '../chat/workplace-chat.ts'
import type { ChatCall } from './documents-worker-protocol.ts'

/** Does what the page asked of a chat held in the worker (a RemoteChat call); its result. */
export async function performChatCall(chat: WorkplaceChat, request: ChatCall): Promise<unknown> {
  switch (request.method) {
    case 'send':
      hopMark('w-call', request.args[0])
      return chat.send(...request.args)
    case 'edit':
      return chat.edit(...request.args)
    case 'deleteMessage':
      return chat.deleteMessage(...request.args)
    case 'toggleReaction':
      return chat.toggleReaction(...request.args)
    case 'loadOlder':
      return chat.loadOlder()
    case 'reveal':
      return chat.reveal(...request.args)
    case 'settled':
      await chat.settled()
      return undefined
    case 'markRead':
      chat.markRead()
      return undefined
    case 'markReadSoon':
      chat.markReadSoon()
      return undefined
  }
}
