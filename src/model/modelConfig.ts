import { z } from 'zod';

/** One classification output on the pooled window embedding. */
export const headSchema = z.object({
  name: z.string().min(1),
  classes: z.array(z.string()).min(1),
  /**
   * `window` reads the pooled embedding; `end` also reads the last recurrent state;
   * `step` classifies every row from its token's encoder and recurrent states.
   */
  reads: z.enum(['window', 'end', 'step']),
});

export const modalitySchema = z.object({
  name: z.string().min(1),
  /** Indices into the input's channel axis. */
  channels: z.array(z.number().int().nonnegative()).min(1),
});

/** Sizes and wiring of the sensor encoder; stored in the artifact as its topology. */
export const modelConfigSchema = z
  .object({
    windowLength: z.number().int().positive(),
    patch: z.number().int().positive(),
    channels: z.number().int().positive(),
    modalities: z.array(modalitySchema).min(1),
    contextSize: z.number().int().nonnegative(),
    width: z.number().int().positive(),
    attentionHeads: z.number().int().positive(),
    blocks: z.number().int().positive(),
    feedForward: z.number().int().positive(),
    adapterWidth: z.number().int().positive(),
    recurrentUnits: z.number().int().positive(),
    heads: z.array(headSchema).min(1),
  })
  .refine((c) => c.windowLength % c.patch === 0, 'windowLength must be a multiple of patch')
  .refine((c) => c.width % c.attentionHeads === 0, 'width must be a multiple of attentionHeads')
  .refine(
    (c) => c.modalities.every((m) => m.channels.every((i) => i < c.channels)),
    'modality channel indices must be below channels',
  );

export type ModelConfig = z.infer<typeof modelConfigSchema>;
export type HeadConfig = z.infer<typeof headSchema>;

/** Layer groups in forward order; adapters and heads are listed apart. */
export function encoderGroups(config: ModelConfig): string[] {
  const blocks = Array.from({ length: config.blocks }, (_, i) => `block${i}`);
  return ['input', 'fusion', ...blocks, 'recurrent', 'pool'];
}

export function adapterGroups(config: ModelConfig): string[] {
  return Array.from({ length: config.blocks }, (_, i) => `adapter.block${i}`);
}

export function headGroup(head: string): string {
  return `head.${head}`;
}
