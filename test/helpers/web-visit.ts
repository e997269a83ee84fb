/**
 * A browser's visit to a web form from chat (test/web/webform*.test.ts): the CSRF cookie and token of the page, then
 * posts with them.
 */
export class Visit {
  private cookie = '';
  csrf = '';
  constructor(readonly url: string) {}

  async get(): Promise<{ status: number; html: string }> {
    const res = await fetch(this.url, { headers: this.cookie ? { cookie: this.cookie } : {} });
    return this.read(res);
  }

  async post(form: URLSearchParams, opts: { csrf?: boolean } = {}): Promise<{ status: number; html: string }> {
    const body = new URLSearchParams(form);
    if (opts.csrf !== false) body.set('_csrf', this.csrf);
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookie },
      body: body.toString(),
      redirect: 'manual',
    });
    return this.read(res);
  }

  private async read(res: Response): Promise<{ status: number; html: string }> {
    const set = res.headers.getSetCookie().map((c) => c.split(';')[0]!);
    if (set.length)
      this.cookie = [...new Map([...this.cookie.split('; ').filter(Boolean), ...set].map((c) => [c.split('=')[0], c])).values()].join('; ');
    const html = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (token) this.csrf = token;
    return { status: res.status, html };
  }
}

/** The shown time readings of a page, sent back as a browser would (hidden fields). */
export const readingsOf = (html: string): [string, string][] =>
  [...html.matchAll(/name="(_read_\w+)" value="([^"]+)"/g)].map((m) => [m[1]!, m[2]!]);
