import { splitLinks } from './link-text.ts'

/**
 * Shows message text in an element as text; http(s) links become anchors (`{@attach}` it).
 * Never markup: every part goes in as a text node. Built with the DOM rather than a template
 * of blocks: a busy chat makes a row per message, and most texts are one text node.
 */
export function messageText(text: string): (element: HTMLElement) => void {
  return (element) => {
    element.replaceChildren(
      ...splitLinks(text).map((part) => {
        if (part.kind === 'text') return part.text
        const anchor = element.ownerDocument.createElement('a')
        anchor.href = part.href
        anchor.target = '_blank'
        anchor.rel = 'noopener noreferrer'
        anchor.textContent = part.text
        return anchor
      }),
    )
  }
}
