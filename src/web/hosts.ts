/** The host name of a Host header value (`[::1]:3000` → `[::1]`, `example.org:80` → `example.org`). */
export function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  return h.replace(/:\d*$/, '');
}
