import { servedContentType } from './file-download';

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe(servedContentType.name, () => {
  it('should serve safe types recognised from the bytes, whatever was declared', () => {
    expect(servedContentType('text/html', bytes([0x89], 'PNG\r\n\x1a\n'))).toBe('image/png');
    expect(servedContentType('application/pdf', bytes('%PDF-1.7\n'))).toBe('application/pdf');
    expect(servedContentType('image/png', bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 '))).toBe('image/webp');
    expect(servedContentType('audio/webm', bytes([0x1a, 0x45, 0xdf, 0xa3]))).toBe('audio/webm');
    expect(servedContentType('text/html', bytes([0x1a, 0x45, 0xdf, 0xa3]))).toBe('video/webm');
  });

  it('should serve HTML, SVG, XML, scripts and unknown bytes as octet-stream', () => {
    for (const [declared, content] of [
      ['text/html', '<html><script>alert(1)</script>'],
      ['image/svg+xml', '<svg onload="alert(1)"/>'],
      ['image/png', '<svg onload="alert(1)"/>'],
      ['application/xml', '<?xml version="1.0"?>'],
      ['application/javascript', 'alert(1)'],
      ['application/pdf', 'not a pdf'],
    ]) {
      expect([declared, servedContentType(declared, bytes(content))]).toEqual([declared, 'application/octet-stream']);
    }
  });

  it('should keep declared plain text and CSV only when the bytes are UTF-8 without NUL', () => {
    expect(servedContentType('text/plain', Buffer.from('Zoë, Zürich'))).toBe('text/plain; charset=utf-8');
    expect(servedContentType('text/csv; charset=latin1', Buffer.from('a,b\n'))).toBe('text/csv; charset=utf-8');
    expect(servedContentType('text/plain', bytes('a', [0], 'b'))).toBe('application/octet-stream');
    expect(servedContentType('text/plain', bytes([0xff, 0xfe, 0x41]))).toBe('application/octet-stream');
    // A multi-byte character cut at the end of the sample is still text.
    expect(servedContentType('text/plain', Buffer.from('ab€').subarray(0, 4))).toBe('text/plain; charset=utf-8');
  });
});
