import { DocFilesIndex } from './doc-files-index.ts'
import { FILES_DOC_KIND, type FilesDoc } from './files-doc.ts'
import type { FilesIndex } from './files-index.ts'
import type { FilesWorkplace } from './files-workplace.ts'

/**
 * The files document opened in this thread (where no documents worker holds it). A member who
 * is not an owner waits until the workplace's root document (synced from the others) names the
 * file index: only an owner may start one.
 */
export async function openPageFilesIndex(workplace: FilesWorkplace): Promise<FilesIndex> {
  await indexKnown(workplace)
  const handle = await workplace.openDoc<FilesDoc>(FILES_DOC_KIND)
  return new DocFilesIndex(workplace, handle)
}

function indexKnown(workplace: FilesWorkplace): Promise<void> {
  const known = () =>
    workplace.doc?.docs?.[FILES_DOC_KIND] !== undefined || workplace.isOwner(workplace.self)
  if (known()) return Promise.resolve()
  return new Promise((resolve) => {
    const off = workplace.on('change', () => {
      if (!known()) return
      off()
      resolve()
    })
  })
}
