/** Offers `text` as a file download (a .vcf export) through a temporary object URL. */
export function downloadText(
  name: string,
  text: string,
  type = 'text/vcard',
  doc = document,
): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }))
  const link = doc.createElement('a')
  link.href = url
  link.download = name
  link.style.display = 'none'
  doc.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
