import { expect, type Page } from '@playwright/test'

/** Saves a backup through "Your data" and returns the downloaded file's path. */
export async function saveBackup(page: Page, passphrase: string, path: string): Promise<string> {
  await page.getByTestId('open-data').click()
  const dialog = page.getByTestId('data-dialog')
  await dialog.getByTestId('backup-passphrase').fill(passphrase)
  await dialog.getByTestId('backup-passphrase-repeat').fill(passphrase)
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    dialog.getByTestId('backup-save').click(),
  ])
  await download.saveAs(path)
  await expect(dialog.getByTestId('backup-saved')).toBeVisible()
  await dialog.getByRole('button', { name: 'Close' }).click()
  return path
}

/** Starts a restore through "Your data"; returns the dialog, where an error would show. */
export async function startRestore(page: Page, file: string, passphrase: string) {
  if (!(await page.getByTestId('data-dialog').isVisible())) {
    await page.getByTestId('open-data').click()
  }
  const dialog = page.getByTestId('data-dialog')
  await dialog.getByTestId('restore-file').setInputFiles(file)
  await dialog.getByTestId('restore-passphrase').fill(passphrase)
  // A good file ends in a reload, which the click waits to see begin: allow for the key's time.
  await dialog.getByTestId('restore-start').click({ timeout: 90_000 })
  return dialog
}

/** The names in the workplace list (IndexedDB, read by a page script). */
export async function storedWorkplaces(page: Page): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const request = indexedDB.open('peerplace-workplaces')
        request.onerror = () => reject(request.error)
        request.onsuccess = () => {
          const db = request.result
          if (!db.objectStoreNames.contains('workplaces')) return resolve([])
          const all = db.transaction('workplaces').objectStore('workplaces').getAll()
          all.onsuccess = () => {
            resolve((all.result as { name: string }[]).map((w) => w.name))
            db.close()
          }
          all.onerror = () => reject(all.error)
        }
      }),
  )
}

/**
 * Entries per non-empty object store of every Peerplace database in the page's storage
 * ("db/store"). Empty stores are left out: a database the app creates empty is not data.
 */
export async function storageCounts(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const counts: Record<string, number> = {}
    const names = (await indexedDB.databases()).map((d) => d.name ?? '')
    for (const name of names.filter((n) => n.startsWith('peerplace')).sort()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name)
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
      })
      for (const store of [...db.objectStoreNames]) {
        counts[`${name}/${store}`] = await new Promise<number>((resolve, reject) => {
          const request = db.transaction(store).objectStore(store).count()
          request.onsuccess = () => resolve(request.result)
          request.onerror = () => reject(request.error)
        })
      }
      db.close()
    }
    return Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0))
  })
}

/**
 * Stops the page as a closed tab would, once `puts` entries have been stored in object stores
 * named `store` (during a restore: part of the backup is written): no transaction starts after
 * that, and the page reloads. For this page load only.
 */
export async function reloadMidRestore(page: Page, store: string, puts: number): Promise<void> {
  await page.evaluate(
    ([name, after]) => {
      const put = IDBObjectStore.prototype.put
      const transaction = IDBDatabase.prototype.transaction
      let seen = 0
      let stopped = false
      IDBObjectStore.prototype.put = function (
        this: IDBObjectStore,
        ...args: [unknown, IDBValidKey?]
      ) {
        if (this.name === name && ++seen === after) {
          stopped = true
          setTimeout(() => location.reload(), 0)
        }
        return put.apply(this, args)
      }
      IDBDatabase.prototype.transaction = function (
        this: IDBDatabase,
        ...args: Parameters<IDBDatabase['transaction']>
      ) {
        // A reload lets the page run until the new one arrives: this one must write no more.
        if (stopped) throw new Error('the tab is closing')
        return transaction.apply(this, args)
      }
    },
    [store, puts] as const,
  )
}
