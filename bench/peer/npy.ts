import { writeFile } from 'node:fs/promises';

/**
 * Writes a little-endian float32 or int32 array as a NumPy .npy file (format 1.0), so
 * the PyTorch peer reads it with numpy.load and nothing else.
 */
export async function writeNpy(
  path: string,
  values: Float32Array | Int32Array,
  shape: readonly number[],
): Promise<void> {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== values.length) {
    throw new Error(
      `${path}: shape [${shape.join(',')}] holds ${size} values, got ${values.length}`,
    );
  }
  const descr = values instanceof Float32Array ? '<f4' : '<i4';
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  // Magic (6) + version (2) + header length (2) + header, padded with spaces to 64 bytes.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix.writeUInt8(1, 6);
  prefix.writeUInt8(0, 7);
  prefix.writeUInt16LE(header.length, 8);
  const body = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  await writeFile(path, Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]));
}
