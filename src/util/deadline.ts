/**
 * Waits for a promise for at most `ms` milliseconds. When the time runs out first,
 * `onExpiry` decides: throw to reject (a stop that must fail loudly), or return to go on
 * without the result (a best-effort publish). The timer is always cleared, so an early
 * settle leaves nothing pending.
 */
export async function withDeadline(
  promise: Promise<unknown>,
  ms: number,
  onExpiry: () => void,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        onExpiry();
        resolve();
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    }, ms);
  });
  try {
    await Promise.race([promise.then(() => undefined), expired]);
  } finally {
    clearTimeout(timer);
  }
}
