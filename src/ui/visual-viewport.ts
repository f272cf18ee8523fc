/**
 * Keeps `--app-height` on the root element equal to the visual viewport's height, so a layout
 * sized by it stays above an on-screen keyboard on browsers whose `dvh` does not shrink for one
 * (iOS Safari). Returns a function that stops following it.
 */
export function followVisualViewport(win: Window): () => void {
  const viewport = win.visualViewport
  if (!viewport) return () => {}
  const root = win.document.documentElement
  const update = () => root.style.setProperty('--app-height', `${Math.round(viewport.height)}px`)
  update()
  viewport.addEventListener('resize', update)
  return () => {
    viewport.removeEventListener('resize', update)
    root.style.removeProperty('--app-height')
  }
}
