/** `attachment; filename="ascii"; filename*=UTF-8''…` (RFC 6266), never letting a name break the header. */
export function contentDisposition(filename: string | null, fallback: string): string {
  const name = (filename ?? fallback).replace(/[\r\n"\\]/g, '_');
  const ascii = name.replace(/[^\x20-\x7e]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
