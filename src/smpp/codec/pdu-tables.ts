/**
 * The protocol as data: the node-smpp defs tables (mandatory parameters in
 * wire order per command, TLV tags and types), compiled once at load into
 * the shapes our strict decoder and validating encoder walk. Loading fails
 * fast if the package's tables ever disagree with COMMAND_IDS.
 */
import smpp from 'smpp';
import { COMMAND_IDS, type CommandName } from './pdu-types';

export type ParamKind = 'int8' | 'int16' | 'int32' | 'cstring' | 'octets' | 'dest_address_array' | 'unsuccess_sme_array';
export type TlvKind = 'int8' | 'int16' | 'int32' | 'cstring' | 'string' | 'octets';

export interface ParamSpec {
  readonly name: string;
  readonly kind: ParamKind;
  /** A time field (§7.1.1): '' or exactly 16 characters. */
  readonly isTime: boolean;
}

export interface CommandSpec {
  readonly name: CommandName;
  readonly id: number;
  readonly params: readonly ParamSpec[];
  readonly paramNames: ReadonlySet<string>;
  /** TLV name -> field name on this command (broadcast_sm_resp renames one; kept generic). */
  readonly tlvRename: Readonly<Record<string, string>>;
}

export interface TlvSpec {
  readonly tag: number;
  readonly name: string;
  readonly kind: TlvKind;
  readonly multiple: boolean;
}

const TIME_FIELDS: ReadonlySet<string> = new Set(['schedule_delivery_time', 'validity_period', 'final_date']);

/** SMPP 3.4's interface_version; node-smpp would default to 0x50 (v5.0). */
export const INTERFACE_VERSION_34 = 0x34;

function paramKind(name: string, type: unknown): ParamKind {
  const t = smpp.types;
  if (type === t.int8) return 'int8';
  if (type === t.int16) return 'int16';
  if (type === t.int32) return 'int32';
  if (type === t.cstring) return 'cstring';
  if (type === t.buffer) return 'octets';
  if (type === t.dest_address_array) return 'dest_address_array';
  if (type === t.unsuccess_sme_array) return 'unsuccess_sme_array';
  throw new Error(`smpp package: parameter ${name} has a type the codec does not know`);
}

function tlvKind(name: string, type: unknown): TlvKind {
  const t = smpp.types.tlv;
  if (type === t.int8) return 'int8';
  if (type === t.int16) return 'int16';
  if (type === t.int32) return 'int32';
  if (type === t.cstring) return 'cstring';
  if (type === t.string) return 'string';
  if (type === t.buffer) return 'octets';
  throw new Error(`smpp package: TLV ${name} has a type the codec does not know`);
}

function compileCommands(): ReadonlyMap<CommandName, CommandSpec> {
  const out = new Map<CommandName, CommandSpec>();
  for (const [name, id] of Object.entries(COMMAND_IDS) as Array<[CommandName, number]>) {
    const def = smpp.commands[name];
    if (!def || def.id !== id) throw new Error(`smpp package: command ${name} missing or not 0x${id.toString(16)}`);
    const params = Object.entries(def.params ?? {}).map(([param, p]) => ({
      name: param,
      kind: paramKind(param, p.type),
      isTime: TIME_FIELDS.has(param),
    }));
    out.set(name, { name, id, params, paramNames: new Set(params.map((p) => p.name)), tlvRename: { ...def.tlvMap } });
  }
  return out;
}

function compileTlvs(): { byTag: ReadonlyMap<number, TlvSpec>; byName: ReadonlyMap<string, TlvSpec> } {
  const byTag = new Map<number, TlvSpec>();
  const byName = new Map<string, TlvSpec>();
  for (const [name, def] of Object.entries(smpp.tlvs)) {
    const canonical = smpp.tlvsById[def.id];
    const spec: TlvSpec = {
      tag: def.id,
      name: canonical?.tag ?? name,
      kind: tlvKind(name, def.type),
      multiple: def.multiple === true,
    };
    byName.set(name, spec);
    if (canonical?.tag === name) byTag.set(def.id, spec);
  }
  return { byTag, byName };
}

export const COMMAND_SPECS = compileCommands();
const compiledTlvs = compileTlvs();
export const TLV_BY_TAG = compiledTlvs.byTag;
export const TLV_BY_NAME = compiledTlvs.byName;

export function commandSpec(command: CommandName): CommandSpec {
  const spec = COMMAND_SPECS.get(command);
  if (!spec) throw new Error(`no table for ${command}`);
  return spec;
}

/** The value an omitted mandatory field takes on encode, and on decode of a body-less response. */
export function defaultParamValue(param: ParamSpec): unknown {
  if (param.name === 'interface_version') return INTERFACE_VERSION_34;
  switch (param.kind) {
    case 'int8':
    case 'int16':
    case 'int32':
      return 0;
    case 'cstring':
      return '';
    case 'octets':
      return Buffer.alloc(0);
    case 'dest_address_array':
    case 'unsuccess_sme_array':
      return [];
  }
}

export { smpp as smppPackage };
