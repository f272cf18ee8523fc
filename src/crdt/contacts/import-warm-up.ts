import { change, from } from '@automerge/automerge'
import { newStoredContact } from './contact-edit.ts'
import { contactIdSource } from './contact-id.ts'
import type { ContactInput } from './contact-model.ts'
import { readContact, type ContactsDoc } from './contacts-doc.ts'
import { nextTask } from '../../lib/next-task.ts'

/** Contacts written per change of the warm-up, with a pause after each. */
const CHUNK = 25
/** At most this many: past a few hundred the code is as fast as it gets. */
const MAX_CONTACTS = 300

/** A made-up contact with the fields phone exports fill (names, phones, email, address, …). */
function sample(i: number): ContactInput {
  return {
    given: `Warm${i}`,
    family: `Up${i % 7}`,
    org: 'Example Ltd',
    title: i % 2 ? 'Engineer' : '',
    birthday: i % 3 ? '' : '1980-01-02',
    notes: i % 4 ? '' : `Note ${i}`,
    phones: [
      { label: 'mobile', value: `+1 555 01${String(i).padStart(5, '0')}` },
      ...(i % 2 ? [{ label: 'Work', value: `+44 20 7946 ${i % 10000}` }] : []),
    ],
    emails: [{ label: 'work', value: `warm${i}@example.com` }],
    addresses:
      i % 2
        ? []
        : [
            {
              label: 'home',
              street: `${i} Main St`,
              locality: 'Town',
              region: '',
              postcode: 'X1',
              country: 'Y',
            },
          ],
    tags: [i % 2 ? 'Work' : 'Family'],
  }
}

/**
 * Writes made-up contacts to a scratch document (never stored or sent) until `stop()` says an
 * import has begun. Run while a file is picked and parsed, it gets Automerge's WebAssembly and the
 * write path compiled by the engine: cold, the first few hundred contacts of an import were
 * written at a third of the speed of the rest.
 */
export async function warmUpImport(stop: () => boolean, pause = nextTask): Promise<number> {
  let doc = from<ContactsDoc & Record<string, unknown>>({ contacts: {} })
  const newId = contactIdSource()
  let written = 0
  while (written < MAX_CONTACTS && !stop()) {
    const ids: string[] = []
    doc = change(doc, { time: 0 }, (d) => {
      for (let i = 0; i < CHUNK; i++) {
        const id = newId()
        ids.push(id)
        d.contacts[id] = newStoredContact(sample(written + i), { at: 0, by: 'warm-up' }, newId)
      }
    })
    for (const id of ids) readContact(id, doc.contacts[id])
    written += CHUNK
    await pause()
  }
  return written
}
