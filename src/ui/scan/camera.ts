/** Opens the back camera (or any camera) for scanning; rejects with a message for people. */
export async function openCamera(
  mediaDevices: Pick<MediaDevices, 'getUserMedia'> | undefined,
): Promise<MediaStream> {
  if (!mediaDevices) {
    throw new Error('This browser cannot use a camera here (a camera needs a secure https page).')
  }
  try {
    return await mediaDevices.getUserMedia({
      video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 } },
      audio: false,
    })
  } catch (error) {
    throw new Error(cameraErrorText(error), { cause: error })
  }
}

export function cameraErrorText(error: unknown): string {
  const name = error instanceof Error || error instanceof DOMException ? error.name : ''
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Peerplace may not use the camera. Allow it in the browser’s site settings, or paste the code instead.'
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found on this device. Paste the code instead.'
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera is busy in another app. Close it there and try again.'
    default:
      return `The camera could not be started${error instanceof Error ? ` (${error.message})` : ''}.`
  }
}

export function stopCamera(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop()
}
