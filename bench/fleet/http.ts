/** GETs `url` as text; rejects on a non-2xx answer or after `timeoutMs`. */
export async function getText(url: string, timeoutMs: number): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return await res.text();
}

/** GETs `url` and parses its JSON body; rejects on a non-2xx answer or after `timeoutMs`. */
export async function getJson(url: string, timeoutMs: number): Promise<unknown> {
  return JSON.parse(await getText(url, timeoutMs)) as unknown;
}

/** True when `url` answers 2xx within a second. */
export async function answersOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}
