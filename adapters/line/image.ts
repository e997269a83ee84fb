import { createRequire } from 'node:module';
import { deflateSync } from 'node:zlib';

/**
 * A tiny raster painter for the rich menu image: filled rectangles and text drawn from a TrueType font's outlines
 * (fontkit, already installed with pdfkit; Noto Sans TC from @expo-google-fonts/noto-sans-tc), anti-aliased by 4×4
 * supersampling, written as an 8-bit RGB PNG. No image library needed.
 */
export type RGB = [number, number, number];

interface PathCommand {
  command: 'moveTo' | 'lineTo' | 'quadraticCurveTo' | 'bezierCurveTo' | 'closePath';
  args: number[];
}
interface FontLike {
  unitsPerEm: number;
  ascent: number;
  descent: number;
  layout(text: string): {
    glyphs: { path: { commands: PathCommand[] } }[];
    positions: { xAdvance: number; xOffset: number; yOffset: number }[];
  };
}

const require = createRequire(import.meta.url);

export function loadFont(file: string): FontLike {
  const fontkit = require('fontkit') as { openSync(path: string): FontLike };
  return fontkit.openSync(file);
}

export function hex(color: string): RGB {
  const n = parseInt(color.replace('#', ''), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const SS = 4; // samples per pixel along each axis

export class Canvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: RGB,
  ) {
    this.pixels = new Uint8Array(width * height * 3);
    this.rect(0, 0, width, height, background);
  }

  rect(x: number, y: number, w: number, h: number, color: RGB): void {
    for (let yy = Math.max(0, y); yy < Math.min(this.height, y + h); yy += 1) {
      for (let xx = Math.max(0, x); xx < Math.min(this.width, x + w); xx += 1) this.pixels.set(color, (yy * this.width + xx) * 3);
    }
  }

  /** Width in pixels of `text` at `size` pixels per em. */
  measure(font: FontLike, text: string, size: number): number {
    const run = font.layout(text);
    return run.positions.reduce((w, p) => w + p.xAdvance, 0) * (size / font.unitsPerEm);
  }

  /** Draws `text` centred on (cx, cy) (the middle of the em box), `size` pixels per em. */
  textCentered(font: FontLike, text: string, cx: number, cy: number, size: number, color: RGB): void {
    const scale = size / font.unitsPerEm;
    const run = font.layout(text);
    const width = this.measure(font, text, size);
    const baseline = cy + ((font.ascent + font.descent) / 2) * scale;
    // Outline edges in pixel space (y down).
    const edges: [number, number, number, number][] = [];
    let penX = cx - width / 2;
    run.glyphs.forEach((g, i) => {
      const pos = run.positions[i]!;
      const ox = penX + pos.xOffset * scale;
      const oy = baseline - pos.yOffset * scale;
      const tx = (x: number) => ox + x * scale;
      const ty = (y: number) => oy - y * scale;
      let sx = 0,
        sy = 0,
        lx = 0,
        ly = 0;
      const line = (x: number, y: number) => {
        edges.push([lx, ly, x, y]);
        lx = x;
        ly = y;
      };
      for (const c of g.path.commands) {
        const a = c.args;
        if (c.command === 'moveTo') {
          if (lx !== sx || ly !== sy) line(sx, sy);
          sx = lx = tx(a[0]!);
          sy = ly = ty(a[1]!);
        } else if (c.command === 'lineTo') line(tx(a[0]!), ty(a[1]!));
        else if (c.command === 'quadraticCurveTo') {
          const [x0, y0, x1, y1, x2, y2] = [lx, ly, tx(a[0]!), ty(a[1]!), tx(a[2]!), ty(a[3]!)];
          for (let k = 1; k <= 8; k += 1) {
            const t = k / 8,
              u = 1 - t;
            line(u * u * x0 + 2 * u * t * x1 + t * t * x2, u * u * y0 + 2 * u * t * y1 + t * t * y2);
          }
        } else if (c.command === 'bezierCurveTo') {
          const [x0, y0, x1, y1, x2, y2, x3, y3] = [lx, ly, tx(a[0]!), ty(a[1]!), tx(a[2]!), ty(a[3]!), tx(a[4]!), ty(a[5]!)];
          for (let k = 1; k <= 10; k += 1) {
            const t = k / 10,
              u = 1 - t;
            line(
              u * u * u * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x3,
              u * u * u * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y3,
            );
          }
        } else if (c.command === 'closePath') line(sx, sy);
      }
      if (lx !== sx || ly !== sy) line(sx, sy);
      penX += pos.xAdvance * scale;
    });
    this.fill(edges, color);
  }

  /** Non-zero winding scanline fill with SS×SS samples per pixel, blended over what is there. */
  private fill(edges: [number, number, number, number][], color: RGB): void {
    if (edges.length === 0) return;
    const ys = edges.flatMap((e) => [e[1], e[3]]);
    const xs = edges.flatMap((e) => [e[0], e[2]]);
    const x0 = Math.max(0, Math.floor(Math.min(...xs)));
    const x1 = Math.min(this.width, Math.ceil(Math.max(...xs)) + 1);
    const y0 = Math.max(0, Math.floor(Math.min(...ys)));
    const y1 = Math.min(this.height, Math.ceil(Math.max(...ys)) + 1);
    const w = x1 - x0;
    const coverage = new Float32Array(w * (y1 - y0));
    for (let py = y0; py < y1; py += 1) {
      for (let s = 0; s < SS; s += 1) {
        const y = py + (s + 0.5) / SS;
        const hits: [number, number][] = [];
        for (const [ax, ay, bx, by] of edges) {
          if (ay === by || y < Math.min(ay, by) || y >= Math.max(ay, by)) continue;
          hits.push([ax + ((y - ay) / (by - ay)) * (bx - ax), by > ay ? 1 : -1]);
        }
        hits.sort((a, b) => a[0] - b[0]);
        let winding = 0;
        for (let i = 0; i < hits.length - 1; i += 1) {
          winding += hits[i]![1];
          if (winding === 0) continue;
          // Samples at x + (k + 0.5) / SS inside [from, to).
          const from = Math.max(x0 * SS, Math.ceil(hits[i]![0] * SS - 0.5));
          const to = Math.min(x1 * SS, Math.ceil(hits[i + 1]![0] * SS - 0.5));
          for (let k = from; k < to; k += 1) {
            const at = (py - y0) * w + Math.floor(k / SS) - x0;
            coverage[at] = coverage[at]! + 1 / (SS * SS);
          }
        }
      }
    }
    for (let py = y0; py < y1; py += 1) {
      for (let px = x0; px < x1; px += 1) {
        const a = Math.min(1, coverage[(py - y0) * w + px - x0]!);
        if (a <= 0) continue;
        const o = (py * this.width + px) * 3;
        for (let c = 0; c < 3; c += 1) this.pixels[o + c] = Math.round(this.pixels[o + c]! * (1 - a) + color[c]! * a);
      }
    }
  }

  png(): Buffer {
    const raw = Buffer.alloc((this.width * 3 + 1) * this.height);
    for (let y = 0; y < this.height; y += 1) {
      raw[y * (this.width * 3 + 1)] = 0; // filter: none
      raw.set(this.pixels.subarray(y * this.width * 3, (y + 1) * this.width * 3), y * (this.width * 3 + 1) + 1);
    }
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(this.width, 0);
    ihdr.writeUInt32BE(this.height, 4);
    ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, no filter method, no interlace
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(raw, { level: 9 })),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
