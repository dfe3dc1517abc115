import type { Check } from './httpServer.js';

/** Hosts that mean "every interface": the probe reaches them over loopback. */
const WILDCARDS: Record<string, string> = { '0.0.0.0': '127.0.0.1', '::': '[::1]' };

/**
 * Asks the daemon's own /healthz, the endpoint a container's HEALTHCHECK and a person ask, so
 * the systemd watchdog is fed only while the HTTP server answers and the event loop keeps up.
 * Never throws: a refused, slow or unhealthy answer is a failed check with the reason.
 */
export async function probeHealthz(
  address: { host: string; port: number },
  timeoutMs = 5000,
): Promise<Check> {
  const host =
    WILDCARDS[address.host] ?? (address.host.includes(':') ? `[${address.host}]` : address.host);
  const url = `http://${host}:${address.port}/healthz`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json().catch(() => ({}))) as { detail?: unknown };
    if (response.ok) return { ok: true };
    const detail = typeof body.detail === 'string' ? body.detail : `HTTP ${response.status}`;
    return { ok: false, detail };
  } catch (error) {
    return {
      ok: false,
      detail: `${url}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
