/** The query parameter of the page that shows a received share (see share-inbox.ts). */
export const SHARE_QUERY = 'share'
