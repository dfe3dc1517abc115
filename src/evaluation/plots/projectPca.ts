import { PCA } from 'ml-pca';

/**
 * Projects row-major embeddings [n, units] onto the first two principal components of
 * `fitOn` (also row-major), so that several sets share one picture's axes.
 */
export function projectPca(
  fitOn: Float32Array,
  units: number,
  sets: Float32Array[],
): { x: number; y: number }[][] {
  const rows = (values: Float32Array): number[][] =>
    Array.from({ length: values.length / units }, (_, i) =>
      Array.from(values.subarray(i * units, (i + 1) * units)),
    );
  const pca = new PCA(rows(fitOn), { center: true, scale: true });
  return sets.map((set) =>
    pca
      .predict(rows(set), { nComponents: 2 })
      .to2DArray()
      .map(([x, y]) => ({ x: x!, y: y! })),
  );
}
