/**
 * The contact files the browser contact benches import: 3.0 cards as phones export them
 * (structured names, one to three phones with TYPE or Apple X-ABLabel labels, emails, half with
 * an address, some notes, birthdays and categories).
 */
const GIVEN = ['Ann', 'Bob', 'Chidi', 'Dana', 'José', 'Zoë', 'Mei', 'Noor', 'Priya', 'Sven']
const FAMILY = ['Lee', 'Okafor', 'García', 'Müller', 'Nowak', 'Smith', 'Haddad', 'Tanaka']
const ORGS = ['Acme Corp', 'Globex\\, Inc.', 'Initech', 'Umbrella Health', 'Wayne Logistics']

export function vcardFile(count: number): string {
  const cards: string[] = []
  for (let i = 0; i < count; i++) {
    const given = GIVEN[i % GIVEN.length]!
    const family = FAMILY[(i * 7) % FAMILY.length]!
    const lines = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      `N:${family};${given};;;`,
      `FN:${given} ${family}`,
      `ORG:${ORGS[(i * 3) % ORGS.length]};`,
      `TEL;type=CELL;type=VOICE;type=pref:+1 555 01${String(i).padStart(5, '0')}`,
    ]
    if (i % 2 === 0)
      lines.push(`item1.TEL:+44 20 7946 ${String(i).padStart(4, '0')}`, 'item1.X-ABLabel:Office')
    lines.push(`EMAIL;type=INTERNET;type=WORK:${given.toLowerCase()}.${i}@example.com`)
    if (i % 2 === 1)
      lines.push(`ADR;type=HOME:;;${i} Main Street;London;;SW1A ${i % 10}AA;United Kingdom`)
    if (i % 5 === 0) lines.push(`NOTE:Met at event number ${i}\\, likes tea.`)
    if (i % 7 === 0) lines.push(`BDAY:19${String(50 + (i % 50))}-0${1 + (i % 9)}-1${i % 10}`)
    lines.push(`CATEGORIES:${['Family', 'Work', 'Client'][i % 3]}`, 'END:VCARD')
    cards.push(lines.join('\r\n'))
  }
  return cards.join('\r\n') + '\r\n'
}
