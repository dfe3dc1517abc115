import { PCA } from 'ml-pca';

/**
 * Projects row-major embeddings [n, units] onto the first two principal components of
 * `fitOn` (also row-major), so that several sets share one picture's axes. Units constant
 * over `fitOn` (a unit that never fires) carry no variance and cannot be scaled: they are
 * left out.
 */
export function projectPca(
  fitOn: Float32Array,
  units: number,
  sets: Float32Array[],
): { x: number; y: number }[][] {
  const count = fitOn.length / units;
  const varying: number[] = [];
  for (let u = 0; u < units; u += 1) {
    const first = fitOn[u]!;
    for (let i = 1; i < count; i += 1) {
      if (fitOn[i * units + u] !== first) {
        varying.push(u);
        break;
      }
    }
  }
  const rows = (values: Float32Array): number[][] =>
    Array.from({ length: values.length / units }, (_, i) =>
      varying.map((u) => values[i * units + u]!),
    );
  const pca = new PCA(rows(fitOn), { center: true, scale: true });
  return sets.map((set) =>
    pca
      .predict(rows(set), { nComponents: 2 })
      .to2DArray()
      .map(([x, y]) => ({ x: x!, y: y! })),
  );
}
