/** Where the app serves its static files (set by init), for everything the worker fetches. */
let baseUrl = '';

export function setBaseUrl(url: string): void {
  baseUrl = url;
}

export function appUrl(relativePath: string): string {
  return new URL(relativePath, baseUrl).toString();
}

export async function fetchAppBytes(relativePath: string): Promise<ArrayBuffer> {
  const url = appUrl(relativePath);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Could not fetch ${url} (HTTP ${res.status}).`);
  return res.arrayBuffer();
}
