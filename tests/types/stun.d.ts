// The parts of the `stun` package (a STUN client used only by tests) that the tests call.
declare module 'stun' {
  import type { Socket } from 'node:dgram'

  interface StunAddress {
    family: string
    address: string
    port: number
  }
  interface StunResponse {
    getXorAddress(): StunAddress | undefined
    getAddress(): StunAddress | undefined
  }
  interface RequestOptions {
    socket?: Socket
    timeout?: number
    maxTimeout?: number
    retries?: number
  }
  const stun: { request(url: string, options?: RequestOptions): Promise<StunResponse> }
  export default stun
}
