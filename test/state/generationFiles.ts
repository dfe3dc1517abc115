/** Size of the bulk file of a generation, large enough that kills land inside its write. */
const BULK_BYTES = 256 * 1024;

/** The files the kill-loop writer stores as generation `seq`; each says which seq it is. */
export function generationFiles(seq: number): Record<string, Uint8Array | string> {
  const bulk = new Uint8Array(BULK_BYTES + (seq % 97));
  for (let i = 0; i < bulk.length; i += 1) bulk[i] = (seq * 31 + i) & 0xff;
  return {
    'serving.json': JSON.stringify({ seq, adapterVersion: `a${seq}` }),
    'support.bin': bulk,
  };
}

/** Whether `files` are exactly what generationFiles(seq) wrote. */
export function matchesGeneration(files: ReadonlyMap<string, Buffer>, seq: number): boolean {
  const expected = generationFiles(seq);
  if (files.size !== Object.keys(expected).length) return false;
  return Object.entries(expected).every(([name, data]) => {
    const actual = files.get(name);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    return actual !== undefined && actual.equals(bytes);
  });
}
