/**
 * What each hand-written sample in tests/fixtures/vcard (one per address-book program's style)
 * must import as: every field, written out by hand from the sample, not from the reader.
 */
import type { ContactInput } from '../../src/crdt/contacts/contact-model.ts'

const png = (b64: string) => `data:image/png;base64,${b64}`
const RED =
  'iVBORw0KGgoAAAANSUhEUgAAAAwAAAAMCAIAAADZF8uwAAABx0lEQVR4AQG8AUP+AMgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHgDIHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh4AyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eAMgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHgDIHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh4AyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eAMgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHgDIHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh4AyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eAMgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHsgeHgDIHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh7IHh4AyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4eyB4ePE2SQYY3h3EAAAAASUVORK5CYII='
const GREEN =
  'iVBORw0KGgoAAAANSUhEUgAAAAwAAAAMCAIAAADZF8uwAAABx0lEQVR4AQG8AUP+AB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPAAeoDweoDweoDweoDweoDweoDweoDweoDweoDweoDweoDweoDwAHqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8AB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPAAeoDweoDweoDweoDweoDweoDweoDweoDweoDweoDweoDweoDwAHqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8AB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPAAeoDweoDweoDweoDweoDweoDweoDweoDweoDweoDweoDweoDwAHqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8AB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPB6gPAAeoDweoDweoDweoDweoDweoDweoDweoDweoDweoDweoDweoDwAHqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA8HqA86rOMoYvpJ60AAAAASUVORK5CYII='
const BLUE =
  'iVBORw0KGgoAAAANSUhEUgAAAAwAAAAMCAIAAADZF8uwAAABx0lEQVR4AQG8AUP+ACg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yAAoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgAKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIACg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yAAoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgAKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIACg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yAAoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgAKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIACg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yCg8yAAoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgoPMgAKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIKDzIBsqowdJ799oAAAAASUVORK5CYII='

export interface Sample {
  file: string
  contacts: ContactInput[]
  /** Property names reported as not mapped, over the whole file. */
  unmapped: string[]
}

export const SAMPLES: Sample[] = [
  {
    file: 'google-contacts.vcf',
    contacts: [
      {
        prefix: 'Dr.',
        given: 'Ann',
        middle: 'Marie',
        family: 'Lee',
        suffix: 'Jr.',
        display: 'Dr. Ann Marie Lee Jr.',
        nickname: 'Annie',
        org: 'Acme Corp',
        department: 'Research',
        title: 'Head of Research, Europe',
        birthday: '1985-04-12',
        anniversary: '2010-06-19',
        emails: [
          { label: 'home', value: 'ann@home.example' },
          { label: 'work', value: 'ann.lee@acme.example' },
        ],
        phones: [
          { label: 'mobile', value: '+44 7700 900123' },
          { label: 'work', value: '+44 20 7946 0123' },
        ],
        addresses: [
          {
            label: 'home',
            extended: 'Flat 3',
            street: '1 Main Street',
            locality: 'London',
            region: '',
            postcode: 'SW1A 1AA',
            country: 'United Kingdom',
          },
        ],
        urls: [{ label: 'Blog', value: 'https://ann.example/blog' }],
        notes: 'Met at the Lisbon conference.\nPrefers email; never calls.',
        tags: ['myContacts', 'Work'],
        extra: [
          'item3.X-ABRELATEDNAMES:Bob Lee',
          'item3.X-ABLabel:_$!<Spouse>!$_',
          'PHOTO:https://photos.example/contacts/ann-lee.jpg',
        ].join('\n'),
      },
      {
        display: '',
        org: 'Globex, Inc.',
        phones: [{ label: 'main', value: '+1 555 0100' }],
        urls: [{ label: 'work', value: 'https://globex.example' }],
      },
    ],
    unmapped: ['PHOTO', 'X-ABLABEL', 'X-ABRELATEDNAMES'],
  },
  {
    file: 'apple-contacts.vcf',
    contacts: [
      {
        given: 'Chidi',
        family: 'Okafor',
        display: '',
        org: 'Globex, Inc.',
        department: 'Logistics',
        title: 'Dispatcher',
        emails: [{ label: 'other', value: 'chidi@globex.example' }],
        phones: [
          { label: 'mobile', value: '+234 803 555 0101' },
          { label: 'Boat', value: '+234 1 555 0102' },
        ],
        addresses: [
          {
            label: 'home',
            street: '22 Marina Road\nBlock C',
            locality: 'Lagos',
            region: 'Lagos State',
            postcode: '100001',
            country: 'Nigeria',
            group: 'item3',
          },
        ],
        birthday: '--05-06',
        urls: [{ label: 'homepage', value: 'https://globex.example' }],
        ims: [
          { label: 'Skype', value: 'skype:chidi.okafor', kind: 'IMPP' },
          { label: 'twitter', value: 'https://twitter.com/chidi', kind: 'X-SOCIALPROFILE' },
        ],
        notes: 'Gate code 4711 — ring twice.',
        photo: png(GREEN),
        tags: ['Work', 'Neighbours'],
        uid: '4E6B1C3A-9F2D-4B8E-A1C7-2D5F8E9B0A13',
        extra: 'item3.X-ABADR:ng\nX-ABShowAs:PERSON',
      },
    ],
    unmapped: ['X-ABADR', 'X-ABSHOWAS'],
  },
  {
    file: 'outlook.vcf',
    contacts: [
      {
        prefix: 'Prof.',
        given: 'Jürgen',
        family: 'Müller',
        display: 'Prof. Jürgen Müller',
        org: 'Stark & Sons',
        department: 'Einkauf',
        title: 'Einkaufsleiter',
        phones: [
          { label: 'work', value: '+49 30 1234567' },
          { label: 'home', value: '+49 30 7654321' },
          { label: 'mobile', value: '+49 151 2345678' },
          { label: 'work fax', value: '+49 30 1234568' },
        ],
        addresses: [
          {
            label: 'work',
            extended: 'Gebäude B',
            street: 'Hauptstraße 12',
            locality: 'Berlin',
            region: '',
            postcode: '10115',
            country: 'Deutschland',
          },
        ],
        urls: [{ label: 'work', value: 'http://stark.example' }],
        emails: [{ label: '', value: 'juergen.mueller@stark.example' }],
        notes: 'Bevorzugt Anrufe vormittags.\nSekretärin: Frau Schmidt',
        birthday: '1972-03-15',
        anniversary: '2000-08-12',
        photo: png(RED),
        extra: [
          'LABEL;WORK;PREF;ENCODING=QUOTED-PRINTABLE;CHARSET=utf-8:Geb=C3=A4ude B=0D=0AHauptstra=C3=9Fe 12=0D=0A10115 Berlin',
          'X-MS-OL-DEFAULT-POSTAL-ADDRESS:2',
          'X-MS-IMADDRESS:juergen@im.example',
          'REV:20240301T120000Z',
        ].join('\n'),
      },
    ],
    unmapped: ['LABEL', 'REV', 'X-MS-IMADDRESS', 'X-MS-OL-DEFAULT-POSTAL-ADDRESS'],
  },
  {
    file: 'android-samsung.vcf',
    contacts: [
      {
        given: 'Łukasz',
        family: 'Nowak',
        display: '',
        nickname: 'Łuki',
        org: 'Initech',
        phones: [
          { label: 'mobile', value: '+48 600 100 200' },
          { label: 'Łódź', value: '+48 600 100 201' },
          { label: 'Lab', value: '+48 22 100 2020' },
        ],
        emails: [{ label: 'home', value: 'lukasz@poczta.example' }],
        addresses: [
          {
            label: 'home',
            street: 'ul. Marszałkowska 1',
            locality: 'Warszawa',
            region: '',
            postcode: '00-001',
            country: 'Polska',
          },
        ],
        birthday: '--04-12',
        urls: [{ label: '', value: 'https://lukasz.example' }],
        notes: 'Zna hasło do Wi-Fi. Dzwonić po 18:00, nie wcześniej.',
        ims: [
          { label: 'home', value: 'lukasz.aim', kind: 'X-AIM' },
          { label: '', value: 'lukasz@jabber.example', kind: 'X-JABBER' },
        ],
        photo: png(BLUE),
        extra:
          'X-ANDROID-CUSTOM;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:vnd.android.cursor.item/relation;=4A=61=6E;14;;;;;;;;;;;;;',
      },
      { given: 'Mama', display: '', phones: [{ label: 'home', value: '+48 22 555 0000' }] },
    ],
    unmapped: ['X-ANDROID-CUSTOM'],
  },
  {
    file: 'nextcloud-thunderbird.vcf',
    contacts: [
      {
        uid: '3b2f5c9e-6d1a-4f7e-9c2b-8a1d0e4f5a6b',
        given: 'Zoë',
        family: 'Søndergaard',
        display: '',
        nickname: 'Zo, Zozo',
        org: 'Umbrella Health',
        department: 'Pediatrics',
        title: 'Nurse',
        phones: [
          { label: 'mobile', value: '+45-20-12-34-56' },
          { label: 'work', value: '+45-33-12-34-56' },
        ],
        emails: [{ label: 'work', value: 'zoe@umbrella.example' }],
        addresses: [
          {
            label: 'work',
            pobox: 'PO 17',
            extended: 'Building 2',
            street: 'Nørregade 10',
            locality: 'København',
            region: 'Hovedstaden',
            postcode: '1165',
            country: 'Danmark',
          },
        ],
        birthday: '--02-29',
        anniversary: '2015-09-01',
        urls: [{ label: 'home', value: 'https://zoe.example/?a=1,b=2' }],
        ims: [{ label: 'home', value: 'xmpp:zoe@jabber.example', kind: 'IMPP' }],
        tags: ['Family', 'Book club'],
        notes: 'Allergic to cats; prefers tea, not coffee.\nCall after 5.',
        photo: png(RED),
        extra: [
          'GENDER:F',
          'LANG;PREF=1:da',
          'TZ:Europe/Copenhagen',
          'X-MOZILLA-HTML:FALSE',
          'REV:20240301T120000Z',
        ].join('\n'),
      },
    ],
    unmapped: ['GENDER', 'LANG', 'REV', 'TZ', 'X-MOZILLA-HTML'],
  },
]
