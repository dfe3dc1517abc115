/**
 * The streams adaptd reads and writes. Each stream is one MQTT topic per machine and one Kafka
 * topic shared by all machines (see topics.ts); each has one payload schema (payloadSchemas.ts).
 */
export const INPUT_STREAMS = ['sensors', 'gcode', 'labels', 'commands'] as const;
export const OUTPUT_STREAMS = [
  'predictions',
  'status',
  'drift',
  'events',
  'replies',
  'deadletter',
] as const;

export type InputStream = (typeof INPUT_STREAMS)[number];
export type OutputStream = (typeof OUTPUT_STREAMS)[number];
export type Stream = InputStream | OutputStream;

export function isInputStream(name: string): name is InputStream {
  return (INPUT_STREAMS as readonly string[]).includes(name);
}

export function isOutputStream(name: string): name is OutputStream {
  return (OUTPUT_STREAMS as readonly string[]).includes(name);
}
