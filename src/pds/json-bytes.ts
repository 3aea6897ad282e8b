/**
 * JSON written straight into UTF-8 bytes, for the largest responses (a page of rows). Building
 * the page as a string joined thousands of short pieces: V8 kept them as a tree of string
 * fragments, which the socket write then had to flatten and encode, and the fragments were a large
 * share of the young-generation garbage. Measured on a 100-row page (bench/profile, `bench:cpu
 * rows`): flattening and encoding were about a tenth of the event loop's time, and writing bytes
 * here takes about half the time of building the string and encoding it. No JSON library writes
 * into a byte buffer piece by piece, so this small writer is our own.
 *
 * Strings are written exactly as JSON.stringify writes them: printable ASCII without `"` or `\`
 * byte by byte, anything else through JSON.stringify itself (escapes, lone surrogates) and then
 * UTF-8 encoded.
 */

/** Bytes kept between pages: a larger scratch (a very large page) is let go after its page. */
const KEEP_BYTES = 1 << 20;

export class JsonBytes {
  private buf: Buffer;
  private len = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Pre-encoded text, for keys and punctuation written many times: `JsonBytes.encode(',"memo":')`. */
  static encode(text: string): Uint8Array {
    return Buffer.from(text, 'utf8');
  }

  /** One ASCII character, by its code. */
  char(code: number): void {
    if (this.len === this.buf.length) this.grow(1);
    this.buf[this.len++] = code;
  }

  /** Bytes from `encode`. */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    if (this.len + n > this.buf.length) this.grow(n);
    const { buf } = this;
    let at = this.len;
    // Keys are tens of bytes: a loop beats the call into Buffer#set at this size.
    for (let i = 0; i < n; i++) buf[at++] = bytes[i]!;
    this.len = at;
  }

  /** A non-negative integer's digits, as String(n) writes them. */
  integer(n: number): void {
    this.ascii(String(n));
  }

  /** Exactly the bytes of JSON.stringify(s). */
  string(s: string): void {
    // Stored values are strings; anything else is written as its string, never as an empty one.
    if (typeof s !== 'string') s = String(s);
    const start = this.len;
    this.char(0x22);
    if (this.ascii(s)) {
      this.char(0x22);
      return;
    }
    this.len = start;
    const quoted = JSON.stringify(s);
    // JSON.stringify's output is at most 3 UTF-8 bytes per UTF-16 unit.
    if (this.len + 3 * quoted.length > this.buf.length) this.grow(3 * quoted.length);
    this.len += this.buf.write(quoted, this.len, 'utf8');
  }

  /** Drops whatever was written (a page abandoned half way by an error). */
  clear(): void {
    this.len = 0;
  }

  /** The bytes written, as a Buffer of their own; the writer is empty again after. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.len);
    this.buf.copy(out, 0, 0, this.len);
    this.len = 0;
    if (this.buf.length > KEEP_BYTES) this.buf = Buffer.allocUnsafe(KEEP_BYTES);
    return out;
  }

  /**
   * Writes `s` if every character is printable ASCII that JSON does not escape; otherwise writes
   * nothing and answers false.
   */
  private ascii(s: string): boolean {
    const n = s.length;
    if (this.len + n > this.buf.length) this.grow(n);
    const { buf } = this;
    let at = this.len;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
      buf[at++] = c;
    }
    this.len = at;
    return true;
  }

  private grow(more: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + more));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}
