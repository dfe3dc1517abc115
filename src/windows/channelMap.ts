import type { ChannelSchema } from '../data/channelSchema.js';
import { CONTROLLER_STATE_KEYS, type ControllerStateKey } from '../data/runFrame.js';
import { AdaptdError } from '../errors.js';

/** Where one name of a machine's sample lands: a model channel, the controller context, or nowhere. */
export type ChannelTarget =
  | { kind: 'channel'; index: number }
  | { kind: 'context'; field: ControllerStateKey }
  | { kind: 'unknown' };

const CONTEXT_FIELDS: ReadonlySet<string> = new Set(CONTROLLER_STATE_KEYS);
/** Unknown names remembered for reporting; a machine sending ever new names cannot grow it. */
const MAX_UNKNOWN_NAMES = 256;

/**
 * Maps the channel names a machine sends onto the model's schema. A name the map does not
 * list stands for the model channel of the same name (the identity default). Model channels
 * no machine name reaches are reported by `unreachable` so that start-up can say which inputs
 * will always be masked.
 */
export class ChannelMap {
  private readonly targets = new Map<string, ChannelTarget>();
  private readonly unknown = new Set<string>();
  /** Schema channels no machine name maps to, sorted by schema order. */
  readonly unreachable: readonly string[];

  constructor(
    readonly schema: ChannelSchema,
    mapping: Readonly<Record<string, string>> = {},
  ) {
    const indexOf = new Map(schema.channels.map((spec, c) => [spec.name, c]));
    const bad = Object.entries(mapping).filter(([, model]) => !indexOf.has(model));
    if (bad.length > 0) {
      throw new AdaptdError(
        'CONFIG_INVALID',
        `windows.channelMap maps ${bad.map(([m, c]) => `${m} -> ${c}`).join(', ')}, but the ` +
          `model has no such channel; allowed targets are the model's ${schema.channels.length} ` +
          `channels, e.g. ${schema.channels
            .slice(0, 3)
            .map((s) => s.name)
            .join(', ')}`,
        { context: { unknownTargets: bad.map(([, model]) => model) } },
      );
    }
    const taken = new Map<number, string>();
    const reached = new Set<number>();
    const claim = (machine: string, index: number): void => {
      const other = taken.get(index);
      if (other !== undefined) {
        throw new AdaptdError(
          'CONFIG_INVALID',
          `windows.channelMap sends both ${other} and ${machine} to model channel ` +
            `${schema.channels[index]?.name}; each model channel takes one machine channel`,
          { context: { channel: schema.channels[index]?.name, machine: [other, machine] } },
        );
      }
      taken.set(index, machine);
      reached.add(index);
      this.targets.set(machine, { kind: 'channel', index });
    };
    for (const [machine, model] of Object.entries(mapping)) claim(machine, indexOf.get(model)!);
    // Identity for every model channel whose own name was not mapped away or taken.
    const renamed = new Set(Object.keys(mapping));
    schema.channels.forEach((spec, c) => {
      if (!taken.has(c) && !renamed.has(spec.name)) {
        reached.add(c);
        this.targets.set(spec.name, { kind: 'channel', index: c });
      }
    });
    this.unreachable = schema.channels.filter((_, c) => !reached.has(c)).map((s) => s.name);
  }

  /** C, the number of model channels. */
  get channels(): number {
    return this.schema.channels.length;
  }

  /** Where `name` goes; controller state fields go to the context unless mapped. */
  target(name: string): ChannelTarget {
    const known = this.targets.get(name);
    if (known !== undefined) return known;
    if (CONTEXT_FIELDS.has(name)) return { kind: 'context', field: name as ControllerStateKey };
    if (this.unknown.size < MAX_UNKNOWN_NAMES) this.unknown.add(name);
    return { kind: 'unknown' };
  }

  /** Machine names seen so far that go nowhere (bounded by what the machine sends). */
  unknownNames(): string[] {
    return [...this.unknown].sort();
  }
}
