/**
 * Opens each of the app's databases through the code that owns it, so each exists with its
 * schema before a restore writes into it (on a fresh browser some are made only when first
 * used). Loaded only for a restore.
 */
export async function prepareAppDatabases(indexedDB: IDBFactory): Promise<void> {
  const [
    { createIdbKeyStore },
    { IndexedDBStorageAdapter },
    { createIndexedDbWorkplaceList },
    { createIndexedDbRecordStore },
    { createIdbDirectStore },
    { createIdbChunkStore },
    { createIndexedDbSummaryStore, NO_SEALING },
    { createIndexedDbContactListStore },
  ] = await Promise.all([
    import('../peer/identity/idb-key-store.ts'),
    import('@automerge/automerge-repo-storage-indexeddb'),
    import('../crdt/workplace/workplace-list.ts'),
    import('../crdt/membership/record-store.ts'),
    import('../direct/idb-direct-store.ts'),
    import('../files/idb-chunk-store.ts'),
    import('../crdt/workplace/summary-store.ts'),
    import('../crdt/contacts/contact-list-store.ts'),
  ])
  await createIdbKeyStore({ indexedDB })
  await new IndexedDBStorageAdapter('peerplace-documents').load(['backup-probe'])
  await createIndexedDbWorkplaceList().all()
  await createIndexedDbRecordStore().all('backup-probe')
  ;(await createIdbDirectStore({ indexedDB })).close()
  ;(await createIdbChunkStore({ indexedDB })).close()
  await createIndexedDbSummaryStore(NO_SEALING).all()
  await createIndexedDbContactListStore(NO_SEALING).read('backup-probe')
}
