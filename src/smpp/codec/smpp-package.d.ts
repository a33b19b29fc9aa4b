/**
 * The part of the npm `smpp` package (node-smpp 0.5) that the codec uses:
 * its defs tables (commands, TLVs, field types) and its PDU class (as the
 * reference our encoder is tested against). Only src/smpp/codec imports
 * the package.
 */
declare module 'smpp' {
  interface SmppFieldType {
    read(buffer: Buffer, offset: number, length?: number): unknown;
    write(value: unknown, buffer: Buffer, offset: number): void;
    size(value: unknown): number;
    default: unknown;
  }

  interface SmppParamDef {
    type: SmppFieldType;
    default?: unknown;
    filter?: unknown;
  }

  interface SmppCommandDef {
    id: number;
    command: string;
    params?: Record<string, SmppParamDef>;
    tlvMap?: Record<string, string>;
  }

  interface SmppTlvDef {
    id: number;
    tag: string;
    type: SmppFieldType;
    multiple?: boolean;
    filter?: unknown;
  }

  interface SmppPdu {
    toBuffer(): Buffer;
  }

  interface SmppPackage {
    /** Used by the codec tests to check our encoder byte for byte. */
    PDU: new (command: string, options?: Record<string, unknown>) => SmppPdu;
    commands: Record<string, SmppCommandDef>;
    tlvs: Record<string, SmppTlvDef>;
    tlvsById: Record<number, SmppTlvDef>;
    types: {
      int8: SmppFieldType;
      int16: SmppFieldType;
      int32: SmppFieldType;
      string: SmppFieldType;
      cstring: SmppFieldType;
      buffer: SmppFieldType;
      dest_address_array: SmppFieldType;
      unsuccess_sme_array: SmppFieldType;
      tlv: {
        int8: SmppFieldType;
        int16: SmppFieldType;
        int32: SmppFieldType;
        cstring: SmppFieldType;
        string: SmppFieldType;
        buffer: SmppFieldType;
      };
    };
  }

  const smpp: SmppPackage;
  export default smpp;
}
