// Digital Bazaar's status-list library ships no types; this declares the part the
// interop tests use.
declare module '@digitalbazaar/vc-bitstring-status-list' {
  export class BitstringStatusList {
    constructor(options?: { length?: number; buffer?: Uint8Array })
    readonly length: number
    setStatus(index: number, status: boolean): void
    getStatus(index: number): boolean
    encode(): Promise<string>
    static decode(options: { encodedList: string }): Promise<BitstringStatusList>
  }
}
