/**
 * In-page code (for `page.evaluate`; self-contained, Playwright sends its source): how many
 * contact rows the page's device has stored in its contact lists (IndexedDB), summed over the
 * stored pages; -1 when there is no stored list at all.
 */
export function storedContactRows(): Promise<number> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('peerplace-contact-lists')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const db = open.result
      if (!db.objectStoreNames.contains('pages')) return resolve(-1)
      const all = db.transaction('pages').objectStore('pages').getAll()
      all.onsuccess = () => {
        db.close()
        const pages = (all.result as unknown[]).filter(Array.isArray) as unknown[][]
        resolve(pages.reduce((n, page) => n + page.length, 0))
      }
    }
  })
}
